/**
 * CreateModel and batch transform (CreateTransformJob / DescribeTransformJob, SPEC §6) against the
 * in-process XGBoost container: each input object under the S3 prefix (or listed in a manifest) is
 * split (`SplitType` None / Line / RecordIO), batched (`BatchStrategy` SingleRecord / MultiRecord
 * up to `MaxPayloadInMB`), filtered (`InputFilter`), sent to the container, joined with its input
 * (`JoinSource` Input), filtered again (`OutputFilter`) and assembled (`AssembleWith`) into
 * `<output>/<input name>.out`, written only when that whole object succeeded.
 */
import {
  type AlgorithmModel,
  algorithmRows,
  loadAlgorithmModel,
  XGBoostAlgorithmModel,
} from '../../../shared/algorithms';
import { RecordIOFrameReader, utf8Text } from '../../../shared/formats';
import { requireName, requireString, SageMakerApiError } from './api-error';
import { downloadChannel, parseS3Uri } from './channels';
import { InvocationError, invokeBatch, MAX_CONTENT_LENGTH } from './container';
import type { SageMakerContext } from './context';
import { startServingContainer } from './custom/container';
import { compileCsvFilter } from './jsonpath-filter';

/** The stored model (CreateModel request plus ARN and creation time). */
export interface ModelDescription {
  ModelName: string;
  ModelArn: string;
  PrimaryContainer: { Image?: string; ModelDataUrl?: string; Environment?: Record<string, string> };
  ExecutionRoleArn?: string;
  CreationTime: string;
}

/** The CreateTransformJob request fields the local service reads. */
export interface CreateTransformJobRequest {
  readonly TransformJobName?: string;
  readonly ModelName?: string;
  readonly MaxConcurrentTransforms?: number;
  readonly MaxPayloadInMB?: number;
  readonly BatchStrategy?: 'MultiRecord' | 'SingleRecord';
  readonly Environment?: Record<string, string>;
  readonly TransformInput?: {
    readonly DataSource?: {
      readonly S3DataSource?: { readonly S3DataType?: string; readonly S3Uri?: string };
    };
    readonly ContentType?: string;
    readonly CompressionType?: string;
    readonly SplitType?: 'None' | 'Line' | 'RecordIO' | 'TFRecord';
  };
  readonly TransformOutput?: {
    readonly S3OutputPath?: string;
    readonly Accept?: string;
    readonly AssembleWith?: 'None' | 'Line';
  };
  readonly TransformResources?: Record<string, unknown>;
  readonly DataProcessing?: {
    readonly InputFilter?: string;
    readonly OutputFilter?: string;
    readonly JoinSource?: 'None' | 'Input';
  };
  readonly [key: string]: unknown;
}

/** DescribeTransformJob as stored. */
export interface TransformJobDescription {
  TransformJobName: string;
  TransformJobArn: string;
  TransformJobStatus: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  FailureReason?: string;
  ModelName: string;
  MaxConcurrentTransforms: number;
  MaxPayloadInMB: number;
  BatchStrategy: string;
  Environment: Record<string, string>;
  TransformInput: Record<string, unknown>;
  TransformOutput: Record<string, unknown>;
  TransformResources: Record<string, unknown>;
  DataProcessing: Record<string, unknown>;
  CreationTime: string;
  TransformStartTime?: string;
  TransformEndTime?: string;
}

