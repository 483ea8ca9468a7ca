/**
 * Charts as static SVG, drawn here rather than by a chart library: the report must read with no
 * script and no network, the charts are few and simple (curves on a unit square, bars, a timeline),
 * and a few hundred lines beat a dependency that draws on a canvas at run time. Every label is
 * escaped; numbers are rounded to 0.1 px so the markup stays small.
 */
import { formatDuration, formatNumber, html, raw, type SafeHtml } from './html';

/** A series of a {@link lineChart}. */
export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  /** CSS class suffix: `series-<kind>` (`main`, `ref`, `alt`). */
  readonly kind?: 'main' | 'ref' | 'alt';
  /** Draw dots at the points (calibration). */
  readonly dots?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly id?: string;
  readonly caption?: string;
}

const W = 340;
const H = 300;
const M = { left: 48, right: 14, top: 14, bottom: 42 };
const f1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A line chart on the unit square (ROC, precision–recall, calibration). */
export function lineChart(options: LineChartOptions): SafeHtml {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + Math.min(1, Math.max(0, x)) * pw;
  const sy = (y: number) => M.top + (1 - Math.min(1, Math.max(0, y))) * ph;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks.map(
    (t) =>
      html`<line class="grid" x1="${f1(sx(t))}" y1="${M.top}" x2="${f1(sx(t))}" y2="${M.top + ph}"></line><line class="grid" x1="${M.left}" y1="${f1(sy(t))}" x2="${M.left + pw}" y2="${f1(sy(t))}"></line><text class="tick" x="${f1(sx(t))}" y="${M.top + ph + 14}" text-anchor="middle">${t}</text><text class="tick" x="${M.left - 6}" y="${f1(sy(t) + 4)}" text-anchor="end">${t}</text>`,
  );
  const lines = options.series.map((s) => {
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f1(sx(x))},${f1(sy(y))}`).join(' ');
    const dots = s.dots
      ? s.points.map(
          ([x, y]) => html`<circle class="dot" cx="${f1(sx(x))}" cy="${f1(sy(y))}" r="3.5"></circle>`,
        )
      : [];
    return html`<g class="series series-${s.kind ?? 'main'}"><path d="${d}"></path>${dots}</g>`;
  });
  const legend = options.series.map(
    (s, i) =>
      html`<g class="legend series-${s.kind ?? 'main'}"><line x1="${M.left + 10}" y1="${M.top + 12 + i * 16}" x2="${M.left + 28}" y2="${M.top + 12 + i * 16}"></line><text x="${M.left + 33}" y="${M.top + 16 + i * 16}">${s.label}</text></g>`,
  );
  return html`<figure class="chart"${options.id === undefined ? '' : raw(` id="${options.id.replace(/[^a-z0-9-]/gi, '')}"`)}><figcaption>${options.title}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${options.title}">${grid}<rect class="frame" x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"></rect>${lines}${legend}<text class="axis" x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">${options.xLabel}</text><text class="axis" transform="translate(12 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${options.yLabel}</text></svg>${options.caption === undefined ? '' : html`<p class="caption">${options.caption}</p>`}</figure>`;
}

/** One bar of a {@link barChart}. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly kind?: 'ok' | 'bad' | 'main';
  readonly note?: string;
}

/** Horizontal bars with their values, longest scale = the largest value. */
export function barChart(
  title: string,
  bars: readonly Bar[],
  format: (v: number) => string = (v) => formatNumber(v),
): SafeHtml {
  const labelWidth = Math.min(230, Math.max(60, ...bars.map((b) => b.label.length * 6.8 + 10)));
  const barArea = 240;
  const row = 20;
  const width = labelWidth + barArea + 90;
  const height = bars.length * row + 8;
  const max = Math.max(0, ...bars.map((b) => b.value)) || 1;
  const rows = bars.map((b, i) => {
    const y = 4 + i * row;
    const w = Math.max(1, (Math.max(0, b.value) / max) * barArea);
    return html`<g class="bar bar-${b.kind ?? 'main'}"><text class="label" x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${b.label.length > 34 ? `${b.label.slice(0, 33)}…` : b.label}</text><rect x="${labelWidth}" y="${y + 2}" width="${f1(w)}" height="${row - 6}" rx="2"><title>${`${b.label}: ${format(b.value)}${b.note === undefined ? '' : ` (${b.note})`}`}</title></rect><text class="value" x="${f1(labelWidth + w + 5)}" y="${y + 13}">${format(b.value)}</text></g>`;
  });
  return html`<figure class="chart bars"><figcaption>${title}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f1(width)} ${height}" width="${f1(width)}" height="${height}" role="img" aria-label="${title}">${rows}</svg></figure>`;
}

/** A histogram of values in `bins` equal-width bins, drawn as vertical bars. */
export function histogram(
  title: string,
  values: readonly number[],
  unit: (v: number) => string,
  bins = 24,
): SafeHtml {
  if (values.length === 0)
    return html`<figure class="chart"><figcaption>${title}</figcaption><p class="muted">no values</p></figure>`;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - min) / span) * bins))]!++;
  const top = Math.max(...counts);
  const width = 520;
  const height = 170;
  const pw = width - 50;
  const ph = height - 40;
  const bw = pw / bins;
  const rects = counts.map((c, i) => {
    const h = (c / top) * ph;
    const lo = min + (span * i) / bins;
    const hi = min + (span * (i + 1)) / bins;
    return html`<rect class="hist" x="${f1(40 + i * bw + 1)}" y="${f1(10 + ph - h)}" width="${f1(bw - 2)}" height="${f1(h)}"><title>${`${unit(lo)} – ${unit(hi)}: ${c}`}</title></rect>`;
  });
  return html`<figure class="chart"><figcaption>${title}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}">${rects}<line class="grid" x1="40" y1="${10 + ph}" x2="${40 + pw}" y2="${10 + ph}"></line><text class="tick" x="40" y="${ph + 26}">${unit(min)}</text><text class="tick" x="${40 + pw}" y="${ph + 26}" text-anchor="end">${unit(max)}</text><text class="tick" x="36" y="16" text-anchor="end">${top}</text></svg></figure>`;
}

