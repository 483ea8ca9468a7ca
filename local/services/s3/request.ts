/**
 * The HTTP side of the local S3 endpoint: reading the request (target, bodies, streamed uploads with
 * aws-chunked framing and checksums, upload headers) and writing the response (S3's common headers,
 * XML bodies, empty replies and S3 error documents).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NoSuchBucketError, NoSuchKeyError } from '../object-store';
import {
  AwsChunkedDecoder,
  decodeAwsChunked,
  isAwsChunked,
  StreamChecksums,
  verifyChecksums,
} from './aws-chunked';
import { type FileObjectStore, type PutOptions, S3Error } from './file-store';
import { xmlDocument, xmlElement } from './xml';

/** A request's bucket, key and query, as {@link parseTarget} splits them. */
export interface Target {
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

/** Percent-decodes a path segment; InvalidURI when it is malformed. */
export function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
}

/** The whole request body, as it came. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of a small request body (XML), with aws-chunked framing removed and checksums verified. */
export async function readPayload(req: IncomingMessage): Promise<Buffer> {
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
export async function receivePayload(
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

/** The content type and `x-amz-meta-*` metadata an upload request carries. */
export function putOptions(req: IncomingMessage): PutOptions {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice(11)] = String(value);
  }
  const contentType = req.headers['content-type'];
  return { ...(contentType === undefined ? {} : { contentType }), metadata };
}

/** Sets the headers every S3 response carries (request ids, server). */
export function common(res: ServerResponse): void {
  res.setHeader('x-amz-request-id', randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase());
  res.setHeader('x-amz-id-2', 'sparkmaker-local');
  res.setHeader('Server', 'sparkmaker');
}

/** Sends an XML document with `status` (200 by default). */
export function sendXml(res: ServerResponse, body: string, status = 200): void {
  common(res);
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Sends an empty response with `status` and `headers`. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  common(res);
  res.writeHead(status, { ...headers, 'Content-Length': '0' });
  res.end();
}

/**
 * Sends `error` as S3 does: its code, message and status for S3 and missing-object errors, a generic
 * InternalError otherwise (the stack only to stderr, under `SPARKMAKER_DEBUG=1`); a response already
 * started is cut off instead.
 */
export function sendError(res: ServerResponse, req: IncomingMessage, error: unknown): void {
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
