/**
 * The conversion planner of a training run: lists the feature job's output
 * (`<features>/split=<split>/dt=<dt>/part-*.parquet`), pairs every data object with its target, a flat
 * file `<trainingData><split>/part-<dt>-<n>.<ext>` (channels hold no sub-folders), and records the feature columns (every `f_*` column, in table order)
 * that training, evaluation and scoring must agree on.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ConversionError, InputValidationError, ObjectNotFoundError } from '../../shared/errors';
import type { OutputFormat } from '../../shared/formats/convert';
import { parquetColumns } from '../../shared/formats/parquet';
import { isDataKey } from '../../shared/partitions';
import {
  asPrefix,
  child,
  formatS3Uri,
  listAllObjects,
  putJson,
  putObject,
  readObject,
  type S3Location,
  s3RangedBuffer,
} from '../../shared/s3';
import { inputFormatOf } from './convert';

/** The plan-conversion payload, parsed. */
export interface PlanConversionRequest {
  readonly runId: string;
  readonly features: S3Location;
  readonly trainingData: S3Location;
  readonly contentType: string;
  readonly sparse: boolean;
  /** Where to write the plan as JSON Lines (one {@link ConversionItem} per line) for the Distributed Map. */
  readonly plan: S3Location;
}

/** One object to convert. */
export interface ConversionItem {
  readonly split: string;
  readonly source: string;
  readonly target: string;
  /** Output format of this item: the run's, except the test split (label-first CSV for batch transform). */
  readonly to: OutputFormat;
  readonly sparse: boolean;
}

/** The training channels: for each split present, the common S3 directory of its targets. */
export interface ConversionChannels {
  readonly train?: string;
  readonly validation?: string;
  readonly test?: string;
}

/**
 * The plan-conversion result (docs/contracts.md): small whatever the number of objects, the items
 * themselves are in the JSONL plan at `planUri` (`bucket`/`key` locate it for ItemReader).
 */
export interface PlanConversionResult {
  readonly planUri: string;
  readonly bucket: string;
  readonly key: string;
  /** Number of items (lines) in the plan. */
  readonly objects: number;
  readonly channels: ConversionChannels;
  readonly featureColumns: string[];
  readonly featureColumnsUri: string;
}

const FORMAT_OF: Record<string, OutputFormat> = {
  'text/csv': 'csv',
  'text/libsvm': 'libsvm',
  'application/x-recordio-protobuf': 'recordio-protobuf',
};
const EXTENSION: Record<OutputFormat, string> = { csv: 'csv', libsvm: 'libsvm', 'recordio-protobuf': 'rec' };

/** The split of a feature key (`…/split=train/…`), or undefined. */
export function splitOf(relativeKey: string): string | undefined {
  for (const segment of relativeKey.split('/')) {
    if (segment.startsWith('split=')) return segment.slice('split='.length);
  }
  return undefined;
}

function featureColumnsOfText(text: string, source: string): string[] {
  const firstLine = text.split('\n', 1)[0] ?? '';
  if (inputFormatOf(source) === 'jsonl') {
    try {
      return Object.keys(JSON.parse(firstLine) as object).filter((c) => c.startsWith('f_'));
    } catch {
      return [];
    }
  }
  return firstLine
    .replace(/\r$/, '')
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, ''))
    .filter((c) => c.startsWith('f_'));
}

/**
 * The channels of a plan: for each split with items, the directory `<trainingData><split>/` that holds
 * its files, flat (no sub-folders: the XGBoost 1.7-1 container may read only the files directly under
 * a channel prefix). Splits without items are absent.
 */
export function channelsOf(items: readonly ConversionItem[]): ConversionChannels {
  const channels: Record<string, string> = {};
  for (const split of ['train', 'validation', 'test']) {
    const first = items.find((i) => i.split === split);
    if (first === undefined) continue;
    channels[split] = first.target.replace(/[^/]*$/, '');
  }
  return channels;
}

/**
 * The flat file name (without extension) of a feature object in its channel: the partition values
 * and the part's own name joined, so `dt=2024-01-01/part-00003-<uuid>.c000.snappy.parquet` becomes
 * `part-2024-01-01-00003-<uuid>.c000.snappy`. Distinct feature objects get distinct names.
 */
export function flatPartName(relativeWithoutSplit: string): string {
  const segments = relativeWithoutSplit.split('/').filter((s) => s !== '');
  const file = segments.pop() ?? 'part';
  const values = segments.map((s) => (s.includes('=') ? s.slice(s.indexOf('=') + 1) : s));
  const stem = file.replace(/\.[^.]*$/, '').replace(/^part-/, '');
  return ['part', ...values, stem].filter((s) => s !== '').join('-');
}

