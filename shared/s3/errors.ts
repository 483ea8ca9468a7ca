import { isNotFoundAwsError, translateAwsError } from '../clients';
import { ObjectNotFoundError, SparkmakerError, TransientError } from '../errors';

/**
 * The error to throw for a failed S3 call on `uri`: {@link ObjectNotFoundError} for a missing key,
 * {@link TransientError} for throttling / 5xx, each naming the operation and the object.
 */
export function s3Failure(error: unknown, operation: string, uri: string): unknown {
  if (error instanceof SparkmakerError) return error;
  if (isNotFoundAwsError(error)) {
    return new ObjectNotFoundError(`${operation} ${uri}: no such object or bucket`, { cause: error });
  }
  const translated = translateAwsError(error);
  if (translated instanceof TransientError) {
    const name = error instanceof Error ? error.name : 'Error';
    return new TransientError(`${operation} ${uri} failed transiently (${name}); retry later`, {
      cause: error,
    });
  }
  return translated;
}
