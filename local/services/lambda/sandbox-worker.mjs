/**
 * The inside of one local Lambda sandbox (a worker thread): loads one function's handler module once
 * (the cold start) with that function's environment as its own `process.env`, then runs one
 * invocation at a time, as a warm Lambda execution environment does. It captures what the handler
 * writes to stdout/stderr during each invocation (for `LogType: Tail`) and answers with the result
 * serialised as JSON, or with the Node.js runtime's `{errorType, errorMessage, trace}` envelope.
 *
 * Plain JavaScript on purpose: it runs before any TypeScript loader is in place.
 *
 * Messages in:  {type: 'load', moduleUrl} once, then {type: 'invoke', id, event, context: {…, deadline}}
 * Messages out: {type: 'ready', initMs} | {type: 'init-error', error} |
 *               {type: 'result', id, json?, error?, log, heapUsedMb}
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

/** The most of one invocation's output kept for its log tail (LogResult shows the last 4 KB). */
const LOG_KEEP = 16 * 1024;

/** @type {Buffer[] | undefined} */
let capture;
let captured = 0;

for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream);
  /** @param {unknown} chunk @param {unknown} [encoding] @param {unknown} [callback] */
  stream.write = (chunk, encoding, callback) => {
    if (capture !== undefined) {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(String(chunk), typeof encoding === 'string' ? encoding : 'utf8');
      capture.push(bytes);
      captured += bytes.length;
      while (captured > LOG_KEEP && capture.length > 1) captured -= capture.shift().length;
    }
    if (workerData.forwardLogs) return original(chunk, encoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  };
}

/** The Node.js runtime's error envelope. */
function envelope(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
    };
  }
  return {
    errorType: typeof error === 'string' ? 'string' : 'Error',
    errorMessage: String(error),
    trace: [],
  };
}

/** Calls the handler, async or callback style. */
function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    const returned = handler(event, context, callback);
    if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') {
      returned.then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(returned);
    }
  });
}

let handler;

/** The cold start: loads the module named by the first message. */
async function load(moduleUrl) {
  const initStarted = performance.now();
  try {
    if (workerData.tsx) {
      const { register } = await import('tsx/esm/api');
      register();
    }
    const module = await import(moduleUrl);
    const found = module[workerData.handlerExport];
    if (typeof found !== 'function') {
      const error = new Error(
        `${workerData.handlerFile} does not export a function named '${workerData.handlerExport}'`,
      );
      error.name = 'Runtime.HandlerNotFound';
      throw error;
    }
    handler = found;
    parentPort.postMessage({ type: 'ready', initMs: performance.now() - initStarted });
  } catch (error) {
    parentPort.postMessage({ type: 'init-error', error: envelope(error) });
  }
}

parentPort.on('message', async (message) => {
  if (message?.type === 'load') return load(message.moduleUrl);
  if (message?.type !== 'invoke' || handler === undefined) return;
  const { id, event, context: fields } = message;
  const context = {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, fields.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  delete context.deadline;
  capture = [];
  captured = 0;
  let reply;
  try {
    const result = await call(handler, event, context);
    reply = { json: result === undefined ? 'null' : (JSON.stringify(result) ?? 'null') };
  } catch (error) {
    reply = { error: envelope(error) };
  }
  const log = Buffer.concat(capture);
  capture = undefined;
  parentPort.postMessage({
    type: 'result',
    id,
    ...reply,
    log,
    heapUsedMb: Math.ceil(getHeapStatistics().used_heap_size / 1048576),
  });
});
