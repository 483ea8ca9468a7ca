/**
 * The inside of one local Lambda worker thread. It holds one warm module instance per function it
 * has served (the function's cold start loads it once), each with that function's own environment:
 * `process.env` is swapped to the function's own object before its module loads and before each of
 * its invocations, so what one function sets is never seen by another. One invocation runs at a
 * time, as in a Lambda execution environment. What the handler writes to stdout/stderr during an
 * invocation is captured (for `LogType: Tail`); the answer is the result serialised as JSON, or the
 * Node.js runtime's `{errorType, errorMessage, trace}` envelope.
 *
 * Plain JavaScript on purpose: it runs before any TypeScript loader is in place.
 *
 * Messages in:  {type: 'load', fn, moduleUrl, handlerExport, handlerFile, env}
 *               {type: 'invoke', id, fn, event, context: {…, deadline}}
 * Messages out: {type: 'loaded', fn, initMs} | {type: 'load-error', fn, error} |
 *               {type: 'result', id, json?, error?, log, heapUsedMb}
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { errorEnvelope as envelope } from './envelope.mjs';

/** The most of one invocation's output kept for its log tail (LogResult shows the last 4 KB). */
const LOG_KEEP = 16 * 1024;

/** @type {Buffer[] | undefined} */
let capture;
let captured = 0;

for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream);
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

/** Function name → its handler and its own environment object. */
const functions = new Map();
let tsxRegistered = false;

/** A function's cold start in this worker: its module, loaded under its own environment. */
async function load({ fn, moduleUrl, handlerExport, handlerFile, env }) {
  const initStarted = performance.now();
  try {
    if (workerData.tsx && !tsxRegistered) {
      const { register } = await import('tsx/esm/api');
      register();
      tsxRegistered = true;
    }
    const ownEnv = { ...env };
    process.env = ownEnv;
    // The query gives each function its own module instance, even for a shared handler file.
    const url = new URL(moduleUrl);
    url.searchParams.set('function', fn);
    const module = await import(url.href);
    const handler = module[handlerExport];
    if (typeof handler !== 'function') {
      const error = new Error(`${handlerFile} does not export a function named '${handlerExport}'`);
      error.name = 'Runtime.HandlerNotFound';
      throw error;
    }
    functions.set(fn, { handler, env: ownEnv });
    parentPort.postMessage({ type: 'loaded', fn, initMs: performance.now() - initStarted });
  } catch (error) {
    parentPort.postMessage({ type: 'load-error', fn, error: envelope(error) });
  }
}

async function invoke({ id, fn, event, context: fields }) {
  const loaded = functions.get(fn);
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
    if (loaded === undefined) throw new Error(`function ${fn} is not loaded in this worker`);
    process.env = loaded.env;
    const result = await call(loaded.handler, event, context);
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
}

parentPort.on('message', (message) => {
  if (message?.type === 'load') void load(message);
  else if (message?.type === 'invoke') void invoke(message);
});
