/**
 * resolve-model: the first state of a scoring run. A given `model.uri` is used as is; a
 * `model.modelPackageGroup` resolves to its latest Approved package (ModelNotFoundError if none).
 */
import { sageMakerClient } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { InputValidationError } from '../shared/errors';
import { lambdaHandler } from '../shared/logging';
import { formatS3Uri } from '../shared/s3';
import { Payload } from './lib/payload';
import { type ResolvedModel, resolveLatestApproved } from './lib/registry';

const sm = sageMakerClient(awsSettings(process.env, 'resolve-model'));

export const handler = lambdaHandler(
  'resolve-model',
  async (event: unknown, { logger }): Promise<ResolvedModel> => {
    const model = new Payload(event, 'resolve-model').object('model');
    let resolved: ResolvedModel;
    if (model.has('uri')) {
      const featureSpecUri = model.optionalString('featureSpecUri');
      // A feature spec lists the model's columns too (score-shard reads {featureColumns: […]}).
      const featureColumnsUri = model.optionalString('featureColumnsUri') ?? featureSpecUri;
      resolved = {
        modelUri: formatS3Uri(model.location('uri')),
        ...(featureColumnsUri === undefined ? {} : { featureColumnsUri }),
        ...(featureSpecUri === undefined ? {} : { featureSpecUri }),
      };
    } else if (model.has('modelPackageGroup')) {
      resolved = await resolveLatestApproved(sm, model.string('modelPackageGroup'));
    } else {
      throw new InputValidationError('resolve-model: model must have uri or modelPackageGroup', 'model');
    }
    logger.info('model resolved', { modelUri: resolved.modelUri, modelPackageArn: resolved.modelPackageArn });
    return resolved;
  },
);
