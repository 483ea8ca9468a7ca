/**
 * EventBridge Scheduler schedules run locally: `rate(n unit)`, `cron(min hour dom month dow year)`
 * (UTC, the six AWS fields with `*`, `?`, lists, ranges, steps and `L` for the last day of the
 * month) and `at(yyyy-mm-ddThh:mm:ss)`. The universal target's `<aws.scheduler.*>` placeholders are
 * filled in before the target runs.
 */
import { randomUUID } from 'node:crypto';

export interface Schedule {
  readonly name: string;
  readonly expression: string;
  readonly enabled?: boolean;
  /** Target ARN, e.g. `arn:aws:scheduler:::aws-sdk:sfn:startExecution` or a state machine ARN. */
  readonly targetArn: string;
  /** The target's `Input` text, placeholders unfilled. */
  readonly input?: string;
  /** The target's `RetryPolicy.MaximumRetryAttempts` (AWS's default is 185; 0 = no retry). */
  readonly maximumRetryAttempts?: number;
}

/** Runs a schedule's target with its input (placeholders filled). */
export type ScheduleInvoker = (schedule: Schedule, input: string) => Promise<void>;

/**
 * Fills `<aws.scheduler.execution-id>`, `<aws.scheduler.scheduled-time>`, `<aws.scheduler.schedule-arn>`
 * and `<aws.scheduler.attempt-number>`. As on AWS, every attempt (a retry too) gets a new execution id;
 * the scheduled time stays that of the firing.
 */
export function fillScheduleInput(
  schedule: Schedule,
  at: Date,
  account = '000000000000',
  attempt = 1,
): string {
  const values: Record<string, string> = {
    'aws.scheduler.execution-id': randomUUID(),
    'aws.scheduler.scheduled-time': at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws.scheduler.schedule-arn': `arn:aws:scheduler:us-east-1:${account}:schedule/default/${schedule.name}`,
    'aws.scheduler.attempt-number': String(attempt),
  };
  return (schedule.input ?? '{}').replace(
    /<(aws\.scheduler\.[a-z-]+)>/g,
    (whole, name: string) => values[name] ?? whole,
  );
}

function parseField(field: string, min: number, max: number): Set<number> | undefined {
  if (field === '*' || field === '?') return undefined;
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*' || range === undefined) {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = Number(a);
      hi = Number(b);
    } else {
      lo = Number(range);
      hi = stepText === undefined ? lo : max;
    }
    if (![lo, hi, step].every(Number.isFinite) || step <= 0) throw new Error(`Bad cron field '${field}'`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The first time strictly after `after` that the expression fires, or undefined if never. */
export function nextFireTime(expression: string, after: Date): Date | undefined {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate !== null) {
    const unit = rate[2]!.startsWith('minute')
      ? 60_000
      : rate[2]!.startsWith('hour')
        ? 3_600_000
        : 86_400_000;
    return new Date(after.getTime() + Number(rate[1]) * unit);
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (at !== null) {
    const when = new Date(`${at[1]}Z`);
    return when > after ? when : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron === null) throw new Error(`Unsupported schedule expression '${expression}'`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`A cron expression has 6 fields: '${expression}'`);
  let dowField = fields[4]!.toUpperCase();
  DAY_NAMES.forEach((d, i) => {
    dowField = dowField.replaceAll(d, String(i + 1));
  });
  let monthField = fields[3]!.toUpperCase();
  MONTH_NAMES.forEach((m, i) => {
    monthField = monthField.replaceAll(m, String(i + 1));
  });
  const minutes = parseField(fields[0]!, 0, 59);
  const hours = parseField(fields[1]!, 0, 23);
  const lastDay = fields[2] === 'L';
  const days = lastDay ? undefined : parseField(fields[2]!, 1, 31);
  const months = parseField(monthField, 1, 12);
  const weekdays = parseField(dowField, 1, 7);
  const years = parseField(fields[5]!, 1970, 2199);
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  for (let i = 0; i < 60 * 24 * 366 * 5; i++) {
    const month = t.getUTCMonth() + 1;
    const day = t.getUTCDate();
    const last = new Date(Date.UTC(t.getUTCFullYear(), month, 0)).getUTCDate();
    const ok =
      (years?.has(t.getUTCFullYear()) ?? true) &&
      (months?.has(month) ?? true) &&
      (lastDay ? day === last : (days?.has(day) ?? true)) &&
      (weekdays?.has(t.getUTCDay() + 1) ?? true) &&
      (hours?.has(t.getUTCHours()) ?? true) &&
      (minutes?.has(t.getUTCMinutes()) ?? true);
    if (ok) return t;
    t.setUTCMinutes(t.getUTCMinutes() + 1);
  }
  return undefined;
}

/** Retries beyond this are not made offline (AWS allows up to 185 over 24 hours). */
const MAX_LOCAL_RETRIES = 10;

/** Keeps timers for enabled schedules until stopped. */
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly schedules: readonly Schedule[],
    private readonly invoke: ScheduleInvoker,
    private readonly onError: (error: unknown, schedule: Schedule) => void = () => undefined,
  ) {}

  /** Arms every enabled schedule. */
  start(): void {
    for (const schedule of this.schedules) if (schedule.enabled !== false) this.arm(schedule, new Date());
  }

  /**
   * Runs a schedule's target now as if it fired at `at` (`sparkmaker dev` offers this for the scoring
   * schedule), retrying a failed invocation as its RetryPolicy says; throws the last attempt's error.
   */
  async fire(name: string, at = new Date()): Promise<void> {
    const schedule = this.schedules.find((s) => s.name === name);
    if (schedule === undefined) throw new Error(`No schedule named '${name}'`);
    await this.deliver(schedule, at);
  }

  /** Invokes the target, then retries it (new execution id, same scheduled time) while it fails. */
  private async deliver(schedule: Schedule, at: Date): Promise<void> {
    const attempts = 1 + Math.max(0, Math.min(schedule.maximumRetryAttempts ?? 0, MAX_LOCAL_RETRIES));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.invoke(schedule, fillScheduleInput(schedule, at, undefined, attempt));
        return;
      } catch (error) {
        if (attempt >= attempts || this.stopped) throw error;
      }
    }
  }

  /** When each enabled schedule fires next. */
  upcoming(now = new Date()): { name: string; next: Date | undefined }[] {
    return this.schedules
      .filter((s) => s.enabled !== false)
      .map((s) => ({ name: s.name, next: nextFireTime(s.expression, now) }));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(schedule: Schedule, from: Date): void {
    if (this.stopped) return;
    const next = nextFireTime(schedule.expression, from);
    if (next === undefined) return;
    const delay = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (Date.now() < next.getTime()) {
        this.arm(schedule, from);
        return;
      }
      this.deliver(schedule, next)
        .catch((error: unknown) => this.onError(error, schedule))
        .finally(() => this.arm(schedule, next));
    }, delay);
    timer.unref();
    this.timers.set(schedule.name, timer);
  }
}
