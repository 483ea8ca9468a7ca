/**
 * What the console reads from the state directory (`.sparkmaker/`): execution records with their
 * histories, the state machines' ASL (from serverless.yml, as the runtime loads it), Map Runs from
 * their ResultWriter files, a training run's metrics / curves / model / gate / package, and the data
 * written (`dt=` partitions, manifests, `_SUCCESS`, quarantine). Read-only except
 * {@link ConsoleState.updatePackage}, which goes through the local SageMaker API. Works whether or not
 * `sparkmaker dev` is running: everything is plain files.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  AslBlock,
  DataPageView,
  ExecutionLike,
  MapRunRef,
  MapRunView,
  ModelView,
  PackageView,
} from '../../shared/report';
import { loadProjectConfig, substitutePlaceholders } from '../runtime/config';
import type { ModelPackage } from '../services/sagemaker/registry';
import { readDataPage } from './data-page';
import { mapRunsOf, readMapRun } from './map-runs';
import { listModelRuns, listPackages, readModel, updateModelPackage } from './models';
import { parseJson, StateObjects, safeSegment } from './state-files';

export { s3Href } from './state-files';

/** An execution without its events (the list). */
export type ExecutionSummary = Omit<ExecutionLike, 'events'>;

interface Cached<T> {
  readonly mtimeMs: number;
  readonly size: number;
  readonly value: T;
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
  private readonly objects: StateObjects;

  constructor(
    readonly stateDir: string,
    readonly projectRoot: string | undefined,
  ) {
    this.objects = new StateObjects(join(stateDir, 's3'));
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
    return mapRunsOf(execution);
  }

  /** A Map Run's view: counts, batches and failed items from its ResultWriter files. */
  async mapRun(execution: ExecutionLike, mapRunArn: string): Promise<MapRunView | undefined> {
    const ref = this.mapRuns(execution).find((m) => m.mapRunArn === mapRunArn);
    if (ref === undefined) return undefined;
    const cached = this.mapRunViews.get(mapRunArn);
    if (cached !== undefined && cached.status === ref.status) return cached;
    const view = await readMapRun(this.objects, execution, ref);
    if (ref.status !== 'RUNNING') {
      if (this.mapRunViews.size >= 16) this.mapRunViews.delete(this.mapRunViews.keys().next().value!);
      this.mapRunViews.set(mapRunArn, view);
    }
    return view;
  }

  /** The training run `runId` as a model: metrics, curves, gate, package, importance. */
  async model(runId: string): Promise<ModelView | undefined> {
    return readModel(this.objects, runId, await this.executionByName(runId), await this.packages());
  }

  /** Whether run `runId` has a model to show (metrics written or a package registered), cheaply. */
  async hasModel(runId: string): Promise<boolean> {
    if (!safeSegment(runId)) return false;
    if (await this.objects.exists('sparkmaker-artifacts', `runs/${runId}/metrics.json`)) return true;
    return (await this.packages()).some((p) => p.CustomerMetadataProperties?.runId === runId);
  }

  /** Every model package of the local Model Registry, newest first. */
  async packages(): Promise<ModelPackage[]> {
    return listPackages(this.stateDir);
  }

  /** Training runs that wrote metrics (run ids), newest first. */
  async modelRuns(): Promise<string[]> {
    return listModelRuns(this.objects, await this.packages());
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
    return updateModelPackage(this.stateDir, arn, status, description, () => this.packages());
  }

  /** The data page: `dt=` partitions of the data bucket and the quarantine objects. */
  async data(): Promise<DataPageView> {
    return readDataPage(this.objects.s3Root);
  }

  /** The local file of `s3://bucket/key`, or undefined when the key would leave the bucket. */
  objectPath(bucket: string, key: string): string | undefined {
    return this.objects.objectPath(bucket, key);
  }

  /** The text of `s3://bucket/key`, or undefined. */
  async readObject(bucket: string, key: string): Promise<string | undefined> {
    return this.objects.readObject(bucket, key);
  }
}

function summarize(record: ExecutionLike): ExecutionSummary {
  const { events: _events, ...rest } = record;
  return rest;
}
