/** Map Runs of an execution: from its MapRun* events and their ResultWriter files. */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  analyzeHistory,
  type ExecutionLike,
  eventDetails,
  type FailedItem,
  type MapRunBatch,
  type MapRunCounts,
  type MapRunRef,
  type MapRunView,
  type ResultFile,
} from '../../shared/report';
import { obj, parseJson, type StateObjects, s3Href } from './state-files';

const FAILED_ITEMS_SHOWN = 100;

function emptyCounts(): { -readonly [K in keyof MapRunCounts]: number } {
  return { total: 0, succeeded: 0, failed: 0, pending: 0, running: 0, aborted: 0, timedOut: 0 };
}

/** The Map Runs an execution started, from its MapRun* events. */
/** The Map Runs an execution started, from its MapRun* events. */
export function mapRunsOf(execution: ExecutionLike): MapRunRef[] {
  const analysis = analyzeHistory(execution.events, execution.status);
  const runs = new Map<string, { stateName: string; status: string }>();
  let current: string | undefined;
  for (const event of execution.events) {
    const details = eventDetails(event);
    if (event.type === 'MapRunStarted' && typeof details?.mapRunArn === 'string') {
      current = details.mapRunArn;
      runs.set(current, {
        stateName: analysis.stepOf.get(event.id) ?? mapStateName(current),
        status: 'RUNNING',
      });
    } else if (event.type.startsWith('MapRun') && event.type !== 'MapRunStarted') {
      const owner = analysis.stepOf.get(event.id);
      const arn =
        [...runs.entries()].find(([, r]) => r.stateName === owner && r.status === 'RUNNING')?.[0] ?? current;
      const run = arn === undefined ? undefined : runs.get(arn);
      if (run !== undefined) run.status = event.type.slice('MapRun'.length).toUpperCase();
    }
  }
  return [...runs.entries()].map(([mapRunArn, r]) => ({ mapRunArn, ...r }));
}

/** A Map Run's view: counts, batches and failed items from its ResultWriter files. */
export async function readMapRun(
  objects: StateObjects,
  execution: ExecutionLike,
  ref: MapRunRef,
): Promise<MapRunView> {
  const mapRunArn = ref.mapRunArn;
  const analysis = analyzeHistory(execution.events, execution.status);
  const stateRun = analysis.states.get(ref.stateName)?.runs.at(-1);
  const manifestLocation = (await resultManifest(objects, execution, ref)) ?? undefined;
  const itemCounts = emptyCounts();
  const executionCounts = emptyCounts();
  const batches: MapRunBatch[] = [];
  const failedItems: FailedItem[] = [];
  let failedItemsOmitted = 0;
  const resultFiles: ResultFile[] = [];
  let manifest: ResultFile | undefined;
  if (manifestLocation !== undefined) {
    const text = await objects.readObject(manifestLocation.bucket, manifestLocation.key);
    manifest = {
      status: 'MANIFEST',
      uri: `s3://${manifestLocation.bucket}/${manifestLocation.key}`,
      ...(text === undefined ? {} : { size: Buffer.byteLength(text) }),
      href: s3Href(manifestLocation.bucket, manifestLocation.key),
    };
    const doc = parseJson<{
      DestinationBucket?: string;
      ResultFiles?: Record<string, { Key: string; Size?: number }[]>;
    }>(text);
    const bucket = doc?.DestinationBucket ?? manifestLocation.bucket;
    for (const [status, files] of Object.entries(doc?.ResultFiles ?? {})) {
      for (const file of files ?? []) {
        resultFiles.push({
          status,
          uri: `s3://${bucket}/${file.Key}`,
          ...(file.Size === undefined ? {} : { size: file.Size }),
          href: s3Href(bucket, file.Key),
        });
        const entries =
          parseJson<Record<string, unknown>[]>(await objects.readObject(bucket, file.Key)) ?? [];
        for (const entry of entries) {
          const childStatus = String(entry.Status ?? status);
          const input = parseJson<Record<string, unknown>>(
            typeof entry.Input === 'string' ? entry.Input : undefined,
          );
          const items = Array.isArray(input?.Items) ? (input.Items as unknown[]) : [input ?? entry.Input];
          const counts = {
            SUCCEEDED: 'succeeded',
            FAILED: 'failed',
            PENDING: 'pending',
            RUNNING: 'running',
            ABORTED: 'aborted',
            TIMED_OUT: 'timedOut',
          } as const;
          const key = counts[childStatus as keyof typeof counts] ?? 'pending';
          itemCounts[key] += items.length;
          itemCounts.total += items.length;
          executionCounts[key]++;
          executionCounts.total++;
          const name = String(entry.Name ?? entry.ExecutionArn ?? '');
          const error = typeof entry.Error === 'string' ? entry.Error : undefined;
          const cause = typeof entry.Cause === 'string' ? entry.Cause : undefined;
          batches.push({
            name,
            status: childStatus,
            ...(typeof entry.StartDate === 'string' ? { startDate: entry.StartDate } : {}),
            ...(typeof entry.StopDate === 'string' ? { stopDate: entry.StopDate } : {}),
            items: items.length,
            ...(error === undefined ? {} : { error }),
            ...(cause === undefined ? {} : { cause }),
          });
          if (key === 'failed' || key === 'timedOut') {
            for (const item of items) {
              if (failedItems.length >= FAILED_ITEMS_SHOWN) {
                failedItemsOmitted++;
                continue;
              }
              failedItems.push({
                batch: name,
                item: JSON.stringify(item) ?? '',
                ...(error === undefined ? {} : { error }),
                ...(cause === undefined ? {} : { cause }),
              });
            }
          }
        }
      }
    }
  }
  const config = obj(parseJson(analysis.states.get('ValidateInput')?.output));
  const tolerated = config?.toleratedFailurePercentage;
  batches.sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
  return {
    mapRunArn,
    stateName: ref.stateName,
    executionName: execution.name,
    executionArn: execution.executionArn,
    status: ref.status,
    ...(stateRun === undefined ? {} : { startDate: new Date(stateRun.enteredAt).toISOString() }),
    ...(stateRun?.exitedAt === undefined ? {} : { stopDate: new Date(stateRun.exitedAt).toISOString() }),
    ...(typeof tolerated === 'number' ? { toleratedFailurePercentage: tolerated } : {}),
    itemCounts,
    executionCounts,
    batches,
    failedItems,
    failedItemsOmitted,
    ...(manifest === undefined ? {} : { manifest }),
    resultFiles,
  };
}

