/**
 * The Lambda handlers the conformance cases name (README "The Lambda handlers, in words"),
 * simulated in-process with the results and error envelopes the Python runtime produces.
 */
import { randomUUID } from 'node:crypto';
import { StatesError } from '../asl';

/** The result of one simulated invocation: the payload, and `Unhandled` when the handler raised. */
export interface SimulatedInvocation {
  payload: unknown;
  functionError?: 'Unhandled';
}

/**
 * Python's `repr()` of a JSON value (what `str(event)` prints): `{'k': 'v'}`, `True`, `None`,
 * strings quoted the way CPython chooses.
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
    return pythonNumber(value);
  }
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`,
  );
  return `{${entries.join(', ')}}`;
}

/**
 * A number as Python prints it: integers plainly; floats in the shortest form, in exponent form
 * below 1e-4 or from 1e16, with a two-digit exponent (`1e-07`, `1e+16`).
 */
export function pythonNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(value);
}

const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** CPython's str repr: single quotes unless the text has a single quote and no double quote. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) {
      // Python escapes what str.isprintable() rejects: controls, separators other than space, …
      const hex = code.toString(16);
      out +=
        code < 0x100
          ? `\\x${hex.padStart(2, '0')}`
          : code < 0x10000
            ? `\\u${hex.padStart(4, '0')}`
            : `\\U${hex.padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** The Lambda error envelope of an unhandled Python exception. */
function pythonError(
  errorType: string,
  message: string,
  line: number,
  statement: string,
): SimulatedInvocation {
  return {
    functionError: 'Unhandled',
    payload: {
      errorMessage: message,
      errorType,
      requestId: randomUUID(),
      stackTrace: [`  File "/var/task/handler.py", line ${line}, in handler\n    ${statement}\n`],
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Handlers known to the runner, by the case's `handler` name. */
export const KNOWN_HANDLERS = [
  'id_function',
  'echo_function',
  'return_bytes_str',
  'return_decorated_input',
  'large_output_string',
  'raise_exception',
  'raise_custom_exception',
  'wait_60_seconds',
] as const;

/**
 * Runs the named handler on `event`. `timeScale` shortens sleeps like the interpreter's waits;
 * `signal` ends a sleep early when the task times out or the execution stops.
 */
export async function simulateHandler(
  handler: string,
  event: unknown,
  options: { timeScale: number; signal: AbortSignal },
): Promise<SimulatedInvocation> {
  switch (handler) {
    case 'id_function':
      return { payload: event };
    case 'echo_function':
      return { payload: { Return: 'HelloWorld' } };
    case 'return_bytes_str':
      return { payload: 'HelloWorld!' };
    case 'return_decorated_input':
      return { payload: `input-event-${pythonRepr(event)}` };
    case 'large_output_string':
      return { payload: 'a'.repeat(257 * 1024) };
    case 'raise_exception':
      return pythonError(
        'Exception',
        'Some exception was raised.',
        2,
        'raise Exception("Some exception was raised.")',
      );
    case 'raise_custom_exception':
      return pythonError('CustomException', '', 9, 'raise CustomException()');
    case 'wait_60_seconds':
      await sleep(60_000 * options.timeScale, options.signal);
      return { payload: event };
    default:
      throw new StatesError(
        'Lambda.Unknown',
        `The conformance runner does not simulate the handler '${handler}'`,
      );
  }
}

/**
 * Python's `json.dumps(value)` with its defaults (`", "` and `": "` separators, non-ASCII escaped as
 * `\uXXXX`): the text the Lambda Python runtime returns for an unhandled exception.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? pythonNumber(value) : 'NaN';
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`,
  );
  return `{${entries.join(', ')}}`;
}
