/**
 * Writing S3 objects so that a reader never sees a partial one: the bytes reach the final key in one
 * PutObject, or (for big outputs) in a multipart upload that S3 makes visible only when it completes.
 * A failed writer aborts its upload, leaving the key as it was.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3Failure } from './errors';
import { formatS3Uri, type S3Location } from './uri';

/** Options of {@link ObjectWriter} and {@link putObject}. */
export interface WriteOptions {
  /** The object's Content-Type. */
  readonly contentType?: string;
  /**
   * Buffered bytes that switch the writer to a multipart upload, and the size of each part
   * (default 16 MiB; S3 requires parts of at least 5 MiB except the last).
   */
  readonly partSizeBytes?: number;
}

/** What a completed write reports. */
export interface WrittenObject {
  readonly uri: string;
  readonly bytes: number;
  readonly etag: string;
}

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/** Writes a whole body to `location` in one PutObject. */
export async function putObject(
  s3: S3Client,
  location: S3Location,
  body: Uint8Array | string,
  contentType?: string,
): Promise<WrittenObject> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const uri = formatS3Uri(location);
  try {
    const response = await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: bytes,
        ContentLength: bytes.length,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
      }),
    );
    return { uri, bytes: bytes.length, etag: response.ETag ?? '' };
  } catch (error) {
    throw s3Failure(error, 'PutObject', uri);
  }
}

/** Writes a JSON value (pretty-printed, with a final newline). */
export function putJson(s3: S3Client, location: S3Location, value: unknown): Promise<WrittenObject> {
  return putObject(s3, location, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

/** Deletes an object (no error when it does not exist, as S3 does). */
export async function deleteObject(s3: S3Client, location: S3Location): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
  } catch (error) {
    throw s3Failure(error, 'DeleteObject', formatS3Uri(location));
  }
}

/**
 * An output written chunk by chunk and committed by {@link ObjectWriter.close}. Until then nothing is
 * visible at the key; small outputs go up in one PutObject, big ones in a multipart upload.
 *
 * @example
 * ```ts
 * const writer = new ObjectWriter(s3, parseS3Uri('s3://b/out/part-00000.csv'), { contentType: 'text/csv' });
 * try { for (const line of lines) await writer.write(line); await writer.close(); }
 * catch (e) { await writer.abort(); throw e; }
 * ```
 */
export class ObjectWriter {
  private readonly uri: string;
  private readonly partSize: number;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private total = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  private closed = false;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly s3: S3Client,
    private readonly location: S3Location,
    private readonly options: WriteOptions = {},
  ) {
    this.uri = formatS3Uri(location);
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE;
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.total;
  }

  /** Appends bytes (or UTF-8 text); may upload a part when enough is buffered. */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.closed) throw new Error(`ObjectWriter for ${this.uri} is already closed`);
    const bytes = typeof chunk === 'string' ? this.encoder.encode(chunk) : chunk;
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.total += bytes.length;
    if (this.buffered >= this.partSize) await this.uploadPart();
  }

  /** Commits the object at its key and reports its size and ETag. */
  async close(): Promise<WrittenObject> {
    if (this.closed) throw new Error(`ObjectWriter for ${this.uri} is already closed`);
    this.closed = true;
    if (this.uploadId === undefined) {
      return putObject(this.s3, this.location, this.drain(), this.options.contentType);
    }
    if (this.buffered > 0) await this.uploadPart();
    try {
      const response = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
      return { uri: this.uri, bytes: this.total, etag: response.ETag ?? '' };
    } catch (error) {
      await this.abort();
      throw s3Failure(error, 'CompleteMultipartUpload', this.uri);
    }
  }

  /** Abandons the output: aborts a started multipart upload; the key keeps its previous content. */
  async abort(): Promise<void> {
    this.closed = true;
    this.chunks = [];
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (uploadId === undefined) return;
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: uploadId,
        }),
      );
    } catch {
      // Best effort: a lifecycle rule reaps incomplete uploads; the original failure matters more.
    }
  }

  private drain(): Uint8Array {
    const out = new Uint8Array(this.buffered);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks = [];
    this.buffered = 0;
    return out;
  }

  private async uploadPart(): Promise<void> {
    try {
      if (this.uploadId === undefined) {
        const created = await this.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: this.location.bucket,
            Key: this.location.key,
            ...(this.options.contentType === undefined ? {} : { ContentType: this.options.contentType }),
          }),
        );
        if (created.UploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
        this.uploadId = created.UploadId;
      }
      const body = this.drain();
      const partNumber = this.parts.length + 1;
      const response = await this.s3.send(
        new UploadPartCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      );
      this.parts.push({ ETag: response.ETag ?? '', PartNumber: partNumber });
    } catch (error) {
      await this.abort();
      throw s3Failure(error, 'UploadPart', this.uri);
    }
  }
}