/** Lists the feature columns of one feature object (Parquet footer, or the first line of text). */
export async function featureColumnsOf(s3: S3Client, location: S3Location, size: number): Promise<string[]> {
  const uri = formatS3Uri(location);
  if (inputFormatOf(location.key) === 'parquet') {
    const columns = await parquetColumns(s3RangedBuffer(s3, location, size), { source: uri });
    return columns.filter((c) => c.name.startsWith('f_')).map((c) => c.name);
  }
  const head = await readObject(s3, location, { start: 0, end: Math.min(size, 64 * 1024) - 1 });
  return featureColumnsOfText(new TextDecoder().decode(head), uri);
}

/** The splits a training run cannot do without: `train` (training channel) and `test` (evaluation). */
const REQUIRED_SPLITS = ['train', 'test'] as const;

/**
 * Plans the conversion of a run's features, writes the plan (JSONL) and the feature column list.
 *
 * @throws {ObjectNotFoundError} when the feature prefix holds no data; {@link InputValidationError}
 *   (field `input`) when the train or test split is empty; {@link ConversionError} when
 *   the objects have no `f_*` columns, or disagree on them.
 */
export async function planConversion(
  s3: S3Client,
  request: PlanConversionRequest,
): Promise<PlanConversionResult> {
  const to = FORMAT_OF[request.contentType];
  if (to === undefined) {
    throw new ConversionError(
      `unknown contentType '${request.contentType}' (expected ${Object.keys(FORMAT_OF).join(', ')})`,
    );
  }
  const prefix = asPrefix(request.features);
  const trainingData = asPrefix(request.trainingData);
  const objects = (await listAllObjects(s3, prefix)).filter(
    (o) =>
      o.size > 0 &&
      isDataKey(o.key.slice(prefix.key.length)) &&
      splitOf(o.key.slice(prefix.key.length)) !== undefined,
  );
  if (objects.length === 0) {
    throw new ObjectNotFoundError(
      `no feature objects under ${formatS3Uri(prefix)} (expected split=<split>/dt=<dt>/part-*)`,
    );
  }
  // Training needs rows in the train channel and evaluation in the test channel; without them the
  // state machine would call SageMaker with a missing channel and retry a validation error.
  const splits = new Set(objects.map((o) => splitOf(o.key.slice(prefix.key.length))));
  for (const required of REQUIRED_SPLITS) {
    if (!splits.has(required)) {
      throw new InputValidationError(
        `no rows in the ${required} split: the feature job wrote no non-empty object under ${formatS3Uri(child(prefix, `split=${required}`))}/ (splits found: ${[...splits].sort().join(', ')}); the input needs more labelled customers, spread over the splits, for a training run`,
        'input',
      );
    }
  }
  let featureColumns: string[] | undefined;
  const items: ConversionItem[] = [];
  const taken = new Set<string>();
  for (const object of objects) {
    const relative = object.key.slice(prefix.key.length);
    const split = splitOf(relative) as string;
    const location = { bucket: prefix.bucket, key: object.key };
    if (featureColumns === undefined) {
      featureColumns = await featureColumnsOf(s3, location, object.size);
      if (featureColumns.length === 0) {
        throw new ConversionError(`${formatS3Uri(location)} has no feature columns (f_*)`);
      }
    }
    const itemTo: OutputFormat = split === 'test' ? 'csv' : to;
    const rest = relative
      .split('/')
      .filter((s) => !s.startsWith('split='))
      .join('/');
    let name = flatPartName(rest);
    for (let n = 1; taken.has(`${split}/${name}`); n++) name = `${flatPartName(rest)}-${n}`;
    taken.add(`${split}/${name}`);
    items.push({
      split,
      source: formatS3Uri(location),
      target: formatS3Uri(child(trainingData, split, `${name}.${EXTENSION[itemTo]}`)),
      to: itemTo,
      sparse: itemTo === 'recordio-protobuf' && request.sparse,
    });
  }
  const columns = featureColumns ?? [];
  const featureColumnsLocation = child(trainingData, 'feature-columns.json');
  await putJson(s3, featureColumnsLocation, columns);
  const lines = items.map((item) => `${JSON.stringify(item)}\n`).join('');
  await putObject(s3, request.plan, lines, 'application/x-ndjson');
  return {
    planUri: formatS3Uri(request.plan),
    bucket: request.plan.bucket,
    key: request.plan.key,
    objects: items.length,
    channels: channelsOf(items),
    featureColumns: columns,
    featureColumnsUri: formatS3Uri(featureColumnsLocation),
  };
}
