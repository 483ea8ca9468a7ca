/**
 * S3 for handlers: `s3://` URIs, streamed and ranged reads, writes that commit atomically from a
 * reader's point of view, paginated listings. Every function takes the S3 client as its first
 * argument (made once in `shared/clients.ts`) and throws typed errors naming the object.
 */
export { type RangedBuffer, s3RangedBuffer } from './async-buffer';
export { copyObject } from './copy';
export { s3Failure } from './errors';
export { type ListedObject, listAllObjects, listObjects } from './list';
export {
  type ByteRange,
  headObject,
  type ObjectHead,
  readObject,
  readObjectChunks,
  readObjectText,
} from './read';
export {
  asPrefix,
  baseName,
  bucketNameProblem,
  child,
  dotSegment,
  formatS3Uri,
  isPrefix,
  isUnder,
  isValidBucketName,
  MAX_KEY_BYTES,
  type ParseS3UriOptions,
  parseS3Uri,
  type S3Location,
} from './uri';
export {
  deleteObject,
  ObjectWriter,
  putJson,
  putObject,
  type WriteOptions,
  type WrittenObject,
} from './write';