/** One bar of a {@link timeline}. */
export interface TimelineRow {
  readonly label: string;
  readonly start: number;
  readonly end?: number;
  readonly outcome: string;
  readonly state?: string;
}

/** A Gantt-like timeline: one row per state run, offsets from `origin` (ms). */
export function timeline(rows: readonly TimelineRow[], origin: number, endAt: number): SafeHtml {
  const labelWidth = Math.min(220, Math.max(80, ...rows.map((r) => r.label.length * 7 + 12)));
  const area = 560;
  const row = 22;
  const total = Math.max(1, endAt - origin);
  const width = labelWidth + area + 80;
  const height = rows.length * row + 26;
  const scale = (t: number) => labelWidth + ((t - origin) / total) * area;
  const bars = rows.map((r, i) => {
    const y = 4 + i * row;
    const x1 = scale(r.start);
    const x2 = scale(r.end ?? endAt);
    const w = Math.max(2, x2 - x1);
    const duration = (r.end ?? endAt) - r.start;
    return html`<g class="tl st-${r.outcome}"${r.state === undefined ? '' : html` data-state="${r.state}"`}><text class="label" x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${r.label}</text><rect class="box" x="${f1(x1)}" y="${y + 3}" width="${f1(w)}" height="${row - 8}" rx="2"><title>${`${r.label}: ${formatDuration(duration)}`}</title></rect><text class="value" x="${f1(x1 + w + 4)}" y="${y + 14}">${formatDuration(duration)}</text></g>`;
  });
  const axis = [0, 0.25, 0.5, 0.75, 1].map(
    (t) =>
      html`<line class="grid" x1="${f1(labelWidth + t * area)}" y1="0" x2="${f1(labelWidth + t * area)}" y2="${height - 20}"></line><text class="tick" x="${f1(labelWidth + t * area)}" y="${height - 6}" text-anchor="middle">${formatDuration(t * total)}</text>`,
  );
  return html`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="durations">${axis}${bars}</svg>`;
}

/** A 2×2 confusion matrix table. */
export function confusionMatrix(c: {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}): SafeHtml {
  const total = c.tp + c.fp + c.tn + c.fn || 1;
  const cell = (n: number, good: boolean) =>
    html`<td class="${good ? 'cm-good' : 'cm-bad'}"><strong>${n.toLocaleString('en-US')}</strong><span>${((n / total) * 100).toFixed(1)}%</span></td>`;
  return html`<figure class="chart confusion"><figcaption>Confusion matrix at score &gt; ${c.threshold}</figcaption><table class="cm"><thead><tr><th></th><th>predicted 1</th><th>predicted 0</th></tr></thead><tbody><tr><th>actual 1</th>${cell(c.tp, true)}${cell(c.fn, false)}</tr><tr><th>actual 0</th>${cell(c.fp, false)}${cell(c.tn, true)}</tr></tbody></table><p class="caption">precision ${formatNumber(c.tp / (c.tp + c.fp || 1), 3)} · recall ${formatNumber(c.tp / (c.tp + c.fn || 1), 3)}</p></figure>`;
}
