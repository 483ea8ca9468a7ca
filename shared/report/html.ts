/**
 * HTML that is escaped by construction: the {@link html} tag escapes every interpolated value unless
 * it is already {@link SafeHtml} (made by `html` itself or, for text known to be markup, {@link raw}).
 * State names, error causes and column names can hold markup; they only ever reach a page through
 * here.
 */

/** A fragment of markup that is safe to place in a page as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Marks markup as safe. Only for constant markup or markup built from escaped parts. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A value the {@link html} tag accepts: text is escaped, arrays are joined, nullish/false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v) => render(v as HtmlValue)).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template building markup: `html\`<td>${name}</td>\`` escapes `name`.
 *
 * @example html`<a href="${url}">${label}</a>` // both escaped
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** JSON for a `<script type="application/json">` element: `<`, `>`, `&` and U+2028/9 are escaped. */
export function jsonForScript(value: unknown): SafeHtml {
  return raw(
    JSON.stringify(value ?? null)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

/** A number for display: integers with separators, others to `digits` significant decimals. */
export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toFixed(digits);
}

/** A duration in milliseconds as `850 ms`, `4.21 s`, `3 min 05 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}
