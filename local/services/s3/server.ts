/**
 * An S3-compatible HTTP endpoint on loopback over a {@link FileObjectStore}: what `@aws-sdk/client-s3`
 * v3 sends with its defaults (path-style and `<bucket>.localhost` virtual-host addressing,
 * aws-chunked streaming uploads with trailing checksums). Signatures are not checked: the endpoint
 * listens on loopback only and any credentials are accepted.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, NoSuchBucketError, NoSuchKeyError } from '../object-store';
import {
  AwsChunkedDecoder,
  decodeAwsChunked,
  isAwsChunked,
  StreamChecksums,
  verifyChecksums,
} from './aws-chunked';
import { type FileObjectStore, type PutOptions, S3Error } from './file-store';
import { xmlDocument, xmlElement, xmlNode, xmlValues } from './xml';

/** A running endpoint. */
export interface S3Endpoint {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_S3` / the client's `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface S3ServerOptions {
  readonly store: FileObjectStore;
  /** 0 (the default) lets the OS choose a free port. */
  readonly port?: number;
  readonly host?: string;
}

/** Starts the endpoint; resolves once it listens. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Endpoint> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(options.store, req, res).catch((error: unknown) => sendError(res, req, error));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

/**
 * Splits the request target into bucket, key and query from the raw request line: the path is not
 * normalised (no `.`/`..` resolution, `%2e%2e` stays two dots of the key, `//` stays an empty
 * segment), because S3 keys are opaque.
 */
export function parseTarget(req: IncomingMessage): Target {
  const target = req.url ?? '/';
  const mark = target.indexOf('?');
  const rawPath = mark < 0 ? target : target.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
  const host = (req.headers.host ?? '').split(':')[0] ?? '';
  const virtual = /^(.+)\.(localhost|s3[.-].*)$/.exec(host);
  let bucket: string | undefined;
  let rawKey: string;
  if (virtual?.[1] !== undefined && !/^\d+\.\d+\.\d+$/.test(virtual[1])) {
    bucket = virtual[1];
    rawKey = rawPath.slice(1);
  } else {
    const slash = rawPath.indexOf('/', 1);
    const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
    rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
    bucket = rawBucket === '' ? undefined : decodePath(rawBucket);
  }
  const key = rawKey === '' ? undefined : decodePath(rawKey);
  return {
    ...(bucket === undefined ? {} : { bucket }),
    ...(key === undefined ? {} : { key }),
    query,
  };
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of a small request body (XML), with aws-chunked framing removed and checksums verified. */
async function readPayload(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBody(req);
  if (!isAwsChunked(req.headers)) {
    verifyChecksums(raw, req.headers);
    return raw;
  }
  const { body, trailers } = decodeAwsChunked(raw);
  verifyChecksums(body, { ...req.headers, ...trailers });
  return body;
}

/**
 * Streams an upload's bytes into a temporary file of the store (aws-chunked framing removed), hashing
 * as it goes, then checks the declared length and checksums (header or trailer).
 */
async function receivePayload(
  store: FileObjectStore,
  req: IncomingMessage,
): Promise<{ file: string; etag: string; size: number }> {
  const file = await store.tempPath();
  const sums = new StreamChecksums(req.headers);
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sums.update(chunk);
      callback(null, chunk);
    },
  });
  const decoder = isAwsChunked(req.headers) ? new AwsChunkedDecoder() : undefined;
  try {
    if (decoder === undefined) await pipeline(req, hasher, createWriteStream(file));
    else await pipeline(req, decoder, hasher, createWriteStream(file));
    const declared = req.headers['x-amz-decoded-content-length'];
    if (decoder !== undefined && declared !== undefined && Number(declared) !== sums.size) {
      throw new S3Error(
        'IncompleteBody',
        `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared}, got ${sums.size})`,
      );
    }
    sums.verify({ ...req.headers, ...(decoder?.trailers ?? {}) });
    return { file, etag: sums.etag(), size: sums.size };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

function putOptions(req: IncomingMessage): PutOptions {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice(11)] = String(value);
  }
  const contentType = req.headers['content-type'];
  return { ...(contentType === undefined ? {} : { contentType }), metadata };
}

function common(res: ServerResponse): void {
  res.setHeader('x-amz-request-id', randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase());
  res.setHeader('x-amz-id-2', 'sparkmaker-local');
  res.setHeader('Server', 'sparkmaker');
}

