/**
 * The SageMaker Runtime API on loopback (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`), restJson1 as the
 * real `@aws-sdk/client-sagemaker-runtime` speaks it: `POST /endpoints/{EndpointName}/invocations`
 * with the body as is, `Content-Type`, `Accept`, `X-Amzn-SageMaker-Custom-Attributes`; the answer's
 * body as is with `x-Amzn-Invoked-Production-Variant`. Errors have AWS's shapes and codes (SPEC
 * §11.3): `ValidationError` 400 (unknown endpoint, a body over 6 MiB, refused before it is read in
 * full), `ModelError` 424 (`OriginalStatusCode`, `OriginalMessage`, `LogStreamArn`; a container
 * that takes longer than the 60 s invocation timeout is `server error (0)`), `InternalFailure` 500;
 * error type in `x-amzn-ErrorType`, message in the JSON body.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointService } from './endpoints';
import type { ContainerResponse } from './xgboost-realtime';

/** InvokeEndpoint's body limit (botocore `BodyBlob.max`). */
export const MAX_BODY_BYTES = 6291456;

/** What a fault hook may do to one invocation (tests): answer in the container's place, or stall it. */
export type EndpointFault =
  | { readonly status: number; readonly body?: string }
  | { readonly delayMs: number };

/** Asked before each invocation; `attempt` counts earlier invocations of the endpoint. */
export type EndpointFaultInjector = (call: {
  readonly endpointName: string;
  readonly attempt: number;
}) => EndpointFault | undefined;

/** Options of {@link startRuntimeServer}. */
export interface RuntimeServerOptions {
  readonly endpoints: EndpointService;
  readonly region?: string;
  readonly accountId?: string;
  /** The container's time to answer (default 60 000 ms). */
  readonly invocationTimeoutMs?: number;
  readonly faults?: EndpointFaultInjector;
  /** Where invocation counts go (default: a new map). */
  readonly invocations?: Map<string, number>;
  readonly port?: number;
  readonly host?: string;
}

/** A running runtime endpoint. */
export interface RuntimeServer {
  readonly url: string;
  readonly port: number;
  /** Invocations answered so far, by endpoint (tests, benchmarks). */
  readonly invocations: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

class RuntimeApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Uint8Array | string,
): void {
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, {
    ...headers,
    'Content-Length': String(bytes.length),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(bytes);
}

function sendError(res: ServerResponse, error: RuntimeApiError): void {
  const body = JSON.stringify({ message: error.message, Message: error.message, ...error.extra });
  send(res, error.status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': error.code }, body);
}

/** Reads a request body, refusing it once it passes `limit` bytes (before buffering the rest). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Starts the runtime API on loopback (port 0 = chosen by the OS). */
export async function startRuntimeServer(options: RuntimeServerOptions): Promise<RuntimeServer> {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  const timeoutMs = options.invocationTimeoutMs ?? 60_000;
  const counts = options.invocations ?? new Map<string, number>();
  const host = options.host ?? '127.0.0.1';

  const modelError = (name: string, status: number, message: string): RuntimeApiError => {
    const kind = status >= 500 || status === 0 ? 'server' : 'client';
    const logGroup = `/aws/sagemaker/Endpoints/${name}`;
    return new RuntimeApiError(
      'ModelError',
      424,
      `Received ${kind} error (${status}) from primary with message "${message}". See https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logEventViewer:group=${logGroup} in account ${account} for more information.`,
      {
        OriginalStatusCode: status,
        OriginalMessage: message,
        LogStreamArn: `arn:aws:logs:${region}:${account}:log-group:${logGroup}`,
      },
    );
  };

  async function invoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      throw new RuntimeApiError(
        'ValidationError',
        400,
        `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BODY_BYTES}`,
      );
    }
    const served = await options.endpoints.container(name);
    if (!('invoke' in served)) {
      throw new RuntimeApiError(
        'ValidationError',
        400,
        served.status === undefined
          ? `Endpoint ${name} of account ${account} not found.`
          : `Endpoint ${name} of account ${account} is not in service (status ${served.status}).`,
      );
    }
    const attempt = counts.get(name) ?? 0;
    counts.set(name, attempt + 1);
    const fault = options.faults?.({ endpointName: name, attempt });
    const contentType = req.headers['content-type'];
    const accept = req.headers.accept;
    const run = async (): Promise<ContainerResponse> => {
      if (fault !== undefined && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault !== undefined && 'status' in fault) {
        return { status: fault.status, body: fault.body ?? 'injected fault', contentType: 'text/plain' };
      }
      return served.invoke(body, contentType, accept);
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const answer = await Promise.race([run(), timedOut]).finally(() => clearTimeout(timer));
    if (answer === 'timeout') {
      throw modelError(
        name,
        0,
        'Your invocation timed out while waiting for a response from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.',
      );
    }
    if (answer.status < 200 || answer.status > 299) {
      const text = typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body).toString('utf8');
      throw modelError(name, answer.status, text);
    }
    send(
      res,
      200,
      { 'Content-Type': answer.contentType, 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' },
      answer.body,
    );
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(url.pathname);
    const handle = async () => {
      if (req.method !== 'POST' || match === null) {
        throw new RuntimeApiError(
          'UnknownOperationException',
          404,
          `No operation at ${req.method} ${url.pathname}`,
        );
      }
      await invoke(req, res, decodeURIComponent(match[1]!));
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) {
        sendError(
          res,
          error instanceof RuntimeApiError
            ? error
            : new RuntimeApiError(
                'InternalFailure',
                500,
                error instanceof Error ? error.message : String(error),
              ),
        );
      }
      req.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    invocations: counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
