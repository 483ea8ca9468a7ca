/** Server-side copies within S3: a commit moves a run's staged parts into place without reading them. */
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Failure } from './errors';
import { formatS3Uri, type S3Location } from './uri';

/**
 * Copies an object server-side (objects up to 5 GiB, S3's CopyObject limit; a scoring part is far
 * smaller). Keys are URL-encoded in `CopySource` as S3 requires.
 *
 * @throws {ObjectNotFoundError} when the source does not exist; {@link TransientError} on throttling.
 */
export async function copyObject(s3: S3Client, from: S3Location, to: S3Location): Promise<void> {
  const source = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
  try {
    await s3.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source }));
  } catch (error) {
    throw s3Failure(error, 'CopyObject', `${formatS3Uri(from)} → ${formatS3Uri(to)}`);
  }
}