function sendXml(res: ServerResponse, body: string, status = 200): void {
  common(res);
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  common(res);
  res.writeHead(status, { ...headers, 'Content-Length': '0' });
  res.end();
}

function sendError(res: ServerResponse, req: IncomingMessage, error: unknown): void {
  let code = 'InternalError';
  // An unexpected error's own message may quote local paths: S3's generic text goes out instead.
  let message = 'We encountered an internal error. Please try again.';
  let status = 500;
  let resource: string | undefined;
  if (error instanceof S3Error) {
    code = error.code;
    message = error.message;
    status = error.status;
    resource = error.resource;
  } else if (error instanceof NoSuchKeyError) {
    code = 'NoSuchKey';
    message = 'The specified key does not exist.';
    status = 404;
    resource = error.key;
  } else if (error instanceof NoSuchBucketError) {
    code = 'NoSuchBucket';
    message = 'The specified bucket does not exist';
    status = 404;
    resource = error.bucket;
  } else if (process.env.SPARKMAKER_DEBUG === '1') {
    process.stderr.write(
      `local S3: ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (req.method === 'HEAD') {
    sendEmpty(res, status);
    return;
  }
  const fields: [string, string][] = [
    ['Code', code],
    ['Message', message],
  ];
  if (resource !== undefined) fields.push([code === 'NoSuchKey' ? 'Key' : 'Resource', resource]);
  fields.push(['RequestId', randomUUID()]);
  sendXml(res, xmlDocument('Error', fields.map(([n, v]) => xmlElement(n, v)).join('')), status);
}

async function handle(store: FileObjectStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const target = parseTarget(req);
  const { bucket, key, query } = target;
  if (bucket === undefined) {
    if (method !== 'GET') throw new S3Error('MethodNotAllowed', 'The specified method is not allowed', 405);
    return listBuckets(store, res);
  }
  if (key === undefined) return bucketOperation(store, req, res, bucket, query);
  if (query.has('uploads') && method === 'POST') {
    const uploadId = await store.createMultipartUpload(bucket, key, putOptions(req));
    return sendXml(
      res,
      xmlDocument(
        'InitiateMultipartUploadResult',
        xmlElement('Bucket', bucket) + xmlElement('Key', key) + xmlElement('UploadId', uploadId),
      ),
    );
  }
  const uploadId = query.get('uploadId');
  if (uploadId !== null) {
    if (method === 'PUT') {
      const upload = await receivePayload(store, req);
      const { etag } = await store.uploadPartFile(
        bucket,
        key,
        uploadId,
        Number(query.get('partNumber')),
        upload,
      );
      return sendEmpty(res, 200, { ETag: etag });
    }
    if (method === 'POST') {
      const xml = (await readBody(req)).toString('utf8');
      const parts = xmlValues(xml, 'Part').map((part) => ({
        partNumber: Number(xmlValues(part, 'PartNumber')[0]),
        etag: xmlValues(part, 'ETag')[0] ?? '',
      }));
      const { etag } = await store.completeMultipartUpload(bucket, key, uploadId, parts);
      return sendXml(
        res,
        xmlDocument(
          'CompleteMultipartUploadResult',
          xmlElement('Location', `/${bucket}/${key}`) +
            xmlElement('Bucket', bucket) +
            xmlElement('Key', key) +
            xmlElement('ETag', etag),
        ),
      );
    }
    if (method === 'DELETE') {
      await store.abortMultipartUpload(bucket, key, uploadId);
      return sendEmpty(res, 204);
    }
  }
  switch (method) {
    case 'PUT': {
      const copySource = req.headers['x-amz-copy-source'];
      if (copySource !== undefined) return copyObject(store, req, res, bucket, key, String(copySource));
      if (req.headers['if-none-match'] === '*' && (await store.headObject(bucket, key)) !== undefined) {
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          412,
        );
      }
      const upload = await receivePayload(store, req);
      const { etag } = await store.putObjectFile(bucket, key, upload, putOptions(req));
      return sendEmpty(res, 200, { ETag: etag });
    }
    case 'GET':
    case 'HEAD':
      return getObject(store, req, res, bucket, key, method === 'HEAD');
    case 'DELETE':
      await store.deleteObject(bucket, key);
      return sendEmpty(res, 204);
    default:
      throw new S3Error(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        405,
      );
  }
}

async function listBuckets(store: FileObjectStore, res: ServerResponse): Promise<void> {
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

async function bucketOperation(
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

async function copyObject(
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

async function getObject(
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
