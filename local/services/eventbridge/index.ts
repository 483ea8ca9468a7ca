/**
 * Local EventBridge: rules with event patterns (the subset of the pattern language the project's
 * rules use and a little more: exact values, `prefix`, `suffix`, `anything-but`, `exists`,
 * `numeric`, `equals-ignore-case`, `wildcard`), targets with `Input` / `InputPath` /
 * `InputTransformer`, the `events:putEvents` Step Functions integration, and EventBridge Scheduler
 * schedules (`rate(…)`, `cron(…)`, `at(…)`). Every event put on the bus is appended to
 * `<stateDir>/events.jsonl` so that a person can read the notifications a run sent.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectCreated } from '../s3/file-store';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** One rule target (botocore `events.Target`). */
export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: {
    readonly inputPathsMap?: Record<string, string>;
    readonly inputTemplate: string;
  };
}

export interface Rule {
  readonly name: string;
  readonly eventBusName?: string;
  readonly pattern: Record<string, unknown>;
  readonly targets: readonly RuleTarget[];
  readonly enabled?: boolean;
}

/** Delivers an event (or what the target's input settings made of it) to a target ARN. */
export type TargetInvoker = (targetArn: string, input: unknown, rule: Rule) => Promise<void>;

export interface EventBusOptions {
  readonly rules?: readonly Rule[];
  readonly invoke: TargetInvoker;
  readonly stateDir?: string;
  readonly region?: string;
  readonly account?: string;
  /** Called when a target fails (EventBridge would retry, then drop or dead-letter). */
  readonly onTargetError?: (error: unknown, rule: Rule, target: RuleTarget) => void;
}

/** A PutEvents entry (the Step Functions integration's PascalCase fields). */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: unknown;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: string;
}

/** The local event bus. */
export class EventBus {
  private readonly rules: Rule[];
  private readonly region: string;
  private readonly account: string;
  private readonly pending = new Set<Promise<void>>();
  private readonly listeners = new Set<(event: BusEvent) => void>();

  constructor(private readonly options: EventBusOptions) {
    this.rules = [...(options.rules ?? [])];
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
  }

  addRule(rule: Rule): void {
    this.rules.push(rule);
  }

  /** Called for every event put on the bus. */
  onEvent(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Puts one event; matching targets are invoked asynchronously (see {@link idle}). */
  async put(event: BusEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
    if (this.options.stateDir !== undefined) {
      await mkdir(this.options.stateDir, { recursive: true });
      await appendFile(join(this.options.stateDir, 'events.jsonl'), `${JSON.stringify(event)}\n`);
    }
    for (const rule of this.rules) {
      if (rule.enabled === false || !matchesPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const delivery = this.options
          .invoke(target.arn, targetInput(target, event), rule)
          .catch((error: unknown) => this.options.onTargetError?.(error, rule, target));
        this.pending.add(delivery);
        void delivery.finally(() => this.pending.delete(delivery));
      }
    }
  }

  /** Resolves once every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The `events:putEvents` API (and Step Functions integration): `{Entries:[{EventId}], FailedEntryCount}`. */
  async putEvents(
    entries: readonly PutEventsEntry[],
  ): Promise<{ Entries: unknown[]; FailedEntryCount: number }> {
    const results: unknown[] = [];
    let failed = 0;
    for (const entry of entries) {
      if (
        typeof entry.Source !== 'string' ||
        typeof entry.DetailType !== 'string' ||
        entry.Detail === undefined
      ) {
        failed++;
        results.push({
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Source, DetailType and Detail are required',
        });
        continue;
      }
      const detail = typeof entry.Detail === 'string' ? (JSON.parse(entry.Detail) as unknown) : entry.Detail;
      const id = randomUUID();
      await this.put({
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.account,
        time: (entry.Time === undefined ? new Date() : new Date(entry.Time))
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: entry.Resources ?? [],
        detail,
      });
      results.push({ EventId: id });
    }
    return { Entries: results, FailedEntryCount: failed };
  }

  /** The S3 "Object Created" event of an upload (SPEC §8), put on the bus. */
  async objectCreated(created: ObjectCreated): Promise<void> {
    await this.put(objectCreatedEvent(created, { region: this.region, account: this.account }));
  }
}

/** Builds the EventBridge "Object Created" event S3 sends for an upload. */
export function objectCreatedEvent(
  created: ObjectCreated,
  where: { region: string; account: string },
): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: where.account,
    time: created.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [`arn:aws:s3:::${created.bucket}`],
    detail: {
      version: '0',
      bucket: { name: created.bucket },
      object: { key: created.key, size: created.size, etag: created.etag, sequencer: created.sequencer },
      'request-id': randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
      requester: where.account,
      'source-ip-address': '127.0.0.1',
      reason: created.reason,
    },
  };
}

function getPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  let current = value;
  for (const part of path.replace(/^\$\.?/, '').split('.')) {
    if (part === '') continue;
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** What a target receives: the event, a part of it, a constant, or a transformed template. */
export function targetInput(target: RuleTarget, event: BusEvent): unknown {
  if (target.input !== undefined) return JSON.parse(target.input);
  if (target.inputPath !== undefined) return getPath(event, target.inputPath);
  if (target.inputTransformer !== undefined) {
    const values: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(target.inputTransformer.inputPathsMap ?? {})) {
      values[name] = getPath(event, path);
    }
    const text = target.inputTransformer.inputTemplate.replace(/<([\w.-]+)>/g, (whole, name: string) => {
      if (name === 'aws.events.event') return JSON.stringify(event);
      if (name === 'aws.events.event.json') return JSON.stringify(event);
      if (!(name in values)) return whole;
      const v = values[name];
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return event;
}

/** Whether `event` matches an EventBridge event pattern. */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [field, condition] of Object.entries(pattern)) {
    const value =
      event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(condition)) {
      if (!matchesValues(condition, value)) return false;
    } else if (condition !== null && typeof condition === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
      if (!matchesPattern(condition as Record<string, unknown>, value)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function matchesValues(conditions: readonly unknown[], value: unknown): boolean {
  const candidates = Array.isArray(value) ? value : [value];
  return conditions.some((condition) => {
    if (condition !== null && typeof condition === 'object' && 'exists' in condition) {
      return (condition as { exists: boolean }).exists === (value !== undefined);
    }
    if (value === undefined) return false;
    return candidates.some((candidate) => matchesOne(condition, candidate));
  });
}

function matchesOne(condition: unknown, value: unknown): boolean {
  if (condition === null || typeof condition !== 'object') return condition === value;
  const rule = condition as Record<string, unknown>;
  if ('prefix' in rule) {
    const prefix = rule.prefix;
    if (typeof prefix === 'object' && prefix !== null && 'equals-ignore-case' in prefix) {
      const p = String((prefix as Record<string, unknown>)['equals-ignore-case']).toLowerCase();
      return typeof value === 'string' && value.toLowerCase().startsWith(p);
    }
    return typeof value === 'string' && value.startsWith(String(prefix));
  }
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(String(rule.suffix));
  if ('equals-ignore-case' in rule) {
    return (
      typeof value === 'string' && value.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase()
    );
  }
  if ('wildcard' in rule) {
    const source = String(rule.wildcard)
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return typeof value === 'string' && new RegExp(`^${source}$`).test(value);
  }
  if ('anything-but' in rule) {
    const but = rule['anything-but'];
    if (Array.isArray(but)) return !but.includes(value);
    if (but !== null && typeof but === 'object') {
      if ('prefix' in but)
        return typeof value === 'string' && !value.startsWith(String((but as { prefix: unknown }).prefix));
      return true;
    }
    return value !== but;
  }
  if ('numeric' in rule && Array.isArray(rule.numeric) && typeof value === 'number') {
    const ops = rule.numeric as unknown[];
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const op = ops[i];
      const n = Number(ops[i + 1]);
      const ok =
        op === '='
          ? value === n
          : op === '<'
            ? value < n
            : op === '<='
              ? value <= n
              : op === '>'
                ? value > n
                : value >= n;
      if (!ok) return false;
    }
    return true;
  }
  return false;
}
