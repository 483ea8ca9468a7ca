/**
 * The SageMaker XGBoost 1.7-1 container answering `POST /invocations` on a realtime endpoint
 * (SPEC §2; `algorithm_mode/serve.py`, `serve_utils.py`), in process: an empty body → 204; a body
 * that does not parse in its content type → 415; rows the model cannot take → 400; an Accept outside
 * `application/json`, `application/jsonlines`, `application/x-recordio-protobuf`, `text/csv` → 406
 * (absent or `*\/*` → `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`, else `text/csv`). Without selectable
 * output, `text/csv` is one line per row and `application/json` is `{"predictions": [{"score": …}]}`;
 * JSON Lines and RecordIO then fail in the container's encoder (500). With
 * `SAGEMAKER_INFERENCE_OUTPUT`, the selected keys per objective, keys invalid for the objective as
 * NaN, in CSV (lists quoted), JSON, JSON Lines or RecordIO-protobuf (one Record per row, each key a
 * float32 tensor under `label`).
 */
import { encodeRecordIO, type RecordInput, tensor } from '../../../shared/formats';
import {
  formatRealtimeCsv,
  formatRealtimeJson,
  type Predictions,
  pythonFloatRepr,
  pythonJsonFloat,
  type XGBoostModel,
} from '../../../shared/model';
import { InvocationError, parseRequest } from '../sagemaker/container';

/** What a container answers. */
export interface ContainerResponse {
  readonly status: number;
  readonly body: Uint8Array | string;
  readonly contentType: string;
}

/** A model being served: `POST /invocations` in process. */
export interface RealtimeContainer {
  invoke(body: Uint8Array, contentType: string | undefined, accept: string | undefined): ContainerResponse;
}

/** The Accept types the container knows. */
export const SUPPORTED_ACCEPTS = [
  'application/json',
  'application/jsonlines',
  'application/x-recordio-protobuf',
  'text/csv',
] as const;

const SELECT_KEYS = [
  'predicted_label',
  'labels',
  'probability',
  'probabilities',
  'raw_score',
  'raw_scores',
  'predicted_score',
] as const;

/** `serve_utils.VALID_OBJECTIVES`: the selectable keys each objective can fill. */
export const VALID_OBJECTIVES: Readonly<Record<string, readonly string[]>> = {
  'reg:squarederror': ['predicted_score'],
  'reg:logistic': ['predicted_score'],
  'reg:gamma': ['predicted_score'],
  'reg:tweedie': ['predicted_score'],
  'binary:logistic': ['predicted_label', 'labels', 'probability', 'probabilities', 'raw_score', 'raw_scores'],
  'binary:logitraw': ['predicted_label', 'labels', 'raw_score', 'raw_scores'],
  'binary:hinge': ['predicted_label', 'labels', 'raw_score', 'raw_scores'],
  'multi:softmax': ['predicted_label', 'labels', 'raw_score', 'raw_scores'],
  'multi:softprob': ['predicted_label', 'labels', 'probability', 'probabilities', 'raw_score', 'raw_scores'],
};

/** A selectable output value: a Python int, float, list of them, or NaN. */
type Selected =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'list'; value: Selected[] };

const int = (value: number): Selected => ({ kind: 'int', value });
const float = (value: number): Selected => ({ kind: 'float', value });
const list = (values: Selected[]): Selected => ({ kind: 'list', value: values });
const NAN = float(Number.NaN);

function pythonStr(v: Selected): string {
  if (v.kind === 'int') return String(v.value);
  if (v.kind === 'float') return pythonFloatRepr(v.value);
  return `[${v.value.map(pythonStr).join(', ')}]`;
}

function pythonJson(v: Selected): string {
  if (v.kind === 'int') return String(v.value);
  if (v.kind === 'float') return pythonJsonFloat(v.value);
  return `[${v.value.map(pythonJson).join(', ')}]`;
}

function flat(v: Selected): number[] {
  return v.kind === 'list' ? v.value.flatMap(flat) : [v.value];
}

/** One row's selected values in `get_selected_predictions`' key order (invalid keys last, as NaN). */
export function selectRow(
  row: readonly number[],
  keys: readonly string[],
  objective: string,
  numClass: number,
): Array<[string, Selected]> {
  const valid = VALID_OBJECTIVES[objective];
  if (valid === undefined) {
    throw new Error(`Objective \`${objective}\` unsupported for selectable inference predictions.`);
  }
  const softprob = objective === 'multi:softprob';
  const p = row[0] as number;
  const max = softprob ? Math.max(...row) : p;
  const out: Array<[string, Selected]> = [];
  const chosen = new Set(keys.filter((k) => valid.includes(k)));
  for (const key of SELECT_KEYS) {
    if (!chosen.has(key)) continue;
    let value: Selected;
    switch (key) {
      case 'predicted_label':
        value =
          objective === 'binary:logistic'
            ? int(p > 0.5 ? 1 : 0)
            : objective === 'binary:logitraw'
              ? int(p > 0 ? 1 : 0)
              : softprob
                ? int(row.indexOf(max))
                : float(p);
        break;
      case 'labels':
        value = objective.startsWith('binary:')
          ? list([int(0), int(1)])
          : numClass > 0
            ? list(Array.from({ length: numClass }, (_, k) => int(k)))
            : NAN;
        break;
      case 'probability':
      case 'raw_score':
        value = float(max);
        break;
      default:
        // probabilities, raw_scores: the class vector, or [1 - p, p]
        value = softprob ? list(row.map(float)) : list([float(1 - p), float(p)]);
    }
    out.push([key, value]);
  }
  for (const key of keys) if (!chosen.has(key) && !out.some(([k]) => k === key)) out.push([key, NAN]);
  return out;
}

