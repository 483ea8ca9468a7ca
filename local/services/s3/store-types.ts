/**
 * The shapes the local S3 store (`FileObjectStore`, `file-store.ts`) takes and reports: upload options, the
 * "Object Created" notice, a stored object's full description, multipart parts, and its error type.
 */
import { ServiceError } from '../errors';
import type { ObjectInfo } from '../object-store';

/** What an upload carries besides its bytes. */
export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Why the object was created, as the S3 "Object Created" event reports it. */
  readonly reason?: ObjectCreatedReason;
}

/** The `detail.reason` of an S3 "Object Created" event. */
export type ObjectCreatedReason = 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';

/** One successful upload, as the store reports it to its listeners. */
export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Without quotes, as the S3 event shows it. */
  readonly etag: string;
  readonly reason: ObjectCreatedReason;
  readonly sequencer: string;
  readonly time: Date;
}

/** The full description of a stored object (HeadObject). */
export interface StoredObject extends ObjectInfo {
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A part as CompleteMultipartUpload lists it. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/**
 * An S3 error with its code and HTTP status, thrown for requests S3 would refuse: the one service
 * error type of the local services ({@link ServiceError}), under the name the S3 code uses.
 */
export const S3Error = ServiceError;
/** The instance type of {@link S3Error}. */
export type S3Error = ServiceError;
