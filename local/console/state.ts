/**
 * What the console reads from the state directory (`.sparkmaker/`): execution records with their
 * histories, the state machines' ASL (from serverless.yml, as the runtime loads it), Map Runs from
 * their ResultWriter files, a training run's metrics / curves / model / gate / package, and the data
 * written (`dt=` partitions, manifests, `_SUCCESS`, quarantine). Read-only except
 * {@link ConsoleState.updatePackage}, which goes through the local SageMaker API. Works whether or not
 * `sparkmaker dev` is running: everything is plain files.
 */
import { type FSWatcher, watch } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { BinaryCurves } from '../../shared/evaluation/curves';
import { loadModel } from '../../shared/model';
import {
  type AslBlock,
  analyzeHistory,
  type DataPageView,
  type ExecutionLike,
  eventDetails,
  type FailedItem,
  featureImportance,
  type GateDecision,
  type MapRunBatch,
  type MapRunCounts,
  type MapRunRef,
  type MapRunView,
  type ModelView,
  type PackageView,
  type PartitionView,
  type QuarantineView,
  type ResultFile,
} from '../../shared/report';
import { loadProjectConfig, substitutePlaceholders } from '../runtime/config';
import { FileObjectStore } from '../services/s3/file-store';
import { createSageMakerService } from '../services/sagemaker';
import type { ModelPackage } from '../services/sagemaker/registry';

/** An execution without its events (the list). */
export type ExecutionSummary = Omit<ExecutionLike, 'events'>;

interface Cached<T> {
  readonly mtimeMs: number;
  readonly size: number;
  readonly value: T;
}

const FAILED_ITEMS_SHOWN = 100;

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function emptyCounts(): { -readonly [K in keyof MapRunCounts]: number } {
  return { total: 0, succeeded: 0, failed: 0, pending: 0, running: 0, aborted: 0, timedOut: 0 };
}

/** Reads the state directory for the console. */
export class ConsoleState {
  private readonly summaries = new Map<string, Cached<ExecutionSummary | undefined>>();
  private definitions: Map<string, AslBlock> | undefined;
  private listed: { at: number; value: ExecutionSummary[] } | undefined;
  private dirty = true;
  private readonly watchers: FSWatcher[] = [];
  private readonly watched = new Set<string>();
  /** Finished Map Runs: their result files no longer change. */
  private readonly mapRunViews = new Map<string, MapRunView>();
  private readonly s3Root: string;

  constructor(
    readonly stateDir: string,
    readonly projectRoot: string | undefined,
  ) {
    this.s3Root = join(stateDir, 's3');
  }

  /** Every execution (without events), newest first. Files unchanged since the last call are not re-read. */
  async listExecutions(): Promise<ExecutionSummary[]> {
    // Re-scanned when a watcher saw a record written (or, without watchers, every half second),
    // and at least every 5 s in case a watcher missed something.
    const age = this.listed === undefined ? Number.POSITIVE_INFINITY : Date.now() - this.listed.at;
    const fresh = this.watchers.length > 0 ? !this.dirty && age < 5000 : age < 500;
    if (fresh && this.listed !== undefined) return this.listed.value;
    this.dirty = false;
    const value = await this.scanExecutions();
    this.listed = { at: Date.now(), value };
    return value;
  }

  /** Watches `executions/` so the list is re-read only when a record changes. Call {@link close} after. */
  watch(): void {
    const root = join(this.stateDir, 'executions');
    const add = (dir: string): void => {
      try {
        const watcher = watch(dir, () => {
          this.dirty = true;
        });
        watcher.on('error', () => {
          this.dirty = true;
        });
        this.watchers.push(watcher);
      } catch {
        // No such directory yet, or no inotify: the 5 s re-scan covers it.
      }
    };
    add(root);
    void readdir(root)
      .then((machines) => {
        for (const m of machines) {
          if (this.watched.has(m)) continue;
          this.watched.add(m);
          add(join(root, m));
        }
      })
      .catch(() => undefined);
    // A state machine's folder created later: watch it when the root reports it.
    this.watchers[0]?.on('change', (_type, name) => {
      if (typeof name === 'string' && !this.watched.has(name)) {
        this.watched.add(name);
        add(join(root, name));
      }
    });
  }

