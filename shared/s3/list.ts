/** Listing S3 prefixes with pagination. */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { s3Failure } from './errors';
import { formatS3Uri, type S3Location } from './uri';

/** One listed object. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** The ETag with its quotes, as S3 returns it. */
  readonly etag: string;
}

/**
 * Lists every object under `prefix` (all pages, in key order), following continuation tokens.
 *
 * @throws {TransientError} on throttling; the error names the prefix.
 */
export async function* listObjects(s3: S3Client, prefix: S3Location): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: prefix.bucket,
          Prefix: prefix.key,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
    } catch (error) {
      throw s3Failure(error, 'ListObjectsV2', formatS3Uri(prefix));
    }
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      yield { key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? '' };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Lists every object under `prefix` into an array. */
export async function listAllObjects(s3: S3Client, prefix: S3Location): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const item of listObjects(s3, prefix)) out.push(item);
  return out;
}
