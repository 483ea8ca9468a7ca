/**
 * Distributed Map ItemReader: reads the items from S3 through the resource registry — JSON, JSONL,
 * CSV and S3 Inventory MANIFEST objects (`s3:getObject`) and object listings (`s3:listObjectsV2`).
 */
import { StatesError } from '../errors';
import { bodyText, type ResourceCall } from './resource-call';

type Json = Record<string, unknown>;

/** An evaluated ItemReader: its Resource, Arguments/Parameters and ReaderConfig. */
export interface ItemReaderSpec {
  readonly resource: string;
  readonly params: Json;
  readonly config: Json;
  /** ReaderConfig MaxItems (evaluated; undefined for no limit). */
  readonly maxItems?: number;
}

/** `States.ItemReaderFailed` with `cause`. */
export function readerFailed(cause: string): StatesError {
  return new StatesError('States.ItemReaderFailed', cause);
}

/** Reads every item the ItemReader names, up to MaxItems. */
export async function readItemsFrom(spec: ItemReaderSpec, call: ResourceCall): Promise<unknown[]> {
  const { resource, params, config, maxItems } = spec;
  let items: unknown[];
  if (/:s3:listObjectsV2$/.test(resource)) {
    items = await listObjects(resource, params, maxItems, call);
  } else if (/:s3:getObject$/.test(resource)) {
    const get = async (key: unknown) => bodyText(await call(resource, { ...params, Key: key }));
    const inputType = String(config.InputType ?? 'JSON');
    items =
      inputType === 'MANIFEST'
        ? await readManifest(params.Key, get)
        : parseObject(await get(params.Key), inputType, config);
  } else {
    throw readerFailed(`The ItemReader resource '${resource}' is not supported.`);
  }
  return maxItems !== undefined ? items.slice(0, maxItems) : items;
}

async function listObjects(
  resource: string,
  params: Json,
  maxItems: number | undefined,
  call: ResourceCall,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  for (;;) {
    const page = (await call(resource, {
      ...params,
      ...(token !== undefined ? { ContinuationToken: token } : {}),
    })) as { Contents?: Json[]; IsTruncated?: boolean; NextContinuationToken?: string } | null;
    for (const o of page?.Contents ?? []) {
      const modified = o.LastModified;
      out.push({
        Etag: o.ETag,
        Key: o.Key,
        LastModified: modified instanceof Date ? modified.toISOString() : modified,
        Size: o.Size,
        StorageClass: o.StorageClass,
      });
      if (maxItems !== undefined && out.length >= maxItems) return out;
    }
    if (page?.IsTruncated !== true || page.NextContinuationToken === undefined) return out;
    token = page.NextContinuationToken;
  }
}

/** Parses an ItemReader object body (JSON, JSONL, CSV) into items. */
export function parseObject(body: string, inputType: string, config: Json): unknown[] {
  if (inputType === 'JSON') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw readerFailed('The ItemReader object is not valid JSON.');
    }
    if (!Array.isArray(parsed)) throw readerFailed('Attempting to map over non-iterable node.');
    return parsed;
  }
  if (inputType === 'JSONL') return parseJsonLines(body);
  if (inputType === 'CSV') return parseCsvItems(body, config);
  throw readerFailed(`Unsupported InputType: ${inputType}`);
}

function parseJsonLines(body: string): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    line++;
    const text = body.slice(start, end).trim();
    start = end + 1;
    if (text === '') continue;
    try {
      out.push(JSON.parse(text));
    } catch {
      throw readerFailed(`The JSONL line ${line} is not valid JSON.`);
    }
  }
  return out;
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t', SPACE: ' ' };

function parseCsvItems(body: string, config: Json): unknown[] {
  const delimiter = DELIMITERS[String(config.CSVDelimiter ?? 'COMMA')] ?? ',';
  const rows = parseCsv(body, delimiter);
  let headers: string[];
  if (config.CSVHeaderLocation === 'GIVEN') {
    headers = (config.CSVHeaders as unknown[] | undefined)?.map(String) ?? [];
  } else {
    const first = rows.shift();
    if (first === undefined) return [];
    headers = first;
  }
  if (new Set(headers).size !== headers.length) throw readerFailed('CSV headers cannot contain duplicates.');
  return rows.map((row) => rowObject(headers, row));
}

function rowObject(headers: readonly string[], row: readonly string[]): Record<string, string> {
  const item: Record<string, string> = {};
  headers.forEach((h, i) => {
    item[h] = row[i] ?? '';
  });
  return item;
}

/** RFC 4180 CSV: quoted fields with doubled quotes; a trailing empty line is not a row. */
export function parseCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let rowHasContent = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      rowHasContent = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      rowHasContent = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      rowHasContent = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      rowHasContent = true;
      i++;
    }
  }
  if (rowHasContent || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The rows of the CSV files an S3 Inventory manifest lists, keyed by its fileSchema. */
async function readManifest(key: unknown, get: (key: unknown) => Promise<string>): Promise<unknown[]> {
  let manifest: Json;
  try {
    manifest = JSON.parse(await get(key)) as Json;
  } catch (error) {
    if (error instanceof StatesError) throw error;
    throw readerFailed('The ItemReader manifest is not valid JSON.');
  }
  const files = (manifest.files as Json[] | undefined) ?? [];
  const schema = String(manifest.fileSchema ?? 'Bucket, Key')
    .split(',')
    .map((s) => s.trim());
  const out: unknown[] = [];
  for (const file of files) {
    for (const row of parseCsv(await get(String(file.key)), ',')) out.push(rowObject(schema, row));
  }
  return out;
}