  /** Stops the watchers. */
  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }

  private async scanExecutions(): Promise<ExecutionSummary[]> {
    const root = join(this.stateDir, 'executions');
    const machines = await readdir(root).catch(() => [] as string[]);
    const seen = new Set<string>();
    const out: ExecutionSummary[] = [];
    for (const machine of machines) {
      const files = await readdir(join(root, machine)).catch(() => [] as string[]);
      await Promise.all(
        files
          .filter((f) => f.endsWith('.json'))
          .map(async (file) => {
            const path = join(root, machine, file);
            seen.add(path);
            const info = await stat(path).catch(() => undefined);
            if (info === undefined) return;
            const cached = this.summaries.get(path);
            let summary = cached?.value;
            if (cached === undefined || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
              const record = parseJson<ExecutionLike>(await readFile(path, 'utf8').catch(() => undefined));
              summary = record === undefined ? cached?.value : summarize(record);
              if (record !== undefined)
                this.summaries.set(path, { mtimeMs: info.mtimeMs, size: info.size, value: summary });
            }
            if (summary !== undefined) out.push(summary);
          }),
      );
    }
    for (const key of this.summaries.keys()) if (!seen.has(key)) this.summaries.delete(key);
    return out.sort((a, b) => b.startDate.localeCompare(a.startDate) || a.name.localeCompare(b.name));
  }

  /** One execution with its events, by state machine name and execution name. */
  async execution(stateMachineName: string, name: string): Promise<ExecutionLike | undefined> {
    if (!safeSegment(stateMachineName) || !safeSegment(name)) return undefined;
    const path = join(this.stateDir, 'executions', stateMachineName, `${name}.json`);
    return parseJson<ExecutionLike>(await readFile(path, 'utf8').catch(() => undefined));
  }

  /** The execution that has this name (any state machine). */
  async executionByName(name: string): Promise<ExecutionLike | undefined> {
    const machines = await readdir(join(this.stateDir, 'executions')).catch(() => [] as string[]);
    for (const m of machines) {
      const found = await this.execution(m, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The ASL definition of a state machine, from serverless.yml with its placeholders substituted. */
  async definition(stateMachineName: string): Promise<AslBlock | undefined> {
    if (this.definitions === undefined) {
      this.definitions = new Map();
      if (this.projectRoot !== undefined) {
        try {
          const config = loadProjectConfig(this.projectRoot);
          for (const machine of config.stateMachines) {
            const text = await readFile(join(this.projectRoot, machine.definitionFile), 'utf8');
            this.definitions.set(
              machine.name,
              JSON.parse(substitutePlaceholders(text, config.substitutions)) as AslBlock,
            );
          }
        } catch {
          // No usable serverless.yml: graphs are drawn from the histories.
        }
      }
    }
    return this.definitions.get(stateMachineName);
  }

  /** The Map Runs an execution started, from its MapRun* events. */
  mapRuns(execution: ExecutionLike): MapRunRef[] {
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
          [...runs.entries()].find(([, r]) => r.stateName === owner && r.status === 'RUNNING')?.[0] ??
          current;
        const run = arn === undefined ? undefined : runs.get(arn);
        if (run !== undefined) run.status = event.type.slice('MapRun'.length).toUpperCase();
      }
    }
    return [...runs.entries()].map(([mapRunArn, r]) => ({ mapRunArn, ...r }));
  }

  /** A Map Run's view: counts, batches and failed items from its ResultWriter files. */
  async mapRun(execution: ExecutionLike, mapRunArn: string): Promise<MapRunView | undefined> {
    const ref = this.mapRuns(execution).find((m) => m.mapRunArn === mapRunArn);
    if (ref === undefined) return undefined;
    const cached = this.mapRunViews.get(mapRunArn);
    if (cached !== undefined && cached.status === ref.status) return cached;
    const view = await this.readMapRun(execution, ref);
    if (ref.status !== 'RUNNING') {
      if (this.mapRunViews.size >= 16) this.mapRunViews.delete(this.mapRunViews.keys().next().value!);
      this.mapRunViews.set(mapRunArn, view);
    }
    return view;
  }

  private async readMapRun(execution: ExecutionLike, ref: MapRunRef): Promise<MapRunView> {
    const mapRunArn = ref.mapRunArn;
    const analysis = analyzeHistory(execution.events, execution.status);
    const stateRun = analysis.states.get(ref.stateName)?.runs.at(-1);
    const manifestLocation = (await this.resultManifest(execution, ref)) ?? undefined;
    const itemCounts = emptyCounts();
    const executionCounts = emptyCounts();
    const batches: MapRunBatch[] = [];
    const failedItems: FailedItem[] = [];
    let failedItemsOmitted = 0;
    const resultFiles: ResultFile[] = [];
    let manifest: ResultFile | undefined;
    if (manifestLocation !== undefined) {
      const text = await this.readObject(manifestLocation.bucket, manifestLocation.key);
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
          const entries = parseJson<Record<string, unknown>[]>(await this.readObject(bucket, file.Key)) ?? [];
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
  private async resultManifest(
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
    for (const bucket of await readdir(this.s3Root).catch(() => [] as string[])) {
      const found = await findDirectory(join(this.s3Root, bucket), id, 5);
      if (found !== undefined) {
        const key = relative(join(this.s3Root, bucket), join(found, 'manifest.json')).split(sep).join('/');
        return { bucket, key };
      }
    }
    return undefined;
  }

  /** The training run `runId` as a model: metrics, curves, gate, package, importance. */
  async model(runId: string): Promise<ModelView | undefined> {
    const execution = await this.executionByName(runId);
    const analysis = execution === undefined ? undefined : analyzeHistory(execution.events, execution.status);
    const evaluation = obj(parseJson(analysis?.states.get('Evaluate')?.output));
    let metricsUri = typeof evaluation?.metricsUri === 'string' ? evaluation.metricsUri : undefined;
    metricsUri ??= (await this.exists('sparkmaker-artifacts', `runs/${runId}/metrics.json`))
      ? `s3://sparkmaker-artifacts/runs/${runId}/metrics.json`
      : undefined;
    const packages = await this.packages();
    const pkg = packages.find((p) => p.CustomerMetadataProperties?.runId === runId);
    if (metricsUri === undefined && pkg === undefined) return undefined;
    const metricsDoc = metricsUri === undefined ? undefined : obj(parseJson(await this.readUri(metricsUri)));
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(obj(metricsDoc?.metrics) ?? {}))
      if (typeof v === 'number') metrics[k] = v;
    if (metricsDoc === undefined && pkg !== undefined) {
      for (const [k, v] of Object.entries(pkg.CustomerMetadataProperties ?? {})) {
        if (k.startsWith('metric:') && Number.isFinite(Number(v))) metrics[k.slice(7)] = Number(v);
      }
    }
    const curvesUri = metricsUri?.replace(/[^/]*$/, 'curves.json');
    const curves =
      curvesUri === undefined ? undefined : parseJson<BinaryCurves>(await this.readUri(curvesUri));
    const nested = obj(metricsDoc?.metrics) ?? {};
    const numberList = (...keys: string[]): number[] | undefined => {
      for (const key of keys) {
        const v = metricsDoc?.[key] ?? nested[key];
        if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
      }
      return undefined;
    };
    // KMeans: `clusterSizes` as {cluster id: rows} (or a list); PCA: `explainedVariance` per component.
    const sizesValue = metricsDoc?.clusterSizes ?? nested.clusterSizes;
    const clusterSizes = Array.isArray(sizesValue)
      ? sizesValue
          .filter((v) => typeof v === 'number')
          .map((size, i) => ({ cluster: String(i), size: size as number }))
      : Object.entries(obj(sizesValue) ?? {})
          .filter(([, v]) => typeof v === 'number')
          .map(([cluster, size]) => ({ cluster, size: size as number }))
          .sort((a, b) => Number(a.cluster) - Number(b.cluster) || a.cluster.localeCompare(b.cluster));
    const explainedVariance = numberList('explainedVariance', 'explained_variance');
    const ratio = metricsDoc?.explainedVarianceRatio ?? nested.explainedVarianceRatio;
    const config =
      obj(parseJson(analysis?.states.get('ValidateInput')?.output)) ?? obj(parseJson(execution?.input));
    const gateConfig = obj(config?.gate);
    let gate: GateDecision | undefined;
    if (
      gateConfig !== undefined &&
      typeof gateConfig.metric === 'string' &&
      typeof gateConfig.threshold === 'number'
    ) {
      const registered = analysis?.states.has('RegisterModel') === true;
      const rejected = analysis?.states.has('GateRejected') === true;
      if (registered || rejected) {
        const value = metrics[gateConfig.metric];
        gate = {
          metric: gateConfig.metric,
          threshold: gateConfig.threshold,
          ...(value === undefined ? {} : { value }),
          passed: registered,
          outcome: registered
            ? `model registered${pkg === undefined ? '' : ` (${pkg.ModelApprovalStatus} at registration)`}`
            : 'QualityGateError: the run failed and no package was registered',
        };
      }
    }
    const modelDataUrl = findModelDataUrl(execution) ?? packageModelUrl(pkg);
    let importance: ModelView['importance'];
    if (modelDataUrl !== undefined) {
      const bytes = await this.readUriBytes(modelDataUrl);
      if (bytes !== undefined) {
        try {
          const model = loadModel(bytes);
          const columnsUri = pkg?.CustomerMetadataProperties?.featureColumnsUri;
          const columns =
            columnsUri === undefined ? [] : (parseJson<string[]>(await this.readUri(columnsUri)) ?? []);
          importance = featureImportance(model.spec, columns);
        } catch {
          // Not an XGBoost tree model (KMeans, PCA, …): no importance.
        }
      }
    }
    return {
      runId,
      ...(typeof metricsDoc?.objective === 'string' ? { objective: metricsDoc.objective } : {}),
      metrics,
      ...(metricsUri === undefined ? {} : { metricsUri }),
      ...(curves?.kind === 'binary' ? { curves } : {}),
      ...(importance === undefined ? {} : { importance }),
      ...(clusterSizes.length === 0 ? {} : { clusterSizes }),
      ...(explainedVariance === undefined ? {} : { explainedVariance }),
      ...(typeof ratio === 'number' ? { explainedVarianceRatio: ratio } : {}),
      ...(gate === undefined ? {} : { gate }),
      ...(pkg === undefined ? {} : { package: packageView(pkg) }),
      ...(modelDataUrl === undefined ? {} : { modelDataUrl }),
    };
  }

  /** Whether run `runId` has a model to show (metrics written or a package registered), cheaply. */
  async hasModel(runId: string): Promise<boolean> {
    if (!safeSegment(runId)) return false;
    if (await this.exists('sparkmaker-artifacts', `runs/${runId}/metrics.json`)) return true;
    return (await this.packages()).some((p) => p.CustomerMetadataProperties?.runId === runId);
  }

  /** Every model package of the local Model Registry, newest first. */
  async packages(): Promise<ModelPackage[]> {
    const dir = join(this.stateDir, 'sagemaker', 'model-packages');
    const files = await readdir(dir).catch(() => [] as string[]);
    const out: ModelPackage[] = [];
    for (const f of files.filter((f) => f.endsWith('.json'))) {
      const p = parseJson<ModelPackage>(await readFile(join(dir, f), 'utf8').catch(() => undefined));
      if (p !== undefined) out.push(p);
    }
    return out.sort((a, b) => b.CreationTime.localeCompare(a.CreationTime));
  }

  /** Training runs that wrote metrics (run ids), newest first. */
  async modelRuns(): Promise<string[]> {
    const runs = await readdir(join(this.s3Root, 'sparkmaker-artifacts', 'runs')).catch(() => [] as string[]);
    const withMetrics: string[] = [];
    for (const run of runs)
      if (await this.exists('sparkmaker-artifacts', `runs/${run}/metrics.json`)) withMetrics.push(run);
    for (const p of await this.packages()) {
      const runId = p.CustomerMetadataProperties?.runId;
      if (runId !== undefined && !withMetrics.includes(runId)) withMetrics.push(runId);
    }
    return withMetrics.sort().reverse();
  }

  /**
   * Approves or rejects a package with UpdateModelPackage on the local SageMaker API (the same
   * operation `sparkmaker dev` serves, over the same state directory).
   */
  async updatePackage(
    arn: string,
    status: 'Approved' | 'Rejected',
    description?: string,
  ): Promise<PackageView> {
    const sagemaker = createSageMakerService({
      store: new FileObjectStore(this.stateDir),
      stateDir: this.stateDir,
    });
    await sagemaker.api('UpdateModelPackage', {
      ModelPackageArn: arn,
      ModelApprovalStatus: status,
      ApprovalDescription: description ?? `${status} in the sparkmaker console`,
    });
    const described = (await sagemaker.api('DescribeModelPackage', {
      ModelPackageName: arn,
    })) as unknown as ModelPackage;
    const pkg = (await this.packages()).find((p) => p.ModelPackageArn === arn);
    return packageView(pkg ?? described);
  }

  /** The data page: `dt=` partitions of the data bucket and the quarantine objects. */
  async data(): Promise<DataPageView> {
    const partitions: PartitionView[] = [];
    const quarantine: QuarantineView[] = [];
    const buckets = await readdir(this.s3Root).catch(() => [] as string[]);
    for (const bucket of buckets) {
      const root = join(this.s3Root, bucket);
      const dirs = await collectPartitionDirs(root, 6);
      for (const dir of dirs) {
        const files = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
        const key = relative(root, dir).split(sep).join('/');
        const dt = /dt=([^/]+)$/.exec(key)?.[1] ?? '';
        let bytes = 0;
        let rows = 0;
        let counted = true;
        const dataFiles = files.filter((f) => !f.name.startsWith('_') && !f.name.startsWith('.'));
        for (const f of dataFiles) {
          const info = await stat(join(dir, f.name));
          bytes += info.size;
          if (/\.(csv|out|jsonl|libsvm)$/.test(f.name) && info.size <= 64 * 1024 * 1024) {
            rows += await countRows(join(dir, f.name), f.name.endsWith('.csv'));
          } else counted = false;
        }
        const manifestText = await readFile(join(dir, '_manifest.json'), 'utf8').catch(() => undefined);
        const manifestRows = obj(parseJson(manifestText))?.rows;
        partitions.push({
          uri: `s3://${bucket}/${key}/`,
          dt,
          files: dataFiles.length,
          bytes,
          ...(typeof manifestRows === 'number' ? { rows: manifestRows } : counted ? { rows } : {}),
          ...(manifestText === undefined ? {} : { manifest: manifestText }),
          success: files.some((f) => f.name === '_SUCCESS'),
        });
      }
      const qroot = join(root, 'quarantine');
      for (const file of await listFiles(qroot, 8)) {
        const text = await readFile(file, 'utf8').catch(() => '');
        const lines = text.split('\n').filter((l) => l.trim() !== '');
        quarantine.push({
          uri: `s3://${bucket}/${relative(root, file).split(sep).join('/')}`,
          total: lines.length,
          entries: lines.slice(0, 100).map((l) => obj(parseJson(l)) ?? { line: l }),
        });
      }
    }
    partitions.sort((a, b) => a.uri.localeCompare(b.uri));
    return { partitions, quarantine };
  }

  /** The local file of `s3://bucket/key`, or undefined when the key would leave the bucket. */
  objectPath(bucket: string, key: string): string | undefined {
    if (!safeSegment(bucket) || key.split('/').some((p) => p === '..' || p === '.' || p === ''))
      return undefined;
    const root = resolve(this.s3Root, bucket);
    const path = resolve(root, ...key.split('/'));
    return path.startsWith(root + sep) ? path : undefined;
  }

  async readObject(bucket: string, key: string): Promise<string | undefined> {
    const path = this.objectPath(bucket, key);
    return path === undefined ? undefined : readFile(path, 'utf8').catch(() => undefined);
  }

  private async exists(bucket: string, key: string): Promise<boolean> {
    const path = this.objectPath(bucket, key);
    return path !== undefined && (await stat(path).catch(() => undefined)) !== undefined;
  }

  private async readUri(uri: string): Promise<string | undefined> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return m === null ? undefined : this.readObject(m[1]!, m[2]!);
  }

  private async readUriBytes(uri: string): Promise<Uint8Array | undefined> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    const path = m === null ? undefined : this.objectPath(m[1]!, m[2]!);
    return path === undefined ? undefined : readFile(path).catch(() => undefined);
  }
}