function rowsOf(predictions: Predictions): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < predictions.rows; r++) {
    rows.push(Array.from(predictions.values.subarray(r * predictions.width, (r + 1) * predictions.width)));
  }
  return rows;
}

/** Encodes selected predictions in the Accept type (`encode_selected_predictions`). */
export function encodeSelected(
  rows: ReadonlyArray<Array<[string, Selected]>>,
  keys: readonly string[],
  accept: string,
): Uint8Array | string {
  const object = (row: Array<[string, Selected]>) =>
    `{${row.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  if (accept === 'application/json') return `{"predictions": [${rows.map(object).join(', ')}]}`;
  if (accept === 'application/jsonlines') return rows.map(object).join('\n');
  if (accept === 'application/x-recordio-protobuf') {
    const records: RecordInput[] = rows.map((row) => ({
      features: {},
      label: Object.fromEntries(row.map(([k, v]) => [k, tensor('float32', flat(v))])),
    }));
    return encodeRecordIO(records);
  }
  return rows
    .map((row) => {
      const byKey = new Map(row);
      return keys
        .map((k) => {
          const v = byKey.get(k) ?? NAN;
          return v.kind === 'list' ? `"${pythonStr(v)}"` : pythonStr(v);
        })
        .join(',');
    })
    .join('\n');
}

/** The Accept the container answers in, or a 406. */
export function parseAccept(
  accept: string | undefined,
  environment: Readonly<Record<string, string>>,
): string {
  const base = (accept ?? '').split(';')[0]?.trim() ?? '';
  if (base === '' || base === '*/*') return environment.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT ?? 'text/csv';
  if (!(SUPPORTED_ACCEPTS as readonly string[]).includes(base.toLowerCase())) {
    throw new InvocationError(
      `Accept type ${base} is not supported. Please use supported accept types: ['${SUPPORTED_ACCEPTS.join("', '")}'].`,
      406,
    );
  }
  return base.toLowerCase();
}

/**
 * Serves an XGBoost model as the 1.7-1 container does on a realtime endpoint. `environment` is the
 * model's container environment (`SAGEMAKER_INFERENCE_OUTPUT`, `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`).
 */
export function xgboostRealtimeContainer(
  model: XGBoostModel,
  environment: Readonly<Record<string, string>> = {},
): RealtimeContainer {
  const selectable = environment.SAGEMAKER_INFERENCE_OUTPUT;
  return {
    invoke(body, contentType, accept) {
      const text = (status: number, message: string): ContainerResponse => ({
        status,
        body: message,
        contentType: 'text/html; charset=utf-8',
      });
      if (body.length === 0) return text(204, '');
      let parsed: { x: Float32Array; rows: number };
      try {
        parsed = parseRequest(body, contentType ?? 'text/csv', model.numFeature);
      } catch (error) {
        const e = error as InvocationError;
        return e.statusCode === 415
          ? text(415, e.message)
          : text(400, `Unable to evaluate payload provided: ${e.message}`);
      }
      const predictions = model.predict(parsed.x, parsed.rows);
      let chosen: string;
      try {
        chosen = parseAccept(accept, environment);
      } catch (error) {
        return text(406, (error as Error).message);
      }
      if (selectable !== undefined) {
        try {
          const keys = selectable.replaceAll(' ', '').toLowerCase().split(',');
          const numClass = model.objective.multiClass ? model.numGroups : 0;
          const rows = rowsOf(predictions).map((row) => selectRow(row, keys, model.objective.name, numClass));
          return { status: 200, body: encodeSelected(rows, keys, chosen), contentType: chosen };
        } catch (error) {
          return text(500, (error as Error).message);
        }
      }
      if (chosen === 'text/csv')
        return { status: 200, body: formatRealtimeCsv(predictions), contentType: chosen };
      if (chosen === 'application/json') {
        return { status: 200, body: formatRealtimeJson(predictions), contentType: chosen };
      }
      return text(500, `Content type ${chosen} is not supported by this framework.`);
    },
  };
}
