/**
 * An S3-compatible HTTP endpoint on loopback over a {@link FileObjectStore}: what `@aws-sdk/client-s3`
 * v3 sends with its defaults (path-style and `<bucket>.localhost` virtual-host addressing,
 * aws-chunked streaming uploads with trailing checksums). Signatures are not checked: the endpoint
 * listens on loopback only and any credentials are accepted.
 *
 * This file starts the server and routes each request to its operation; the operations are in
 * `handlers.ts`, reading requests and writing responses in `request.ts`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FileObjectStore, S3Error } from './file-store';
import { bucketOperation, copyObject, getObject, listBuckets } from './handlers';
import { parseTarget, putOptions, readBody, receivePayload, sendEmpty, sendError, sendXml } from './request';
import { xmlDocument, xmlElement, xmlValues } from './xml';

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
/** Routes one request to its S3 operation. */
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
