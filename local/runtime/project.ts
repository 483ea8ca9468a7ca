/**
 * Where the CLI finds the project (`serverless.yml`, `statemachines/`, `functions/`, `jobs/`,
 * `examples/`), and how it explains a port already taken. The CLI runs from the checkout through tsx
 * (`bin/sparkmaker.js`, `npm start`), from any directory inside it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigurationError } from '../../shared/errors';

/** The repository this module belongs to (`local/runtime/..`/..). */
const MODULE_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The nearest directory holding `serverless.yml`, walking up from `start` (default: the current
 * directory); else this module's repository when it holds one.
 *
 * @throws ConfigurationError naming where it looked when neither has a `serverless.yml`.
 */
export function findProjectRoot(start: string = process.cwd(), fallback: string = MODULE_ROOT): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (existsSync(join(fallback, 'serverless.yml'))) return fallback;
  throw new ConfigurationError(
    `no serverless.yml in ${resolve(start)} or any directory above it, nor in ${fallback}: run sparkmaker inside the project checkout`,
  );
}

/** The ports `sparkmaker dev` listens on, with the options that choose them. */
export interface ListenPorts {
  readonly s3Port: number;
  readonly apiPort: number;
}

/**
 * A clear error for a port already in use (EADDRINUSE), naming the port, the option that moves it and
 * LocalStack, whose default ports `sparkmaker dev` shares; `undefined` for any other error.
 */
export function portInUseError(error: unknown, ports: ListenPorts): ConfigurationError | undefined {
  const e = error as { code?: unknown; port?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.code !== 'EADDRINUSE') return undefined;
  const port = typeof e.port === 'number' ? e.port : undefined;
  const which =
    port === ports.s3Port
      ? `the S3 endpoint port ${port} (--port)`
      : port === ports.apiPort
        ? `the API port ${port} (--api-port)`
        : `port ${port ?? `${ports.s3Port} or ${ports.apiPort}`}`;
  return new ConfigurationError(
    `${which} is already in use (LocalStack also defaults to 4566/4567): stop the other server or choose free ports, e.g. sparkmaker dev --port 4666 --api-port 4667`,
    { cause: error },
  );
}
