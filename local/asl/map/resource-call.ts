/**
 * How the Map state's ItemReader and ResultWriter reach storage: through the resource registry, by
 * their `Resource` ARN (`arn:aws:states:::s3:getObject`, `…:s3:listObjectsV2`, `…:s3:putObject`),
 * with the S3 API's request and response shapes. The interpreter knows no store.
 */
import { StatesError } from '../errors';
import type { ResourceRegistry } from '../registry';

type Json = Record<string, unknown>;

/** Calls the handler registered for `resource` with an S3-API-shaped `input`; resolves its response. */
export type ResourceCall = (resource: string, input: Json) => Promise<unknown>;

/**
 * A {@link ResourceCall} over `registry`. A missing handler, or a handler's failure, becomes
 * `error` (`States.ItemReaderFailed` / `States.ResultWriterFailed`) with the handler's error named
 * in the cause.
 */
export function resourceCaller(
  registry: ResourceRegistry,
  signal: AbortSignal,
  context: unknown,
  error: 'States.ItemReaderFailed' | 'States.ResultWriterFailed',
): ResourceCall {
  return async (resource, input) => {
    const handler = registry.resolve(resource);
    if (handler === undefined) {
      throw new StatesError(error, `No handler is registered for the resource '${resource}'.`);
    }
    try {
      return await handler({ resource, input, signal, heartbeat: () => undefined, context });
    } catch (thrown) {
      if (signal.aborted) throw signal.reason;
      if (thrown instanceof StatesError) {
        if (thrown.error === error) throw thrown;
        throw new StatesError(error, `${thrown.error}: ${thrown.cause ?? ''}`);
      }
      const e = thrown as { name?: string; message?: string };
      throw new StatesError(error, `${e.name ?? 'Error'}: ${e.message ?? String(thrown)}`);
    }
  };
}

/** The text of an S3 GetObject response `Body` (a string, bytes, or an SDK stream with transformToString). */
export async function bodyText(response: unknown): Promise<string> {
  const body = (response as { Body?: unknown } | null)?.Body;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  const stream = body as { transformToString?: () => Promise<string> } | undefined;
  if (typeof stream?.transformToString === 'function') return stream.transformToString();
  throw new StatesError('States.ItemReaderFailed', 'The getObject response has no Body.');
}
