/**
 * Inference request bodies of the built-in KMeans, PCA and Linear Learner (SPEC §2, §11.6):
 * `text/csv` (no label), `text/libsvm`, `application/x-recordio-protobuf` (shared/model's readers)
 * and `application/json` / `application/jsonlines` with `{"features":[…]}` or
 * `{"data":{"features":{"values":[…]}}}` instances. Missing values become 0 (a sparse row's
 * absent entries are zeros for these algorithms).
 */
import { InputValidationError } from '../errors';
import { scoringRows } from '../model/inputs';

function instanceValues(instance: unknown, where: string): ArrayLike<unknown> {
  const o = instance as { features?: unknown; data?: { features?: { values?: unknown; keys?: unknown } } };
  if (Array.isArray(o?.features)) return o.features;
  const values = o?.data?.features?.values;
  if (Array.isArray(values)) {
    const keys = o.data?.features?.keys;
    if (Array.isArray(keys) && keys.length > 0) {
      const dense: unknown[] = [];
      keys.forEach((k, i) => {
        dense[Number(k)] = values[i];
      });
      return dense;
    }
    return values;
  }
  throw new InputValidationError(
    `${where}: expected {"features":[…]} or {"data":{"features":{"values":[…]}}}`,
    'body',
  );
}

function denseFromInstances(instances: readonly unknown[], numFeature: number, source: string): Float32Array {
  const x = new Float32Array(instances.length * numFeature);
  instances.forEach((instance, r) => {
    const values = instanceValues(instance, `${source} instance ${r + 1}`);
    if (values.length > numFeature) {
      throw new InputValidationError(
        `${source} instance ${r + 1} has ${values.length} features, the model has ${numFeature}`,
        'body',
      );
    }
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number') {
        throw new InputValidationError(`${source} instance ${r + 1} feature ${j}: expected a number`, 'body');
      }
      x[r * numFeature + j] = v;
    }
  });
  return x;
}

/**
 * Reads a request body into dense float32 rows of `numFeature` (missing = 0).
 *
 * @throws {InputValidationError} for an unsupported content type or a malformed JSON body;
 *   format errors of the CSV / LibSVM / RecordIO readers.
 */
export function algorithmRows(
  body: Uint8Array,
  contentType: string,
  numFeature: number,
  source = 'request body',
): { x: Float32Array; rows: number } {
  const base = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (base === 'application/json' || base === 'application/jsonlines' || base === 'application/x-jsonlines') {
    const text = new TextDecoder().decode(body);
    let instances: unknown[];
    try {
      if (base === 'application/json') {
        const doc = JSON.parse(text) as { instances?: unknown };
        if (!Array.isArray(doc?.instances)) throw new Error('expected {"instances":[…]}');
        instances = doc.instances;
      } else {
        instances = text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
      }
    } catch (error) {
      throw new InputValidationError(`${source}: ${(error as Error).message}`, 'body', { cause: error });
    }
    return { x: denseFromInstances(instances, numFeature, source), rows: instances.length };
  }
  const { x, rows } = scoringRows(body, contentType, numFeature, source);
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) x[i] = 0;
  return { x, rows };
}
