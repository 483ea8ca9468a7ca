/**
 * ISO-8601 extended offset date-times as Step Functions accepts them (`2016-03-14T01:59:00Z`,
 * `…T01:59:00.123456789+01:00`): a `T` separator and an explicit offset are required.
 */

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** A parsed timestamp: epoch milliseconds plus the nanoseconds below the millisecond. */
export interface Instant {
  readonly ms: number;
  readonly subNanos: number;
}

/** Parses a timestamp, or returns undefined when it is not one Step Functions accepts. */
export function parseTimestamp(text: unknown): Instant | undefined {
  if (typeof text !== 'string') return undefined;
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const millis = Number(fraction.slice(0, 3));
  const subNanos = Number(fraction.slice(3));
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60000;
  return { ms, subNanos };
}

/** -1, 0 or 1 as `a` is before, at or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  return Math.sign(a.subNanos - b.subNanos);
}
