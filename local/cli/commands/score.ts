/**
 * `sparkmaker score --model <model.tar.gz|file> --input <file> --output <file> [--content-type <type>]
 * [--accept <type>]`
 *
 * Scores a file exactly as a SageMaker batch transform with the model's built-in container and
 * `SplitType: Line` would: the output is the `<input>.out` it would write. XGBoost 1.7-1: one
 * prediction per input row, printed as the container prints it (`str()` of the float, a Python list
 * for softprob), whatever the Accept. KMeans, PCA, Linear Learner: the algorithm's response for the
 * Accept (default `text/csv` for KMeans, `application/jsonlines` for PCA and Linear Learner).
 * CSV and LibSVM inputs are streamed; the output goes to a temporary file beside `--output` and is
 * renamed at the end, so a failure leaves no partial output.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type AlgorithmModel, loadAlgorithmModel, XGBoostAlgorithmModel } from '../../../shared/algorithms';
import { InputValidationError } from '../../../shared/errors';
import { LibSvmReader, NumericCsvReader } from '../../../shared/formats';
import {
  csvBatchRows,
  formatBatchLine,
  libsvmLineRows,
  normalizeContentType,
  recordIORows,
  type ScoringContentType,
  type ScoringRows,
  type XGBoostModel,
} from '../../../shared/model';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

const USAGE = `Usage: sparkmaker score --model <model.tar.gz|file> --input <file> --output <file> [options]

Scores <input> with a built-in model (XGBoost, KMeans, PCA, Linear Learner) as a SageMaker batch
transform (SplitType Line) would, and writes what it would write as <input>.out.

Options:
  --model <path>         SageMaker model.tar.gz, or a model file (XGBoost "xgboost-model", .json,
                         .ubj; the 1P algorithms' model_algo-1)
  --input <path>         rows to score, without a label column
  --output <path>        where to write the predictions
  --content-type <type>  text/csv, text/libsvm or application/x-recordio-protobuf
                         (default: from the input's extension: .libsvm/.svm, .rec/.pbr/.recordio, else csv)
  --accept <type>        KMeans, PCA, Linear Learner: text/csv (KMeans), application/json,
                         application/jsonlines or application/x-recordio-protobuf (default: text/csv
                         where the algorithm answers CSV, else application/jsonlines); ignored for
                         XGBoost, whose batch output does not depend on it
`;

const CHUNK_BYTES = 1 << 20;

function contentTypeOf(input: string, given: string | undefined): ScoringContentType {
  if (given !== undefined) {
    try {
      return normalizeContentType(given);
    } catch (error) {
      if (error instanceof InputValidationError) throw new UsageError(error.message);
      throw error;
    }
  }
  const ext = extname(input).toLowerCase();
  if (ext === '.libsvm' || ext === '.svm') return 'text/libsvm';
  if (ext === '.rec' || ext === '.pbr' || ext === '.recordio') return 'application/x-recordio-protobuf';
  return 'text/csv';
}

/** Yields dense row batches of the input, streaming CSV and LibSVM. */
async function* batches(
  path: string,
  contentType: ScoringContentType,
  numFeature: number,
): AsyncGenerator<ScoringRows> {
  const source = basename(path);
  if (contentType === 'application/x-recordio-protobuf') {
    yield recordIORows(new Uint8Array(await readFile(path)), numFeature, source);
    return;
  }
  if (contentType === 'text/csv') {
    const reader = new NumericCsvReader({ source });
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      yield csvBatchRows(reader.push(chunk as Uint8Array), numFeature, source);
    }
    yield csvBatchRows(reader.end(), numFeature, source);
    return;
  }
  const reader = new LibSvmReader({ indexBase: 0, hasLabel: false, source });
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    yield libsvmLineRows(reader.push(chunk as Uint8Array), numFeature, source);
  }
  yield libsvmLineRows(reader.end(), numFeature, source);
}

/** Scores `input` into the open file `out`; returns the number of rows. */
async function scoreInto(
  model: XGBoostModel,
  input: string,
  contentType: ScoringContentType,
  out: FileHandle,
): Promise<number> {
  let total = 0;
  for await (const { x, rows } of batches(input, contentType, model.numFeature)) {
    if (rows === 0) continue;
    const predictions = model.predict(x, rows);
    const lines: string[] = [];
    for (let r = 0; r < rows; r++) lines.push(formatBatchLine(predictions, r));
    await out.write(`${lines.join('\n')}\n`);
    total += rows;
  }
  return total;
}

/** Scores with a 1P algorithm's model, writing its response for `accept`. */
async function scoreAlgorithmInto(
  model: AlgorithmModel,
  input: string,
  contentType: ScoringContentType,
  accept: string | undefined,
  out: FileHandle,
): Promise<number> {
  model.formatBatch({ rows: 0, fields: [] }, accept); // refuses an Accept the algorithm does not answer, before any work
  let total = 0;
  for await (const { x, rows } of batches(input, contentType, model.numFeature)) {
    if (rows === 0) continue;
    for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) x[i] = 0;
    const body = model.formatBatch(model.score(x, rows), accept);
    if (typeof body === 'string') await out.write(body);
    else await out.write(body);
    total += rows;
  }
  return total;
}

export const command: Command = {
  summary: 'score a file with a built-in model as SageMaker batch transform would',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        model: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        'content-type': { type: 'string' },
        accept: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return 0;
    }
    for (const name of ['model', 'input', 'output'] as const) {
      if (values[name] === undefined) throw new UsageError(`--${name} is required\n\n${USAGE}`);
    }
    const modelPath = resolve(values.model as string);
    const input = resolve(values.input as string);
    const output = resolve(values.output as string);
    const contentType = contentTypeOf(input, values['content-type']);
    const started = performance.now();
    const loaded = loadAlgorithmModel(new Uint8Array(await readFile(modelPath)), basename(modelPath));
    const accept = values.accept;
    const temporary = join(dirname(output), `.${basename(output)}.${process.pid}.partial`);
    const out = await open(temporary, 'w');
    let rows: number;
    try {
      rows =
        loaded instanceof XGBoostAlgorithmModel
          ? await scoreInto(loaded.model, input, contentType, out)
          : await scoreAlgorithmInto(loaded, input, contentType, accept, out);
      await out.close();
      await rename(temporary, output);
    } catch (error) {
      await out.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    const what =
      loaded instanceof XGBoostAlgorithmModel
        ? `${loaded.model.objective.name}, ${loaded.model.treesUsed} trees`
        : `${loaded.algorithm}, ${loaded.numFeature} features, ${accept ?? loaded.accepts[0]}`;
    process.stderr.write(
      `scored ${rows} rows (${contentType}) with ${basename(modelPath)} [${what}] into ${output} in ${seconds.toFixed(2)} s\n`,
    );
    return 0;
  },
};
