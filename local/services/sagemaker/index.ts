/**
 * The local SageMaker: built-in XGBoost training (embedded TypeScript trainer or real XGBoost),
 * CreateModel, batch transform and the Model Registry. See `docs/sagemaker.md`.
 */
export { SageMakerApiError } from './api-error';
export { createModelTarGz, createTar } from './artifact';
export { ChannelError, channelFormat, readChannel } from './channels';
export { createSageMakerService, type SageMakerService, type SageMakerServiceOptions } from './service';
export { artifactUri, failureReason } from './training-job';
export type { Dataset } from './xgboost/dataset';
export { HyperparameterError, validateHyperparameters } from './xgboost/hyperparameters';
export { nativeXgboostVersion } from './xgboost/native';
export { parseBackend, resolveBackend, trainXgboost, type XgboostBackend } from './xgboost/train';