/** Validates CreateTransformJob as the API does; returns the normalised settings. */
export function validateTransformRequest(request: CreateTransformJobRequest): {
  name: string;
  modelName: string;
  inputUri: string;
  outputPath: string;
} {
  const name = requireName(request.TransformJobName, 'transformJobName');
  const modelName = requireName(request.ModelName, 'modelName');
  const inputUri = requireString(
    request.TransformInput?.DataSource?.S3DataSource?.S3Uri,
    'transformInput.dataSource.s3DataSource.s3Uri',
  );
  const outputPath = requireString(request.TransformOutput?.S3OutputPath, 'transformOutput.s3OutputPath');
  const payload = request.MaxPayloadInMB;
  if (payload !== undefined && !(Number.isInteger(payload) && payload >= 0 && payload <= 100)) {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value '${payload}' at 'maxPayloadInMB' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const concurrent = request.MaxConcurrentTransforms ?? 1;
  if ((payload ?? 6) * Math.max(1, concurrent) > 100) {
    throw new SageMakerApiError(
      'ValidationException',
      'MaxConcurrentTransforms * MaxPayloadInMB must not exceed 100 MB',
    );
  }
  const split = request.TransformInput?.SplitType ?? 'None';
  if (!['None', 'Line', 'RecordIO', 'TFRecord'].includes(split)) {
    throw new SageMakerApiError(
      'ValidationException',
      `SplitType must be None, Line, RecordIO or TFRecord, got '${split}'`,
    );
  }
  return { name, modelName, inputUri, outputPath };
}

/** Splits an object into records per `SplitType` (RecordIO frames keep their header and padding). */
export function splitRecords(bytes: Uint8Array, splitType: string, source: string): Uint8Array[] {
  if (splitType === 'None') return bytes.length === 0 ? [] : [bytes];
  if (splitType === 'Line') {
    const out: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        let end = i;
        if (end > start && bytes[end - 1] === 0x0d) end--;
        if (end > start) out.push(bytes.subarray(start, end));
        start = i + 1;
      }
    }
    return out;
  }
  if (splitType === 'RecordIO') {
    const reader = new RecordIOFrameReader({ source });
    const frames = [...reader.push(bytes), ...reader.end()];
    return frames.map((f) =>
      bytes.subarray(f.offset, f.offset + 8 + f.payload.length + ((4 - (f.payload.length % 4)) % 4)),
    );
  }
  throw new Error(`SplitType ${splitType} is not supported for the XGBoost container`);
}

