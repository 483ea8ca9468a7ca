/** Random access to an S3 object through ranged GETs, in the shape Parquet readers take. */
import type { S3Client } from '@aws-sdk/client-s3';
import { readObject } from './read';
import type { S3Location } from './uri';

/** The `AsyncBuffer` of hyparquet: a length and ranged reads (`end` exclusive). */
export interface RangedBuffer {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/**
 * An object of known size read by ranges (each `slice` is one ranged GET), so a Parquet footer or
 * row group is fetched without the rest of the object.
 *
 * @example
 * ```ts
 * const head = await headObject(s3, location);
 * for await (const batch of readParquetBatches(s3RangedBuffer(s3, location, head.size))) …
 * ```
 */
export function s3RangedBuffer(s3: S3Client, location: S3Location, size: number): RangedBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new ArrayBuffer(0);
      const bytes = await readObject(s3, location, { start, end: stop - 1 });
      const out = new ArrayBuffer(bytes.length);
      new Uint8Array(out).set(bytes);
      return out;
    },
  };
}
