/**
 * Batch-transform output joined with labels: with `InputFilter "$[1:]"`, `JoinSource "Input"` and
 * `OutputFilter "$[0,-1]"` on a label-first CSV, every `<input>.out` line is `label,prediction`
 * (multi:softprob: `label,[p0, p1, …]`). Pure: parses text, no I/O.
 */
import { CsvFormatError } from '../errors';

/** Labels and predictions of the rows read so far; `probabilities` holds softprob rows. */
export interface ScoredRows {
  readonly labels: number[];
  readonly predictions: number[];
  readonly probabilities: number[][];
}

/** An empty {@link ScoredRows} to parse several files into. */
export function emptyScoredRows(): ScoredRows {
  return { labels: [], predictions: [], probabilities: [] };
}

function parseNumber(text: string, source: string, line: number, field: string): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new CsvFormatError(`expected a number, got ${JSON.stringify(trimmed.slice(0, 40))}`, {
      source,
      line,
      field,
    });
  }
  return value;
}

/**
 * Parses `label,prediction` lines (blank lines skipped, CRLF tolerated) and appends them to `into`.
 *
 * @throws {CsvFormatError} naming the file, line and field of the first malformed line.
 * @example
 * ```ts
 * const rows = parseTransformOutput('1,0.93\n0,0.12\n', 's3://b/test.csv.out');
 * ```
 */
export function parseTransformOutput(
  text: string,
  source: string,
  into: ScoredRows = emptyScoredRows(),
): ScoredRows {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    if (comma < 0) {
      throw new CsvFormatError('expected "label,prediction"', {
        source,
        line: i + 1,
        column: line.length + 1,
      });
    }
    const label = parseNumber(line.slice(0, comma), source, i + 1, 'label');
    const rest = line.slice(comma + 1).trim();
    if (rest.startsWith('[')) {
      if (!rest.endsWith(']'))
        throw new CsvFormatError('unterminated probability list', {
          source,
          line: i + 1,
          field: 'prediction',
        });
      const probs = rest
        .slice(1, -1)
        .split(',')
        .map((p) => parseNumber(p, source, i + 1, 'prediction'));
      let best = 0;
      for (let k = 1; k < probs.length; k++) if ((probs[k] ?? 0) > (probs[best] ?? 0)) best = k;
      into.labels.push(label);
      into.predictions.push(best);
      into.probabilities.push(probs);
    } else {
      if (rest.includes(',')) {
        throw new CsvFormatError('expected exactly two fields "label,prediction"', {
          source,
          line: i + 1,
          column: comma + 2 + rest.indexOf(','),
        });
      }
      into.labels.push(label);
      into.predictions.push(parseNumber(rest, source, i + 1, 'prediction'));
    }
  }
  return into;
}