/** Where a Map Run's ResultWriter manifest is: from the Map state's output, else found by its id. */
async function resultManifest(
  objects: StateObjects,
  execution: ExecutionLike,
  ref: MapRunRef,
): Promise<{ bucket: string; key: string } | undefined> {
  for (const event of execution.events) {
    if (!event.type.endsWith('StateExited')) continue;
    const details = eventDetails(event);
    if (details?.name !== ref.stateName) continue;
    const found = findResultWriterDetails(parseJson(String(details.output ?? '')), ref.mapRunArn);
    if (found !== undefined) return found;
  }
  // A failed Map state has no output: the files are under <prefix>/<map run id>/manifest.json.
  const id = ref.mapRunArn.slice(ref.mapRunArn.lastIndexOf(':') + 1);
  for (const bucket of await readdir(objects.s3Root).catch(() => [] as string[])) {
    const found = await findDirectory(join(objects.s3Root, bucket), id, 5);
    if (found !== undefined) {
      const key = relative(join(objects.s3Root, bucket), join(found, 'manifest.json')).split(sep).join('/');
      return { bucket, key };
    }
  }
  return undefined;
}

function mapStateName(mapRunArn: string): string {
  const tail = mapRunArn.slice(mapRunArn.indexOf(':mapRun:') + ':mapRun:'.length);
  return tail.slice(tail.indexOf('/') + 1, tail.lastIndexOf(':'));
}

/** `ResultWriterDetails` ({Bucket, Key}) anywhere in a state's output. */
function findResultWriterDetails(
  value: unknown,
  mapRunArn: string,
  depth = 0,
): { bucket: string; key: string } | undefined {
  const o = obj(value);
  if (o === undefined || depth > 4) return undefined;
  const direct = obj(o.ResultWriterDetails) ?? obj(o.resultWriterDetails);
  if (
    direct !== undefined &&
    typeof direct.Bucket === 'string' &&
    typeof direct.Key === 'string' &&
    (o.MapRunArn === undefined || o.MapRunArn === mapRunArn)
  ) {
    return { bucket: direct.Bucket, key: direct.Key };
  }
  for (const v of Object.values(o)) {
    const found = findResultWriterDetails(v, mapRunArn, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function findDirectory(root: string, name: string, depth: number): Promise<string | undefined> {
  if (depth < 0) return undefined;
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory() && e.name === name) return join(root, e.name);
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('dt=') || e.name.startsWith('split=')) continue;
    const found = await findDirectory(join(root, e.name), name, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