/** The console URL path of an S3 object (the server adds the token). */
export function s3Href(bucket: string, key: string): string {
  return `/s3/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function safeSegment(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\u0000]/.test(name);
}

function summarize(record: ExecutionLike): ExecutionSummary {
  const { events: _events, ...rest } = record;
  return rest;
}

function mapStateName(mapRunArn: string): string {
  const tail = mapRunArn.slice(mapRunArn.indexOf(':mapRun:') + ':mapRun:'.length);
  return tail.slice(tail.indexOf('/') + 1, tail.lastIndexOf(':'));
}

/** The trained model's S3 URI: `modelDataUrl` in the execution's output, else in a state's output. */
function findModelDataUrl(execution: ExecutionLike | undefined): string | undefined {
  if (execution === undefined) return undefined;
  const outputs = [execution.output, ...[...execution.events].reverse().map((e) => eventDetails(e)?.output)];
  for (const text of outputs) {
    if (typeof text !== 'string' || !text.includes('modelDataUrl')) continue;
    const url = obj(parseJson(text))?.modelDataUrl;
    if (typeof url === 'string') return url;
  }
  return undefined;
}

function packageModelUrl(pkg: ModelPackage | undefined): string | undefined {
  const spec = obj(pkg?.InferenceSpecification);
  const containers = Array.isArray(spec?.Containers) ? (spec.Containers as unknown[]) : [];
  const url = obj(containers[0])?.ModelDataUrl;
  return typeof url === 'string' ? url : undefined;
}

function packageView(pkg: ModelPackage): PackageView {
  const modelDataUrl = packageModelUrl(pkg);
  return {
    arn: pkg.ModelPackageArn,
    group: pkg.ModelPackageGroupName,
    version: pkg.ModelPackageVersion,
    approvalStatus: pkg.ModelApprovalStatus,
    ...(pkg.ModelPackageDescription === undefined ? {} : { description: pkg.ModelPackageDescription }),
    ...(modelDataUrl === undefined ? {} : { modelDataUrl }),
    creationTime: pkg.CreationTime,
    lastModifiedTime: pkg.LastModifiedTime,
  };
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

async function collectPartitionDirs(root: string, depth: number): Promise<string[]> {
  if (depth < 0) return [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'quarantine') continue;
    const path = join(root, e.name);
    if (e.name.startsWith('dt=')) out.push(path);
    else out.push(...(await collectPartitionDirs(path, depth - 1)));
  }
  return out;
}

async function listFiles(root: string, depth: number): Promise<string[]> {
  if (depth < 0) return [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(root, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path, depth - 1)));
    else if (e.isFile()) out.push(path);
  }
  return out.sort();
}

/** Lines of a text file (less a CSV header), counted in chunks. */
async function countRows(path: string, csv: boolean): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    let lines = 0;
    let last = 10;
    let first = -1;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      if (first < 0) first = buffer[0]!;
      for (let i = 0; i < bytesRead; i++) if (buffer[i] === 10) lines++;
      last = buffer[bytesRead - 1]!;
    }
    if (last !== 10) lines++;
    if (first < 0) return 0;
    // A header line starts with a letter (`id,score`); data rows of these files start with a digit, sign or quote.
    if (csv && ((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) {
      const head = Buffer.alloc(256);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const line = head.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
      if (/^[A-Za-z_][\w ]*(,[A-Za-z_][\w ]*)*\r?$/.test(line)) lines--;
    }
    return lines;
  } finally {
    await handle.close();
  }
}
