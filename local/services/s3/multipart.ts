/**
 * Multipart uploads of the local S3 store, under `<state>/s3-uploads/<uploadId>/`: a manifest
 * (`upload.json`: bucket, key, content type, metadata) and one `<n>.part` file per part, checked and
 * concatenated when the upload completes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { etagOf } from '../object-store';
import { type CompletedPart, type PutOptions, S3Error } from './store-types';

/** What `upload.json` records about an upload. */
export interface UploadManifest {
  bucket: string;
  key: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** A checked CompleteMultipartUpload, ready to be written into the object's file. */
export interface Assembly {
  /** `"<md5 of part md5s>-<n>"`. */
  readonly etag: string;
  /** The content type and metadata given when the upload started. */
  readonly options: PutOptions;
  /** Writes the parts, in order, into the file `tmp`; resolves to the bytes written. */
  write(tmp: string): Promise<number>;
}

/** The pending multipart uploads of one store, under `root` (`<state>/s3-uploads`). */
export class MultipartUploads {
  constructor(readonly root: string) {}

  /** Starts an upload of `bucket`/`key` (both already checked) and returns its id. */
  async create(bucket: string, key: string, options: PutOptions): Promise<string> {
    const uploadId = randomUUID().replaceAll('-', '');
    const dir = join(this.root, uploadId);
    await mkdir(dir, { recursive: true });
    const manifest: UploadManifest = { bucket, key };
    if (options.contentType !== undefined) manifest.contentType = options.contentType;
    if (options.metadata !== undefined) manifest.metadata = { ...options.metadata };
    await writeFile(join(dir, 'upload.json'), JSON.stringify(manifest));
    return uploadId;
  }

  /** The manifest of upload `uploadId` of `bucket`/`key`; NoSuchUpload when there is none. */
  async manifest(bucket: string, key: string, uploadId: string): Promise<UploadManifest> {
    const text = /^[0-9a-f]{32}$/.test(uploadId)
      ? await readFile(join(this.root, uploadId, 'upload.json'), 'utf8').catch(() => undefined)
      : undefined;
    const manifest = text === undefined ? undefined : (JSON.parse(text) as UploadManifest);
    if (manifest === undefined || manifest.bucket !== bucket || manifest.key !== key) {
      throw new S3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
        uploadId,
      );
    }
    return manifest;
  }

  /** Stores part `partNumber` (1–10000) of an existing upload; a part uploaded twice keeps the last bytes. */
  async writePart(uploadId: string, partNumber: number, body: Uint8Array): Promise<void> {
    checkPartNumber(partNumber);
    const target = this.partPath(uploadId, partNumber);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, target);
  }

  /** {@link writePart} for a part already received into `file`, which is moved into place. */
  async movePart(uploadId: string, partNumber: number, file: string): Promise<void> {
    checkPartNumber(partNumber);
    await rename(file, this.partPath(uploadId, partNumber));
  }

  /**
   * Checks the listed parts against the stored ones (ascending, present with the given ETags, all but
   * the last at least 5 MiB) and computes the object's ETag.
   */
  async assemble(
    uploadId: string,
    manifest: UploadManifest,
    parts: readonly CompletedPart[],
  ): Promise<Assembly> {
    if (parts.length === 0) {
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate');
    }
    const digests: Buffer[] = [];
    let previous = 0;
    for (const [index, part] of parts.entries()) {
      if (part.partNumber <= previous) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      previous = part.partNumber;
      const bytes = await readFile(this.partPath(uploadId, part.partNumber)).catch(() => undefined);
      if (bytes === undefined || etagOf(bytes) !== quote(part.etag)) {
        throw new S3Error(
          'InvalidPart',
          `One or more of the specified parts could not be found: part ${part.partNumber}`,
        );
      }
      if (index < parts.length - 1 && bytes.length < 5 * 1024 * 1024) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
      }
      digests.push(createHash('md5').update(bytes).digest());
    }
    const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
    return {
      etag,
      options: {
        ...(manifest.contentType === undefined ? {} : { contentType: manifest.contentType }),
        ...(manifest.metadata === undefined ? {} : { metadata: manifest.metadata }),
      },
      write: async (tmp) => {
        let size = 0;
        const out = await open(tmp, 'w');
        try {
          for (const part of parts) {
            const bytes = await readFile(this.partPath(uploadId, part.partNumber));
            size += bytes.length;
            await out.write(bytes);
          }
        } finally {
          await out.close();
        }
        return size;
      },
    };
  }

  /** Removes the upload's folder (completed or aborted). */
  async discard(uploadId: string): Promise<void> {
    await rm(join(this.root, uploadId), { recursive: true, force: true });
  }

  private partPath(uploadId: string, partNumber: number): string {
    return join(this.root, uploadId, `${partNumber}.part`);
  }
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
}

function quote(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}
