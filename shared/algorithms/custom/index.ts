/**
 * Your own container (`custom`): the user names the image, the content type and the
 * hyperparameters; the container decides everything else (SPEC §11.1–11.2). Offline, the image URI
 * maps to a local command (docs/algorithms.md). Its batch-transform output is read as one value per
 * line, like XGBoost's, by the evaluation step.
 */
import type { Algorithm } from '../types';

/** The custom-container module. */
export const custom: Algorithm = {
  name: 'custom',
  trainingContentType: 'text/csv',
  supervised: true,
  channels: ['train', 'validation', 'test'],
  image: () => undefined,
  matchesImage: () => false,
  hyperparameters: undefined,
  validateHyperparameters: (given) => ({ ...given }),
  transformAccept: 'text/csv',
  evaluation: 'supervised',
  readArtifact: undefined,
};
