#!/usr/bin/env node
/**
 * A small SageMaker "bring your own container" algorithm, for sparkmaker's `custom` algorithm:
 * a nearest-centroid binary classifier. It follows SageMaker's container contracts, so the same
 * script runs in a Docker image on AWS (entry point `node nearest-centroid.mjs`) and offline under
 * the local SageMaker (image URI mapped to `node examples/custom-algorithm/nearest-centroid.mjs`).
 *
 *   nearest-centroid.mjs train   reads /opt/ml/input/config/hyperparameters.json and every CSV file
 *                                (label first, no header) in the train channel, writes
 *                                /opt/ml/model/model.json; on bad input writes /opt/ml/output/failure
 *                                and exits 1.
 *   nearest-centroid.mjs serve   answers GET /ping and POST /invocations (text/csv rows without a
 *                                label → one score per line: d0 / (d0 + d1), the closeness to class 1)
 *                                on SAGEMAKER_BIND_TO_PORT (default 8080).
 *
 * Offline the root is SM_OPT_ML (the local SageMaker's /opt/ml under its state directory).
 * Hyperparameters: `shrinkage` (0–1, default 0): pulls both centroids towards the overall mean.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const root = process.env.SM_OPT_ML ?? '/opt/ml';
const modelDir = process.env.SM_MODEL_DIR ?? join(root, 'model');

function fail(message) {
  mkdirSync(join(root, 'output'), { recursive: true });
  writeFileSync(join(root, 'output', 'failure'), `ClientError: ${message}`);
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parseRows(text, source, withLabel) {
  const rows = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split(',').map(Number);
    if (cells.some((v) => !Number.isFinite(v)))
      fail(`${source} line ${i + 1}: expected numbers, got '${line.slice(0, 60)}'`);
    rows.push(withLabel ? { label: cells[0], x: cells.slice(1) } : { x: cells });
  });
  return rows;
}

function train() {
  const hp = JSON.parse(readFileSync(join(root, 'input', 'config', 'hyperparameters.json'), 'utf8'));
  const shrinkage = hp.shrinkage === undefined ? 0 : Number(hp.shrinkage);
  if (!(shrinkage >= 0 && shrinkage <= 1))
    fail(`hyperparameter shrinkage must be in [0, 1], got '${hp.shrinkage}'`);
  const dir = process.env.SM_CHANNEL_TRAIN ?? join(root, 'input', 'data', 'train');
  const rows = [];
  for (const name of readdirSync(dir).sort())
    rows.push(...parseRows(readFileSync(join(dir, name), 'utf8'), name, true));
  if (rows.length === 0) fail('the train channel holds no rows');
  const width = rows[0].x.length;
  const sums = { 0: new Array(width).fill(0), 1: new Array(width).fill(0) };
  const counts = { 0: 0, 1: 0 };
  const all = new Array(width).fill(0);
  for (const { label, x } of rows) {
    if (label !== 0 && label !== 1) fail(`labels must be 0 or 1, got ${label}`);
    if (x.length !== width) fail(`every row needs ${width} features`);
    counts[label]++;
    x.forEach((v, j) => {
      sums[label][j] += v;
      all[j] += v;
    });
  }
  if (counts[0] === 0 || counts[1] === 0) fail('the training data needs both classes');
  const mean = all.map((v) => v / rows.length);
  const centroid = (c) => sums[c].map((v, j) => (1 - shrinkage) * (v / counts[c]) + shrinkage * mean[j]);
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ centroids: [centroid(0), centroid(1)] }));
  process.stdout.write(`#metric train:rows=${rows.length}\n`);
}

function serve() {
  const { centroids } = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const distance = (x, c) => Math.sqrt(c.reduce((s, v, j) => s + ((x[j] ?? 0) - v) ** 2, 0));
  const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/ping') {
      response.writeHead(200).end();
      return;
    }
    if (request.method === 'POST' && request.url === '/invocations') {
      const chunks = [];
      request.on('data', (c) => chunks.push(c));
      request.on('end', () => {
        const lines = Buffer.concat(chunks)
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '');
        const out = [];
        for (const line of lines) {
          const x = line.split(',').map(Number);
          if (x.some((v) => !Number.isFinite(v))) {
            response
              .writeHead(415, { 'Content-Type': 'text/plain' })
              .end(`not a numeric CSV row: ${line.slice(0, 60)}`);
            return;
          }
          const d0 = distance(x, centroids[0]);
          const d1 = distance(x, centroids[1]);
          out.push(String(d0 + d1 === 0 ? 0.5 : d0 / (d0 + d1)));
        }
        response
          .writeHead(200, { 'Content-Type': 'text/csv' })
          .end(out.length === 0 ? '' : `${out.join('\n')}\n`);
      });
      return;
    }
    response.writeHead(404).end();
  });
  // Offline (SM_OPT_ML set) stay on loopback; in a container, every interface.
  server.listen(port, process.env.SM_OPT_ML === undefined ? '0.0.0.0' : '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

const mode = process.argv[2];
if (mode === 'train') train();
else if (mode === 'serve') serve();
else {
  process.stderr.write('usage: nearest-centroid.mjs train|serve\n');
  process.exit(2);
}
