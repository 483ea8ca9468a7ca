/**
 * The S3 operations of the local endpoint, one handler each: ListBuckets, the bucket operations
 * (create, head, delete, location, DeleteObjects, ListObjects v1 and v2), CopyObject and
 * GetObject/HeadObject with conditional and range requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ByteRange, NoSuchBucketError, NoSuchKeyError } from '../object-store';
import { type FileObjectStore, S3Error } from './file-store';
import { common, decodePath, putOptions, readBody, readPayload, sendEmpty, sendXml } from './request';
import { xmlDocument, xmlElement, xmlNode, xmlValues } from './xml';

/** ListBuckets. */
export async function listBuckets(store: FileObjectStore, res: ServerResponse): Promise<void> {
  const buckets = await store.listBuckets();
  const body =
    xmlNode('Owner', xmlElement('ID', 'sparkmaker') + xmlElement('DisplayName', 'sparkmaker')) +
    xmlNode(
      'Buckets',
      buckets
        .map((b) =>
          xmlNode('Bucket', xmlElement('Name', b.name) + xmlElement('CreationDate', b.created.toISOString())),
        )
        .join(''),
    );
  sendXml(res, xmlDocument('ListAllMyBucketsResult', body));
}

/** An operation on a bucket itself (no key in the target). */
export async function bucketOperation(
  store: FileObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  switch (req.method) {
    case 'PUT':
      await readBody(req);
      if (await store.bucketExists(bucket)) {
        throw new S3Error(
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
          409,
          bucket,
        );
      }
      await store.createBucket(bucket);
      return sendEmpty(res, 200, { Location: `/${bucket}` });
    case 'HEAD':
      if (!(await store.bucketExists(bucket))) throw new NoSuchBucketError(bucket);
      return sendEmpty(res, 200, { 'x-amz-bucket-region': 'us-east-1' });
    case 'DELETE':
      await store.deleteBucket(bucket);
      return sendEmpty(res, 204);
    case 'POST':
      if (query.has('delete')) return deleteObjects(store, req, res, bucket);
      break;
    case 'GET':
      if (query.has('location')) {
        if (!(await store.bucketExists(bucket))) throw new NoSuchBucketError(bucket);
        return sendXml(res, xmlDocument('LocationConstraint', ''));
      }
      return listObjects(store, res, bucket, query);
  }
  throw new S3Error('NotImplemented', `This local endpoint does not implement ${req.method} ${req.url}`, 501);
}

async function deleteObjects(
  store: FileObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
): Promise<void> {
  const xml = (await readPayload(req)).toString('utf8');
  const quiet = xmlValues(xml, 'Quiet')[0] === 'true';
  const keys = xmlValues(xml, 'Object').map((o) => xmlValues(o, 'Key')[0] ?? '');
  if (keys.length > 1000) throw new S3Error('MalformedXML', 'DeleteObjects takes at most 1000 keys');
  let body = '';
  for (const key of keys) {
    try {
      await store.deleteObject(bucket, key);
      if (!quiet) body += xmlNode('Deleted', xmlElement('Key', key));
    } catch (error) {
      const code = error instanceof S3Error ? error.code : 'InternalError';
      const message =
        error instanceof S3Error ? error.message : 'We encountered an internal error. Please try again.';
      body += xmlNode(
        'Error',
        xmlElement('Key', key) + xmlElement('Code', code) + xmlElement('Message', message),
      );
    }
  }
  sendXml(res, xmlDocument('DeleteResult', body));
}