/** Groups records into requests: one per record, or as many as fit in `maxBytes`. */
export function batchRecords(
  records: readonly Uint8Array[],
  strategy: string,
  maxBytes: number,
  separator: number,
): Uint8Array[][] {
  if (strategy === 'SingleRecord') return records.map((r) => [r]);
  const batches: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  for (const record of records) {
    const add = record.length + separator;
    if (maxBytes > 0 && add > maxBytes) {
      throw new InvocationError(
        `a record of ${record.length} bytes is larger than MaxPayloadInMB allows (${maxBytes} bytes)`,
        413,
      );
    }
    if (current.length > 0 && maxBytes > 0 && size + add > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += add;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function concat(parts: readonly Uint8Array[], separator?: number): Uint8Array {
  const extra = separator === undefined ? 0 : parts.length;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + extra);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
    if (separator !== undefined) out[offset++] = separator;
  }
  return out;
}

/** One request to the model's container: the response body for a batch. */
export type Invoker = (
  body: Uint8Array,
  contentType: string,
  accept: string | undefined,
) => Promise<string | Uint8Array>;

/**
 * The in-process container of a built-in model: XGBoost's (SPEC §3, Accept ignored) or a 1P
 * algorithm's (request in CSV / LibSVM / RecordIO / JSON, answer in the Accept's format, SPEC §2).
 */
export function builtinInvoker(model: AlgorithmModel): Invoker {
  if (model instanceof XGBoostAlgorithmModel) {
    return async (body, contentType) => invokeBatch(model.model, body, contentType);
  }
  return async (body, contentType, accept) => {
    if (body.length > MAX_CONTENT_LENGTH) {
      throw new InvocationError(
        `request body of ${body.length} bytes exceeds the container's limit of ${MAX_CONTENT_LENGTH}`,
        413,
      );
    }
    let rows: { x: Float32Array; rows: number };
    try {
      rows = algorithmRows(body, contentType, model.numFeature);
    } catch (error) {
      throw new InvocationError(
        `unable to parse the ${contentType} request: ${(error as Error).message}`,
        415,
      );
    }
    if (rows.rows === 0) return '';
    try {
      return model.formatBatch(model.score(rows.x, rows.rows), accept);
    } catch (error) {
      throw new InvocationError((error as Error).message, 406);
    }
  };
}

const textEncoder = new TextEncoder();
const bytesOf = (part: string | Uint8Array): Uint8Array =>
  typeof part === 'string' ? textEncoder.encode(part) : part;

/** Transforms one input object; returns the `.out` body. Throws on the first failed request. */
export async function transformObject(
  invoke: Invoker,
  bytes: Uint8Array,
  request: CreateTransformJobRequest,
  source: string,
): Promise<Uint8Array> {
  const input = request.TransformInput ?? {};
  const contentType = input.ContentType ?? 'text/csv';
  const splitType = input.SplitType ?? 'None';
  const strategy = request.BatchStrategy ?? 'MultiRecord';
  const maxBytes = (request.MaxPayloadInMB ?? 6) * 1024 * 1024;
  const processing = request.DataProcessing ?? {};
  const join = processing.JoinSource === 'Input';
  const isCsv = /^(text\/csv|csv)/i.test(contentType);
  const filtersUsed =
    (processing.InputFilter ?? '$') !== '$' || (processing.OutputFilter ?? '$') !== '$' || join;
  if (filtersUsed && !isCsv) {
    throw new InvocationError(
      `InputFilter, OutputFilter and JoinSource are supported offline for text/csv input only, got ${contentType}`,
    );
  }
  if (filtersUsed && splitType !== 'Line') {
    throw new InvocationError('InputFilter, OutputFilter and JoinSource need SplitType Line for CSV input');
  }
  const inputFilter = compileCsvFilter(processing.InputFilter);
  const outputFilter = compileCsvFilter(processing.OutputFilter);
  const records = splitRecords(bytes, splitType, source);
  const lineRecords = splitType === 'Line';
  const filtered = filtersUsed
    ? records.map((r) => new TextEncoder().encode(inputFilter(utf8Text(r).split(',')).join(',')))
    : records;
  const batches = batchRecords(filtered, strategy, maxBytes, lineRecords ? 1 : 0);
  const assembleLine = request.TransformOutput?.AssembleWith === 'Line';
  const accept = request.TransformOutput?.Accept;
  const parts: Uint8Array[] = [];
  let out = '';
  const flush = (): void => {
    if (out !== '') parts.push(textEncoder.encode(out));
    out = '';
  };
  let recordIndex = 0;
  for (const batch of batches) {
    const body = lineRecords ? concat(batch, 0x0a) : concat(batch);
    let answer: string | Uint8Array;
    try {
      answer = await invoke(body, contentType, accept);
    } catch (error) {
      const first = recordIndex + 1;
      throw new InvocationError(
        `${source}: records ${first}-${first + batch.length - 1}: ${(error as Error).message}`,
      );
    }
    if (typeof answer !== 'string') {
      flush();
      // Binary answers (RecordIO-protobuf) are concatenated as they are: a newline would break framing.
      parts.push(answer);
      recordIndex += batch.length;
      continue;
    }
    const response = answer;
    if (join || (assembleLine && lineRecords)) {
      const lines = response.endsWith('\n') ? response.slice(0, -1).split('\n') : response.split('\n');
      if (join && lines.length !== batch.length) {
        throw new InvocationError(
          `${source}: the container returned ${lines.length} predictions for ${batch.length} records, cannot join them with the input`,
        );
      }
      lines.forEach((line, i) => {
        const fields = join ? [...utf8Text(records[recordIndex + i]!).split(','), line] : [line];
        out += `${(join ? outputFilter(fields) : fields).join(',')}\n`;
      });
    } else {
      out += assembleLine && !response.endsWith('\n') ? `${response}\n` : response;
    }
    recordIndex += batch.length;
  }
  flush();
  return concat(parts.map(bytesOf));
}

/** Runs a transform job; fills the description in place. */
export async function runTransformJob(
  ctx: SageMakerContext,
  request: CreateTransformJobRequest,
  job: TransformJobDescription,
  model: ModelDescription,
  save: () => Promise<void>,
): Promise<void> {
  job.TransformStartTime = ctx.now().toISOString();
  await save();
  const failures: string[] = [];
  let stop: (() => Promise<void>) | undefined;
  try {
    const dataUrl = model.PrimaryContainer.ModelDataUrl;
    if (dataUrl === undefined)
      throw new Error(`model ${model.ModelName} has no PrimaryContainer.ModelDataUrl`);
    const { bucket, key } = parseS3Uri(dataUrl);
    const artifact = await ctx.store.getObject(bucket, key);
    const image = model.PrimaryContainer.Image;
    const customCommand = image === undefined ? undefined : ctx.customImages[image];
    let invoke: Invoker;
    if (customCommand !== undefined) {
      const server = await startServingContainer(ctx, customCommand, artifact, {
        name: job.TransformJobName,
        environment: { ...(model.PrimaryContainer.Environment ?? {}), ...(request.Environment ?? {}) },
        maxPayloadInMB: request.MaxPayloadInMB ?? 6,
        batchStrategy: request.BatchStrategy ?? 'MultiRecord',
      });
      stop = server.stop;
      invoke = async (body, contentType, accept) => {
        const answer = await server.invoke(body, contentType, accept);
        return /recordio|protobuf|octet|npy/i.test(accept ?? '') ? answer : new TextDecoder().decode(answer);
      };
    } else {
      try {
        invoke = builtinInvoker(loadAlgorithmModel(artifact, dataUrl));
      } catch (error) {
        throw new Error(`Failed to load the model from ${dataUrl}: ${(error as Error).message}`);
      }
    }
    const inputUri = request.TransformInput!.DataSource!.S3DataSource!.S3Uri!;
    const dataType =
      request.TransformInput?.DataSource?.S3DataSource?.S3DataType === 'ManifestFile'
        ? 'ManifestFile'
        : 'S3Prefix';
    const files = await listInputs(ctx, inputUri, dataType);
    if (files.length === 0) throw new Error(`No input objects found under ${inputUri}`);
    const input = parseS3Uri(inputUri);
    const base = input.key.includes('/') ? input.key.slice(0, input.key.lastIndexOf('/') + 1) : '';
    const output = parseS3Uri(request.TransformOutput!.S3OutputPath!);
    const outPrefix = output.key === '' || output.key.endsWith('/') ? output.key : `${output.key}/`;
    for (const file of files) {
      try {
        const body = await transformObject(invoke, file.bytes, request, `s3://${file.bucket}/${file.key}`);
        const relative = file.key.startsWith(base)
          ? file.key.slice(base.length)
          : file.key.slice(file.key.lastIndexOf('/') + 1);
        await ctx.store.putObject(output.bucket, `${outPrefix}${relative}.out`, body);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) {
      throw new Error(
        failures.length === 1 ? failures[0] : `${failures.length} objects failed; first: ${failures[0]}`,
      );
    }
    job.TransformJobStatus = 'Completed';
  } catch (error) {
    job.TransformJobStatus = 'Failed';
    job.FailureReason = `ClientError: ${(error as Error).message}`;
  } finally {
    await stop?.();
    job.TransformEndTime = ctx.now().toISOString();
    await save();
  }
}

async function listInputs(
  ctx: SageMakerContext,
  uri: string,
  dataType: 'S3Prefix' | 'ManifestFile',
): Promise<Array<{ bucket: string; key: string; bytes: Uint8Array }>> {
  if (dataType === 'ManifestFile') {
    const files = await downloadChannel(ctx.store, uri, 'ManifestFile');
    const manifest = JSON.parse(
      utf8Text(await ctx.store.getObject(parseS3Uri(uri).bucket, parseS3Uri(uri).key)),
    ) as Array<{ prefix?: string }>;
    const bucket = parseS3Uri(manifest[0]?.prefix ?? uri).bucket;
    return files.map((f) => ({ bucket, key: f.name, bytes: f.bytes }));
  }
  const { bucket, key } = parseS3Uri(uri);
  const out: Array<{ bucket: string; key: string; bytes: Uint8Array }> = [];
  let token: string | undefined;
  do {
    const page = await ctx.store.listObjects(bucket, {
      prefix: key,
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    for (const object of page.objects) {
      if (object.key.endsWith('/')) continue;
      out.push({ bucket, key: object.key, bytes: await ctx.store.getObject(bucket, object.key) });
    }
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}
