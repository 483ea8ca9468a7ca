import { parentPort, workerData } from 'node:worker_threads';

const t0 = performance.now();
const { register } = await import('tsx/esm/api');
register();
const t1 = performance.now();
const m = await import(workerData.file);
const t2 = performance.now();
parentPort.postMessage({ tsx: t1 - t0, mod: t2 - t1, keys: Object.keys(m) });
