/** Reading S3 objects: whole, by byte range, or as a stream of chunks. */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Failure } from './errors';
import { formatS3Uri, type S3Location } from './uri';

/** A byte range, inclusive at both ends as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  readonly start: number;
  /** Last byte included; omitted = to the end of the object. */
  readonly end?: number;
}

/** What HeadObject tells about an object. */
export interface ObjectHead {
  readonly size: number;
  /** The ETag with its quotes, as S3 returns it. */
  readonly etag: string;
}

function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  return range.end === undefined ? `bytes=${range.start}-` : `bytes=${range.start}-${range.end}`;
}

interface StreamingBody {
  transformToByteArray?: () => Promise<Uint8Array>;
  [Symbol.asyncIterator]?: () => AsyncIterator<Uint8Array | string>;
}

/**
 * Streams an object (or a byte range of it) as chunks, without buffering it whole.
 *
 * @throws {ObjectNotFoundError} when the object does not exist; {@link TransientError} on throttling.
 */
export async function* readObjectChunks(
  s3: S3Client,
  location: S3Location,
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  const uri = formatS3Uri(location);
  let body: StreamingBody | undefined;
  try {
    const header = rangeHeader(range);
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(header === undefined ? {} : { Range: header }),
      }),
    );
    body = response.Body as StreamingBody | undefined;
  } catch (error) {
    throw s3Failure(error, 'GetObject', uri);
  }
  if (body === undefined) return;
  try {
    if (typeof body[Symbol.asyncIterator] === 'function') {
      for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
        yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      }
    } else if (typeof body.transformToByteArray === 'function') {
      yield await body.transformToByteArray();
    }
  } catch (error) {
    throw s3Failure(error, 'GetObject (reading the body of)', uri);
  }
}

/** Reads an object (or a byte range) into memory. Use for small objects: manifests, ranges, models. */
export async function readObject(s3: S3Client, location: S3Location, range?: ByteRange): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of readObjectChunks(s3, location, range)) {
    chunks.push(chunk);
    length += chunk.length;
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads an object as UTF-8 text. */
export async function readObjectText(s3: S3Client, location: S3Location): Promise<string> {
  return new TextDecoder().decode(await readObject(s3, location));
}

/** HeadObject: size and ETag, or `undefined` when there is no such object. */
export async function headObject(s3: S3Client, location: S3Location): Promise<ObjectHead | undefined> {
  try {
    const response = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { size: response.ContentLength ?? 0, etag: response.ETag ?? '' };
  } catch (error) {
    const failure = s3Failure(error, 'HeadObject', formatS3Uri(location));
    if (failure instanceof Error && failure.name === 'ObjectNotFoundError') return undefined;
    throw failure;
  }
}