async function listObjects(
  store: FileObjectStore,
  res: ServerResponse,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Math.min(1000, Number(maxKeysText));
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  }
  const encode = query.get('encoding-type') === 'url';
  const enc = (text: string) => (encode ? encodeURIComponent(text).replaceAll('%2F', '/') : text);
  const token = query.get('continuation-token');
  const startAfter = v2 ? query.get('start-after') : query.get('marker');
  let after: string | undefined;
  if (token !== null) {
    after = Buffer.from(token, 'base64url').toString('utf8');
  }
  const listing =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false }
      : await store.listObjects(bucket, {
          prefix,
          ...(delimiter === '' ? {} : { delimiter }),
          ...(after === undefined ? {} : { continuationToken: after }),
          ...(startAfter === null ? {} : { startAfter }),
          maxKeys,
        });
  let body =
    xmlElement('Name', bucket) +
    xmlElement('Prefix', enc(prefix)) +
    (v2 ? xmlElement('KeyCount', String(listing.objects.length + listing.commonPrefixes.length)) : '') +
    xmlElement('MaxKeys', String(maxKeys)) +
    (delimiter === '' ? '' : xmlElement('Delimiter', enc(delimiter))) +
    xmlElement('IsTruncated', String(listing.isTruncated));
  if (encode) body += xmlElement('EncodingType', 'url');
  if (v2) {
    if (token !== null) body += xmlElement('ContinuationToken', token);
    if (startAfter !== null) body += xmlElement('StartAfter', enc(startAfter));
    if (listing.nextContinuationToken !== undefined) {
      body += xmlElement(
        'NextContinuationToken',
        Buffer.from(listing.nextContinuationToken, 'utf8').toString('base64url'),
      );
    }
  } else {
    body += xmlElement('Marker', enc(startAfter ?? ''));
    if (listing.isTruncated && listing.nextContinuationToken !== undefined) {
      body += xmlElement('NextMarker', enc(listing.nextContinuationToken));
    }
  }
  for (const object of listing.objects) {
    body += xmlNode(
      'Contents',
      xmlElement('Key', enc(object.key)) +
        xmlElement('LastModified', object.lastModified.toISOString()) +
        xmlElement('ETag', object.etag) +
        xmlElement('Size', String(object.size)) +
        xmlElement('StorageClass', object.storageClass),
    );
  }
  for (const common of listing.commonPrefixes)
    body += xmlNode('CommonPrefixes', xmlElement('Prefix', enc(common)));
  sendXml(res, xmlDocument('ListBucketResult', body));
}

/** CopyObject: a PUT with `x-amz-copy-source`, `copySource` being that header. */
export async function copyObject(
  store: FileObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
  copySource: string,
): Promise<void> {
  await readBody(req);
  const decoded = decodePath(copySource.split('?')[0] ?? '').replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key');
  const source = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  const { etag, lastModified } = await store.copyObject(
    source,
    bucket,
    key,
    replace ? putOptions(req) : undefined,
  );
  sendXml(
    res,
    xmlDocument(
      'CopyObjectResult',
      xmlElement('ETag', etag) + xmlElement('LastModified', lastModified.toISOString()),
    ),
  );
}

/** Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against an object of `size` bytes. */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}

/** GetObject, or HeadObject when `headOnly`: conditional requests and one byte range. */
export async function getObject(
  store: FileObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
  headOnly: boolean,
): Promise<void> {
  const info = await store.headObject(bucket, key);
  if (info === undefined) throw new NoSuchKeyError(bucket, key);
  const headers: Record<string, string> = {
    ETag: info.etag,
    'Last-Modified': info.lastModified.toUTCString(),
    'Content-Type': info.contentType,
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(info.metadata)) headers[`x-amz-meta-${name}`] = value;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch === info.etag) return sendEmpty(res, 304, { ETag: info.etag });
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== info.etag && ifMatch !== '*') {
    throw new S3Error(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      412,
    );
  }
  const rangeHeader = req.headers.range;
  const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, info.size);
  if (range === 'unsatisfiable') {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, key);
  }
  common(res);
  if (range === undefined) {
    res.writeHead(200, { ...headers, 'Content-Length': String(info.size) });
  } else {
    const end = range.end ?? info.size - 1;
    res.writeHead(206, {
      ...headers,
      'Content-Length': String(end - range.start + 1),
      'Content-Range': `bytes ${range.start}-${end}/${info.size}`,
    });
  }
  if (headOnly || info.size === 0) {
    res.end();
    return;
  }
  const stream = await store.openObject(bucket, key, range);
  if (stream === undefined) {
    res.end();
    return;
  }
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
