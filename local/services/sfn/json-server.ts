/**
 * One loopback endpoint for the AWS JSON-protocol services the handlers call offline: Step Functions
 * (`X-Amz-Target: AWSStepFunctions.<Op>`, awsJson1_0), SageMaker (`SageMaker.<Op>`, awsJson1_1) and
 * EventBridge (`AWSEvents.<Op>`). Point `AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_SAGEMAKER` and
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` at its URL. Timestamps go out as epoch seconds, errors as
 * `{"__type", "message"}` with status 400, as the SDK expects.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceError } from '../errors';
import type { StepFunctionsService } from './index';

/** Answers one operation of one service; throw an Error whose `name` is the AWS error code. */
export type JsonOperationHandler = (operation: string, input: Record<string, unknown>) => Promise<unknown>;

export interface JsonEndpoint {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the endpoint. `targets` maps an X-Amz-Target prefix (`AWSStepFunctions`, `SageMaker`,
 * `AWSEvents`) to its handler.
 */
export async function startJsonServer(
  targets: Readonly<Record<string, JsonOperationHandler>>,
  options: { port?: number; host?: string } = {},
): Promise<JsonEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void answer(targets, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(
  targets: Readonly<Record<string, JsonOperationHandler>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const dot = target.lastIndexOf('.');
  const service = target.slice(0, dot);
  const operation = target.slice(dot + 1);
  const contentType = String(req.headers['content-type'] ?? 'application/x-amz-json-1.0');
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const handler = targets[service];
    if (dot < 0 || handler === undefined) {
      throw Object.assign(new Error(`No local service answers X-Amz-Target '${target}'`), {
        name: 'UnknownOperationException',
      });
    }
    const input = (text.trim() === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const output = await handler(operation, input);
    const body = JSON.stringify(toWire(output ?? {}));
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } catch (error) {
    const code = error instanceof Error ? error.name : 'InternalFailure';
    const message = error instanceof Error ? error.message : String(error);
    const status =
      error instanceof ServiceError
        ? error.statusCode
        : code === 'InternalFailure' || code === 'Error'
          ? 500
          : 400;
    const body = JSON.stringify({ __type: code === 'Error' ? 'InternalFailure' : code, message });
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-errortype': code,
    });
    res.end(body);
  }
}

/** Dates become epoch seconds, as the AWS JSON protocols send timestamps. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toWire(inner);
    return out;
  }
  return value;
}

function seconds(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso) / 1000;
}

function timestampOf(value: unknown): number {
  return value instanceof Date ? value.getTime() / 1000 : Date.parse(String(value)) / 1000;
}

/** The Step Functions operations the handlers and the CLI use, over a {@link StepFunctionsService}. */
export function stepFunctionsApi(service: StepFunctionsService): JsonOperationHandler {
  return async (operation, input) => {
    switch (operation) {
      case 'StartExecution': {
        const { executionArn, startDate } = await service.startExecution({
          stateMachineArn: String(input.stateMachineArn ?? ''),
          ...(typeof input.name === 'string' ? { name: input.name } : {}),
          ...(typeof input.input === 'string' ? { input: input.input } : {}),
        });
        return { executionArn, startDate };
      }
      case 'DescribeExecution': {
        const r = await service.describeExecution(String(input.executionArn ?? ''));
        return {
          executionArn: r.executionArn,
          stateMachineArn: r.stateMachineArn,
          name: r.name,
          status: r.status,
          startDate: seconds(r.startDate),
          stopDate: seconds(r.stopDate),
          input: r.input,
          output: r.output,
          error: r.error,
          cause: r.cause,
        };
      }
      case 'ListExecutions': {
        const filter = typeof input.statusFilter === 'string' ? (input.statusFilter as never) : undefined;
        const all = await service.listExecutions(String(input.stateMachineArn ?? ''), filter);
        const { page, nextToken } = paginate(all, input);
        return {
          executions: page.map((r) => ({
            executionArn: r.executionArn,
            stateMachineArn: r.stateMachineArn,
            name: r.name,
            status: r.status,
            startDate: seconds(r.startDate),
            stopDate: seconds(r.stopDate),
          })),
          nextToken,
        };
      }
      case 'GetExecutionHistory': {
        const r = await service.describeExecution(String(input.executionArn ?? ''));
        const events = input.reverseOrder === true ? [...r.events].reverse() : r.events;
        const { page, nextToken } = paginate(events, input);
        return {
          events: page.map((e) => ({ ...e, timestamp: timestampOf(e.timestamp) })),
          nextToken,
        };
      }
      case 'StopExecution':
        return service.stopExecution(
          String(input.executionArn ?? ''),
          typeof input.error === 'string' ? input.error : undefined,
          typeof input.cause === 'string' ? input.cause : undefined,
        );
      case 'ListStateMachines':
        return {
          stateMachines: service.stateMachines.map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: m.type,
            creationDate: 0,
          })),
        };
      case 'DescribeStateMachine': {
        const m = service.stateMachine(String(input.stateMachineArn ?? ''));
        return {
          stateMachineArn: m.arn,
          name: m.name,
          type: m.type,
          status: 'ACTIVE',
          definition: JSON.stringify(m.definition),
          roleArn: m.roleArn,
          creationDate: 0,
        };
      }
      default:
        throw new ServiceError(
          'UnknownOperationException',
          `The local Step Functions does not implement ${operation}`,
        );
    }
  };
}

function paginate<T>(items: readonly T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 1000;
  const start =
    typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64url').toString()) : 0;
  const page = items.slice(start, start + max);
  const end = start + page.length;
  return end < items.length ? { page, nextToken: Buffer.from(String(end)).toString('base64url') } : { page };
}
