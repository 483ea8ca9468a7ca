/**
 * map-failure: after a Distributed Map fails on its tolerated failure threshold, returns the first
 * failed child's own `Error` and `Cause` (read from the ResultWriter's `FAILED_<n>.json`, first entry
 * only), or the Map's own error when there is none, so the run fails with the real reason.
 */
import { s3Client } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler } from '../shared/logging';
import { firstMapFailure } from './lib/map-failure';
import { Payload } from './lib/payload';

const s3 = s3Client(awsSettings(process.env, 'map-failure'));

export const handler = lambdaHandler('map-failure', async (event: unknown, { logger }) => {
  const payload = new Payload(event, 'map-failure');
  const mapError = payload.object('mapError');
  const result = await firstMapFailure(s3, {
    resultWriter: payload.location('resultWriterUri'),
    mapError: {
      Error: mapError.string('Error'),
      Cause: typeof mapError.raw('Cause') === 'string' ? (mapError.raw('Cause') as string) : '',
    },
  });
  logger.info('map failure resolved', { error: result.Error, found: result.source !== undefined });
  return result;
});
