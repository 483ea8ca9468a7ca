/**
 * Batch-transform output joined with labels: with `InputFilter "$[1:]"`, `JoinSource "Input"` and
 * `OutputFilter "$[0,-1]"` on a label-first CSV, every `<input>.out` line is `label,prediction`
 * (multi:softprob: `label,[p0, p1, …]`). Pure: parses text (whole, or pushed chunk by chunk), no I/O.
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
    // The cell stays out of the message: it may be customer data, and messages reach logs, the
    // execution's Cause and the failure event.
    throw new CsvFormatError(`expected a number in field '${field}' (the value is not shown)`, {
      source,
      line,
      field,
    });
  }
  return value;
}

function parseLine(raw: string, lineNumber: number, source: string, into: ScoredRows): void {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '') return;
  const comma = line.indexOf(',');
  if (comma < 0) {
    throw new CsvFormatError('expected "label,prediction"', {
      source,
      line: lineNumber,
      column: line.length + 1,
    });
  }
  const label = parseNumber(line.slice(0, comma), source, lineNumber, 'label');
  const rest = line.slice(comma + 1).trim();
  if (rest.startsWith('[')) {
    if (!rest.endsWith(']'))
      throw new CsvFormatError('unterminated probability list', {
        source,
        line: lineNumber,
        field: 'prediction',
      });
    const probs = rest
      .slice(1, -1)
      .split(',')
      .map((p) => parseNumber(p, source, lineNumber, 'prediction'));
    let best = 0;
    for (let k = 1; k < probs.length; k++) if ((probs[k] ?? 0) > (probs[best] ?? 0)) best = k;
    into.labels.push(label);
    into.predictions.push(best);
    into.probabilities.push(probs);
  } else {
    if (rest.includes(',')) {
      throw new CsvFormatError('expected exactly two fields "label,prediction"', {
        source,
        line: lineNumber,
        column: comma + 2 + rest.indexOf(','),
      });
    }
    into.labels.push(label);
    into.predictions.push(parseNumber(rest, source, lineNumber, 'prediction'));
  }
}

/**
 * Incremental parser of `label,prediction` lines: push text in chunks of any size (cut anywhere,
 * even inside a line) and only the unfinished last line is held between pushes, so an output object
 * is parsed as it streams instead of being read whole. Line numbers count across chunks.
 *
 * @example
 * ```ts
 * const reader = new TransformOutputReader('s3://b/test.csv.out', rows);
 * for await (const chunk of readObjectChunks(s3, location)) reader.push(decoder.decode(chunk, { stream: true }));
 * reader.push(decoder.decode());
 * reader.end();
 * ```
 */
export class TransformOutputReader {
  private carry = '';
  private line = 0;

  /** @param into rows to append to (several files can be read into one). */
  constructor(
    private readonly source: string,
    private readonly into: ScoredRows = emptyScoredRows(),
  ) {}

  /**
   * Parses every complete line of `text` (after what earlier pushes left unfinished).
   *
   * @throws {CsvFormatError} naming the file, line and field of a malformed line.
   */
  push(text: string): void {
    if (text === '') return;
    let start = 0;
    if (this.carry !== '') {
      const newline = text.indexOf('\n');
      if (newline < 0) {
        this.carry += text;
        return;
      }
      this.line++;
      parseLine(this.carry + text.slice(0, newline), this.line, this.source, this.into);
      this.carry = '';
      start = newline + 1;
    }
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      this.line++;
      parseLine(text.slice(start, end), this.line, this.source, this.into);
      start = end + 1;
    }
    this.carry = text.slice(start);
  }

  /** Characters of the unfinished last line held until the next push. */
  get pendingLength(): number {
    return this.carry.length;
  }

  /** Parses the last line (which may lack a newline) and returns the rows. */
  end(): ScoredRows {
    if (this.carry !== '') {
      this.line++;
      parseLine(this.carry, this.line, this.source, this.into);
      this.carry = '';
    }
    return this.into;
  }
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
  const reader = new TransformOutputReader(source, into);
  reader.push(text);
  return reader.end();
}
