/**
 * The built-in algorithms' inference responses (SPEC §2), one function per Accept:
 * - `text/csv`: the fields of a row joined by `,`, one row per line (KMeans:
 *   `closest_cluster,distance_to_cluster`);
 * - `application/json`: `{"<top>":[{"<field>":v,…},…]}`, compact, top key `predictions`
 *   (`projections` for PCA);
 * - `application/jsonlines`: one `{"<field>": v, …}` per line, Python `json.dumps` spacing;
 * - `application/x-recordio-protobuf`: one Record per row, `features` empty, `label[field]` a
 *   Float32Tensor.
 * Floats are Python's `repr` of the float32 widened to double (`1.0`, `0.537585437297821`);
 * integer fields (`predicted_label`) print as integers in JSON.
 */
import { InputValidationError } from '../errors';
import { encodeRecordIO, type RecordInput, tensor } from '../formats';
import { pythonJsonFloat } from '../model/python-float';
import type { ScoredRows } from './types';

/** Accept values the built-ins understand, normalised. */
export type ResponseType =
  | 'text/csv'
  | 'application/json'
  | 'application/jsonlines'
  | 'application/x-recordio-protobuf';

/**
 * Normalises an Accept header (`application/jsonlines;verbose=true` → `application/jsonlines`,
 * `application/x-ndjson` → jsonlines) and checks the algorithm answers it.
 *
 * @throws {InputValidationError} when the algorithm does not answer that type (the container: 406).
 */
export function responseType(accept: string | undefined, allowed: readonly string[]): ResponseType {
  const base = (accept ?? '').split(';')[0]!.trim().toLowerCase();
  const normal =
    base === '' || base === '*/*'
      ? allowed[0]
      : base === 'application/x-jsonlines' || base === 'application/x-ndjson' || base === 'application/jsonl'
        ? 'application/jsonlines'
        : base;
  if (normal === undefined || !allowed.includes(normal)) {
    throw new InputValidationError(
      `Accept '${accept}' is not answered by this algorithm; expected one of ${allowed.join(', ')}`,
      'accept',
    );
  }
  return normal as ResponseType;
}

function fieldValue(scored: ScoredRows, f: number, r: number, json: string): string {
  const field = scored.fields[f]!;
  const render = (v: number): string =>
    field.integer === true && Number.isInteger(v) ? String(v) : pythonJsonFloat(v);
  if (field.width === 1) return render(field.values[r]!);
  const parts: string[] = [];
  for (let j = 0; j < field.width; j++) parts.push(render(field.values[r * field.width + j]!));
  return `[${parts.join(json)}]`;
}

/** `text/csv`: every field of a row (vectors flattened) joined by commas, `\n` after each row. */
export function formatCsvResponse(scored: ScoredRows): string {
  let out = '';
  for (let r = 0; r < scored.rows; r++) {
    const cells: string[] = [];
    for (const field of scored.fields) {
      for (let j = 0; j < field.width; j++) {
        const v = field.values[r * field.width + j]!;
        cells.push(pythonJsonFloat(v));
      }
    }
    out += `${cells.join(',')}\n`;
  }
  return out;
}

/** `application/json`: `{"predictions":[{…},…]}` without spaces (SPEC §2). */
export function formatJsonResponse(scored: ScoredRows, topKey = 'predictions'): string {
  const rows: string[] = [];
  for (let r = 0; r < scored.rows; r++) {
    rows.push(`{${scored.fields.map((f, i) => `"${f.name}":${fieldValue(scored, i, r, ',')}`).join(',')}}`);
  }
  return `{"${topKey}":[${rows.join(',')}]}`;
}

/** `application/jsonlines`: `{"a": 1.0, "b": [1.0, 2.0]}\n` per row (Python `json.dumps` spacing). */
export function formatJsonLinesResponse(scored: ScoredRows): string {
  let out = '';
  for (let r = 0; r < scored.rows; r++) {
    out += `{${scored.fields.map((f, i) => `"${f.name}": ${fieldValue(scored, i, r, ', ')}`).join(', ')}}\n`;
  }
  return out;
}

/** `application/x-recordio-protobuf`: one Record per row, each field a float32 label tensor. */
export function formatRecordIOResponse(scored: ScoredRows): Uint8Array {
  const records: RecordInput[] = [];
  for (let r = 0; r < scored.rows; r++) {
    const label: Record<string, ReturnType<typeof tensor>> = {};
    for (const field of scored.fields) {
      label[field.name] = tensor('float32', field.values.subarray(r * field.width, (r + 1) * field.width));
    }
    records.push({ features: {}, label });
  }
  return encodeRecordIO(records);
}

/**
 * The response body for an Accept the algorithm answers.
 *
 * @example
 * formatResponse(scored, 'text/csv', ['text/csv', 'application/json']); // '1.0,3.0\n'
 */
export function formatResponse(
  scored: ScoredRows,
  accept: string | undefined,
  allowed: readonly string[],
  jsonTopKey = 'predictions',
): string | Uint8Array {
  switch (responseType(accept, allowed)) {
    case 'text/csv':
      return formatCsvResponse(scored);
    case 'application/json':
      return formatJsonResponse(scored, jsonTopKey);
    case 'application/jsonlines':
      return formatJsonLinesResponse(scored);
    default:
      return formatRecordIOResponse(scored);
  }
}
