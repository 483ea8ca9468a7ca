/**
 * Response bodies byte for byte as the SageMaker XGBoost 1.7-1 container writes them (SPEC §2;
 * `algorithm_mode/serve.py`, `serve_utils.py`): every value is the float32 prediction widened to a
 * double and printed as Python would (`str()` / `json.dumps`).
 */
import type { Predictions } from './model';
import { pythonFloatRepr, pythonJsonFloat } from './python-float';

/** Python `str(p)` of one prediction row: a float, or a list `[a, b, c]` for multi:softprob. */
export function formatBatchLine(predictions: Predictions, row: number): string {
  const { values, width } = predictions;
  if (width === 1) return pythonFloatRepr(values[row] as number);
  const parts: string[] = [];
  for (let g = 0; g < width; g++) parts.push(pythonFloatRepr(values[row * width + g] as number));
  return `[${parts.join(', ')}]`;
}

/**
 * Batch transform body (`SAGEMAKER_BATCH` set): `"\n".join(str(p) for p in preds.tolist()) + "\n"`,
 * whatever the Accept header.
 *
 * @example
 * formatBatchTransform(model.predict(x)); // '0.537585437297821\n0.3418453633785248\n'
 */
export function formatBatchTransform(predictions: Predictions): string {
  const lines: string[] = [];
  for (let r = 0; r < predictions.rows; r++) lines.push(formatBatchLine(predictions, r));
  return `${lines.join('\n')}\n`;
}

/** Realtime `text/csv`: one row per line, softprob values joined by `,`. */
export function formatRealtimeCsv(predictions: Predictions): string {
  const { values, width, rows } = predictions;
  let out = '';
  for (let r = 0; r < rows; r++) {
    const parts: string[] = [];
    for (let g = 0; g < width; g++) parts.push(pythonFloatRepr(values[r * width + g] as number));
    out += `${parts.join(',')}\n`;
  }
  return out;
}

/** Realtime `application/json`: `{"predictions": [{"score": 0.5}, …]}` (softprob: `"score": [..]`). */
export function formatRealtimeJson(predictions: Predictions): string {
  const { values, width, rows } = predictions;
  const items: string[] = [];
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      items.push(`{"score": ${pythonJsonFloat(values[r] as number)}}`);
    } else {
      const parts: string[] = [];
      for (let g = 0; g < width; g++) parts.push(pythonJsonFloat(values[r * width + g] as number));
      items.push(`{"score": [${parts.join(', ')}]}`);
    }
  }
  return `{"predictions": [${items.join(', ')}]}`;
}

/** The realtime content types the container answers, and their formatter. */
export function formatRealtime(predictions: Predictions, accept: 'text/csv' | 'application/json'): string {
  return accept === 'application/json' ? formatRealtimeJson(predictions) : formatRealtimeCsv(predictions);
}
