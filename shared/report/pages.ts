/**
 * The views of an execution, a Map Run, a model and the data written, as HTML fragments, and the
 * page shell around them. The console (local/console) serves them page by page; {@link renderReport}
 * puts the execution, model and Map Run views in one self-contained file (inline style and script,
 * allowed by hash in its Content-Security-Policy, no network).
 */
import { createHash } from 'node:crypto';
import { barChart, confusionMatrix, histogram, lineChart, timeline } from './charts';
import { type AslBlock, renderGraph, stateTypes } from './graph';
import { analyzeHistory, eventDetails, type HistoryAnalysis, type StateOutcome } from './history';
import { formatDuration, formatNumber, html, jsonForScript, raw, type SafeHtml } from './html';
import { STATE_PANEL_SCRIPT, STYLE } from './style';
import type { DataPageView, ExecutionLike, MapRunView, ModelView } from './types';

/** Where links go: the console gives URLs, the report in-page anchors or nothing. */
export interface Links {
  execution?(executionArn: string): string | undefined;
  mapRun?(mapRunArn: string): string | undefined;
  model?(runId: string): string | undefined;
}

/** A Map Run as the execution page lists it. */
export interface MapRunRef {
  readonly mapRunArn: string;
  readonly stateName: string;
  readonly status: string;
}

/** Everything the execution page shows. */
export interface ExecutionPageView {
  readonly execution: ExecutionLike;
  /** The ASL definition; without it the graph is drawn from the states seen in the history. */
  readonly definition?: AslBlock;
  readonly mapRuns?: readonly MapRunRef[];
  /** The training run's model, when this execution made one. */
  readonly modelRunId?: string;
}

const MAX_PAYLOAD = 64 * 1024;
const clip = (text: string | undefined): string | undefined =>
  text === undefined || text.length <= MAX_PAYLOAD
    ? text
    : `${text.slice(0, MAX_PAYLOAD)}… (${(text.length - MAX_PAYLOAD).toLocaleString('en-US')} more characters)`;

const badge = (status: string): SafeHtml =>
  html`<span class="badge ${status.replace(/[^A-Za-z_]/g, '')}">${status}</span>`;

const time = (iso: string | undefined): string =>
  iso === undefined ? '—' : iso.replace('T', ' ').replace(/Z$/, ' UTC');

function durationOf(start: string | undefined, stop: string | undefined): number | undefined {
  if (start === undefined || stop === undefined) return undefined;
  return Date.parse(stop) - Date.parse(start);
}

/** A definition made of the states the history shows, in order, when the ASL is not at hand. */
function definitionFromHistory(analysis: HistoryAnalysis): AslBlock {
  const names = [...analysis.states.keys()];
  const states: Record<string, { Type: string; Next?: string; End?: boolean }> = {};
  names.forEach((name, i) => {
    const type = analysis.states.get(name)!.runs[0]!.type || 'Task';
    states[name] = i + 1 < names.length ? { Type: type, Next: names[i + 1]! } : { Type: type, End: true };
  });
  return names.length === 0 ? {} : { StartAt: names[0]!, States: states };
}

/** One row of the executions list. */
export function executionRow(e: Omit<ExecutionLike, 'events'>, href: string | undefined): SafeHtml {
  const ms = durationOf(e.startDate, e.stopDate);
  return html`<tr data-status="${e.status}"><td>${href === undefined ? e.name : html`<a href="${href}">${e.name}</a>`}</td><td>${e.stateMachineName}</td><td>${badge(e.status)}</td><td>${time(e.startDate)}</td><td class="num">${formatDuration(ms)}</td><td class="err">${e.error ?? ''}</td></tr>`;
}

/** The executions table. */
export function executionsTable(rows: readonly SafeHtml[], id = 'executions-body'): SafeHtml {
  return html`<table class="grid" id="executions"><thead><tr><th>Name</th><th>State machine</th><th>Status</th><th>Started</th><th class="num">Duration</th><th>Error</th></tr></thead><tbody id="${id}">${rows}</tbody></table>`;
}

const OUTCOME_LABEL: Record<StateOutcome, string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  caught: 'Caught error',
  running: 'In progress',
  cancelled: 'Cancelled',
  'not-run': 'Not run',
};

/** The execution view: summary, graph with the state panel, timeline and event history. */
export function renderExecutionView(view: ExecutionPageView, links: Links = {}): SafeHtml {
  const e = view.execution;
  const analysis = analyzeHistory(e.events, e.status);
  const definition = view.definition ?? definitionFromHistory(analysis);
  const types = stateTypes(definition);
  const outcomes = new Map<string, StateOutcome>();
  for (const [name, s] of analysis.states) outcomes.set(name, s.outcome);
  // The state shown first: the failed one, else the one running, else the last one run.
  const failed = [...analysis.states.values()].find((s) => s.outcome === 'failed');
  const caught = [...analysis.states.values()].find((s) => s.outcome === 'caught');
  const running = [...analysis.states.values()].find((s) => s.outcome === 'running');
  const initial = failed ?? caught ?? running ?? [...analysis.states.values()].at(-1);
  const stateData: Record<string, unknown> = {};
  for (const [name, s] of analysis.states) {
    const resource = s.runs.at(-1)?.resource;
    stateData[name] = {
      type: types.get(name) ?? s.runs[0]?.type ?? '',
      outcome: OUTCOME_LABEL[s.outcome],
      duration: s.durationMs === undefined ? undefined : formatDuration(s.durationMs),
      retries: s.retries,
      ...(resource === undefined ? {} : { resource }),
      error: s.error,
      cause: clip(s.cause),
      input: clip(s.input),
      output: clip(s.output),
    };
  }
  const ms = durationOf(e.startDate, e.stopDate);
  const endAt =
    analysis.endedAt ?? Math.max(analysis.startedAt, ...analysis.runs.map((r) => r.exitedAt ?? r.enteredAt));
  const timelineRows = analysis.runs.slice(0, 400).map((r) => ({
    label: r.name,
    state: r.name,
    start: r.enteredAt,
    ...(r.exitedAt === undefined ? {} : { end: r.exitedAt }),
    outcome: r.failed
      ? r.type === 'Fail' || r === analysis.runs.at(-1)
        ? 'failed'
        : 'caught'
      : r.exitedAt === undefined
        ? 'running'
        : 'succeeded',
  }));
  const pretty = (text: string | undefined): string => {
    if (text === undefined) return '';
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  };
  const initialState =
    initial === undefined ? undefined : (stateData[initial.name] as Record<string, string | undefined>);
  const panel =
    initial === undefined || initialState === undefined
      ? html`<p class="muted">Select a state to see its input, output and error.</p>`
      : html`<h2>${initial.name}</h2><dl class="kv"><dt>Type</dt><dd>${initialState.type}</dd><dt>Status</dt><dd>${initialState.outcome}</dd><dt>Duration</dt><dd>${initialState.duration ?? '—'}</dd><dt>Retries</dt><dd>${String(initial.retries)}</dd></dl>${
          initial.error !== undefined || initial.cause !== undefined
            ? html`<div class="error-box"><strong>${initial.error ?? 'Error'}</strong><pre class="cause">${pretty(clip(initial.cause))}</pre></div>`
            : ''
        }<h3>Input</h3><pre class="input">${pretty(clip(initial.input)) || '—'}</pre><h3>Output</h3><pre class="output">${pretty(clip(initial.output)) || '—'}</pre>`;
  const mapRuns = view.mapRuns ?? [];
  const eventRows = e.events.slice(0, 5000).map((ev) => {
    const details = eventDetails(ev);
    const step = analysis.stepOf.get(ev.id) ?? '';
    const resource =
      details === undefined
        ? ''
        : [details.resourceType, details.resource].filter((x) => typeof x === 'string').join(':');
    const elapsed = Date.parse(ev.timestamp) - analysis.startedAt;
    const failedEvent = /Failed|TimedOut|Aborted/.test(ev.type);
    return html`<tr${failedEvent ? raw(' class="event-failed"') : ''}><td class="num">${ev.id}</td><td class="num">${ev.previousEventId ?? ''}</td><td${failedEvent ? raw(' class="err"') : ''}>${ev.type}</td><td>${step}</td><td>${resource}</td><td class="num">${formatDuration(elapsed)}</td><td>${time(ev.timestamp)}</td><td>${details === undefined ? '' : html`<details><summary>details</summary><pre>${clip(JSON.stringify(details, null, 2))}</pre></details>`}</td></tr>`;
  });
  return html`<section class="card" id="execution-summary" data-status="${e.status}"><h1>${e.name}</h1><div class="row"><dl class="kv grow"><dt>Status</dt><dd id="execution-status">${badge(e.status)}</dd><dt>State machine</dt><dd>${e.stateMachineName}</dd><dt>Execution ARN</dt><dd>${e.executionArn}</dd><dt>Started</dt><dd>${time(e.startDate)}</dd><dt>Stopped</dt><dd>${time(e.stopDate)}</dd><dt>Duration</dt><dd>${formatDuration(ms)}</dd>${
    e.error === undefined ? '' : html`<dt>Error</dt><dd class="err" id="execution-error">${e.error}</dd>`
  }${e.cause === undefined ? '' : html`<dt>Cause</dt><dd class="err" id="execution-cause">${clip(e.cause)}</dd>`}</dl><div class="grow">${
    mapRuns.length === 0
      ? ''
      : html`<h3>Map Runs</h3><ul id="map-runs">${mapRuns.map((m) => {
          const href = links.mapRun?.(m.mapRunArn);
          return html`<li>${href === undefined ? m.stateName : html`<a href="${href}">${m.stateName}</a>`} ${badge(m.status)}</li>`;
        })}</ul>`
  }${
    view.modelRunId === undefined
      ? ''
      : html`<h3>Model</h3><p>${(() => {
          const href = links.model?.(view.modelRunId);
          return href === undefined
            ? view.modelRunId
            : html`<a id="model-link" href="${href}">${view.modelRunId}</a>`;
        })()}</p>`
  }</div></div></section><section class="card"><h2>Graph</h2><div class="row"><div class="grow"><div class="graph-wrap">${renderGraph(definition, { outcomes, ...(initial === undefined ? {} : { selected: initial.name }) })}</div><div class="legend-row">${(['succeeded', 'failed', 'caught', 'running', 'not-run'] as const).map((o) => html`<span><i class="l-${o}"></i>${OUTCOME_LABEL[o]}</span>`)}</div></div><aside id="state-panel" class="card">${panel}</aside></div><script type="application/json" id="state-data">${jsonForScript(stateData)}</script></section><section class="card"><h2>Timeline</h2><div class="scroll">${
    timelineRows.length === 0
      ? html`<p class="muted">No state has run yet.</p>`
      : timeline(timelineRows, analysis.startedAt, endAt)
  }</div></section><section class="card"><h2>Events <span class="muted">(${e.events.length.toLocaleString('en-US')})</span></h2><div class="scroll"><table class="grid" id="events"><thead><tr><th class="num">ID</th><th class="num">Previous</th><th>Type</th><th>Step</th><th>Resource</th><th class="num">Elapsed</th><th>Timestamp</th><th>Details</th></tr></thead><tbody>${eventRows}</tbody></table></div></section>`;
}

function statBox(label: string, value: number, kind: string, id: string): SafeHtml {
  return html`<div class="stat ${kind}" id="${id}"><div class="v">${value.toLocaleString('en-US')}</div><div class="k">${label}</div></div>`;
}

/** The Map Run view: item and child-execution counts, batch durations, failed items, result files. */
export function renderMapRunView(run: MapRunView, links: Links = {}): SafeHtml {
  const c = run.itemCounts;
  const durations = run.batches
    .filter((b) => b.startDate !== undefined && b.stopDate !== undefined)
    .map((b) => ({ b, ms: Date.parse(b.stopDate!) - Date.parse(b.startDate!) }));
  const durationChart =
    durations.length === 0
      ? html`<p class="muted">No batch has finished yet.</p>`
      : durations.length <= 40
        ? barChart(
            'Duration per batch',
            durations.map(({ b, ms }) => ({
              label: b.name.slice(0, 13),
              value: ms,
              kind: b.status === 'SUCCEEDED' ? 'ok' : 'bad',
              note: b.status,
            })),
            (v) => formatDuration(v),
          )
        : histogram(
            `Batch durations (${durations.length.toLocaleString('en-US')} batches)`,
            durations.map((d) => d.ms),
            (v) => formatDuration(v),
          );
  const executionHref = run.executionArn === undefined ? undefined : links.execution?.(run.executionArn);
  const tolerated =
    run.toleratedFailurePercentage !== undefined || run.toleratedFailureCount !== undefined
      ? html`<dt>Tolerated failures</dt><dd>${[
          run.toleratedFailurePercentage === undefined ? '' : `${run.toleratedFailurePercentage}%`,
          run.toleratedFailureCount === undefined ? '' : `${run.toleratedFailureCount} items`,
        ]
          .filter((x) => x !== '')
          .join(' or ')}</dd>`
      : '';
  const failedRows = run.failedItems.map(
    (f) =>
      html`<tr><td>${f.batch.slice(0, 13)}</td><td><code>${f.item}</code></td><td class="err">${f.error ?? ''}</td><td>${
        f.cause === undefined
          ? ''
          : f.cause.length <= 160
            ? f.cause
            : html`<details><summary>${f.cause.slice(0, 120)}…</summary><pre>${clip(f.cause)}</pre></details>`
      }</td></tr>`,
  );
  const file = (f: { status: string; uri: string; size?: number; href?: string }) =>
    html`<tr><td>${badge(f.status)}</td><td>${f.href === undefined ? f.uri : html`<a href="${f.href}">${f.uri}</a>`}</td><td class="num">${f.size === undefined ? '' : formatNumber(f.size)}</td></tr>`;
  return html`<section class="card" id="map-run" data-map-run="${run.mapRunArn}"><h1>Map Run: ${run.stateName}</h1><dl class="kv"><dt>Status</dt><dd>${badge(run.status)}</dd><dt>Execution</dt><dd>${executionHref === undefined ? run.executionName : html`<a href="${executionHref}">${run.executionName}</a>`}</dd><dt>Map Run ARN</dt><dd>${run.mapRunArn}</dd>${tolerated}<dt>Duration</dt><dd>${formatDuration(durationOf(run.startDate, run.stopDate))}</dd></dl></section><section class="card"><h2>Items</h2><div class="stats" id="item-counts">${statBox('Total', c.total, '', 'items-total')}${statBox('Succeeded', c.succeeded, 'ok', 'items-succeeded')}${statBox('Failed', c.failed, 'bad', 'items-failed')}${statBox('Pending', c.pending, 'run', 'items-pending')}${c.running > 0 ? statBox('Running', c.running, 'run', 'items-running') : ''}${c.aborted > 0 ? statBox('Aborted', c.aborted, '', 'items-aborted') : ''}${c.timedOut > 0 ? statBox('Timed out', c.timedOut, 'bad', 'items-timed-out') : ''}</div><h3>Child workflow executions</h3><div class="stats" id="execution-counts">${statBox('Total', run.executionCounts.total, '', 'executions-total')}${statBox('Succeeded', run.executionCounts.succeeded, 'ok', 'executions-succeeded')}${statBox('Failed', run.executionCounts.failed, 'bad', 'executions-failed')}${statBox('Pending', run.executionCounts.pending, 'run', 'executions-pending')}</div></section><section class="card"><h2>Batch durations</h2>${durationChart}</section><section class="card"><h2>Failed items <span class="muted">(${(run.failedItems.length + run.failedItemsOmitted).toLocaleString('en-US')})</span></h2>${
    failedRows.length === 0
      ? html`<p class="muted">No item failed.</p>`
      : html`<div class="scroll"><table class="grid" id="failed-items"><thead><tr><th>Batch</th><th>Item</th><th>Error</th><th>Cause</th></tr></thead><tbody>${failedRows}</tbody></table></div>${
          run.failedItemsOmitted > 0
            ? html`<p class="muted">and ${run.failedItemsOmitted.toLocaleString('en-US')} more in the FAILED result files.</p>`
            : ''
        }`
  }</section><section class="card"><h2>ResultWriter files</h2>${
    run.manifest === undefined && run.resultFiles.length === 0
      ? html`<p class="muted">This Map Run wrote no result files.</p>`
      : html`<table class="grid" id="result-files"><thead><tr><th>Status</th><th>Object</th><th class="num">Bytes</th></tr></thead><tbody>${run.manifest === undefined ? '' : file(run.manifest)}${run.resultFiles.map(file)}</tbody></table>`
  }</section>`;
}

const METRIC_ORDER = ['auc', 'accuracy', 'logloss', 'rmse', 'count'];

/** The model view: metrics, curves, confusion matrix, importance, clusters/PCA, gate, package. */
export function renderModelView(model: ModelView, options: { actions?: boolean } = {}): SafeHtml {
  const metricEntries = Object.entries(model.metrics).sort(
    ([a], [b]) =>
      (METRIC_ORDER.indexOf(a) + 1 || 99) - (METRIC_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const metrics = html`<div class="stats" id="metrics">${metricEntries.map(
    ([k, v]) =>
      html`<div class="stat" data-metric="${k}"><div class="v" data-value="${String(v)}">${formatNumber(v, 4)}</div><div class="k">${k}</div></div>`,
  )}</div>`;
  const curves = model.curves;
  const charts: SafeHtml[] = [];
  if (curves !== undefined) {
    charts.push(
      lineChart({
        id: 'roc',
        title: `ROC curve (AUC ${formatNumber(curves.auc, 4)})`,
        xLabel: 'false positive rate',
        yLabel: 'true positive rate',
        series: [
          { label: 'model', points: curves.roc.map((p) => [p.fpr, p.tpr] as const) },
          {
            label: 'chance',
            kind: 'ref',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
      }),
      lineChart({
        id: 'pr',
        title: `Precision–recall (AP ${formatNumber(curves.averagePrecision, 4)})`,
        xLabel: 'recall',
        yLabel: 'precision',
        series: [
          { label: 'model', points: curves.pr.map((p) => [p.recall, p.precision] as const) },
          {
            label: `base rate ${formatNumber(curves.positives / (curves.count || 1), 3)}`,
            kind: 'ref',
            points: [
              [0, curves.positives / (curves.count || 1)],
              [1, curves.positives / (curves.count || 1)],
            ],
          },
        ],
      }),
      lineChart({
        id: 'calibration',
        title: 'Calibration',
        xLabel: 'mean predicted probability',
        yLabel: 'observed positive rate',
        series: [
          {
            label: 'model',
            kind: 'alt',
            dots: true,
            points: curves.calibration.map((b) => [b.meanPredicted, b.observed] as const),
          },
          {
            label: 'perfect',
            kind: 'ref',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
        caption: `${curves.calibration.length} bins of width ${formatNumber(1 / Math.max(1, Math.round(1 / ((curves.calibration[0]?.upper ?? 0.1) - (curves.calibration[0]?.lower ?? 0)))), 2)}`,
      }),
      confusionMatrix(curves.confusion),
    );
  }
  const gate = model.gate;
  const gateHtml =
    gate === undefined
      ? html`<p class="muted">No quality gate decision recorded.</p>`
      : html`<p class="gate ${gate.passed ? 'passed' : 'rejected'}" id="gate"><strong>${gate.passed ? 'Passed' : 'Rejected'}</strong>: ${gate.metric} ${formatNumber(gate.value, 4)} ${gate.passed ? '≥' : '<'} ${gate.threshold} — ${gate.outcome}</p>`;
  const pkg = model.package;
  const pkgHtml =
    pkg === undefined
      ? html`<p class="muted">No model package registered for this run.</p>`
      : html`<dl class="kv" id="package" data-arn="${pkg.arn}"><dt>Package</dt><dd>${pkg.arn}</dd><dt>Group / version</dt><dd>${pkg.group} / ${pkg.version}</dd><dt>Approval</dt><dd id="approval-status">${badge(pkg.approvalStatus)}</dd><dt>Model data</dt><dd>${pkg.modelDataUrl ?? '—'}</dd><dt>Updated</dt><dd>${time(pkg.lastModifiedTime)}</dd></dl>${
          options.actions
            ? html`<p class="actions"><button class="primary" id="approve" data-action="Approved" data-arn="${pkg.arn}"${pkg.approvalStatus === 'Approved' ? raw(' disabled') : ''}>Approve</button> <button class="danger" id="reject" data-action="Rejected" data-arn="${pkg.arn}"${pkg.approvalStatus === 'Rejected' ? raw(' disabled') : ''}>Reject</button> <span class="muted" id="action-message">Approved packages are what scheduled scoring resolves.</span></p>`
            : ''
        }`;
  const importance = model.importance ?? [];
  const topGain = [...importance].sort((a, b) => b.gain - a.gain).slice(0, 20);
  const topWeight = [...importance].sort((a, b) => b.weight - a.weight).slice(0, 20);
  return html`<section class="card" id="model" data-run="${model.runId}"><h1>Model: ${model.runId}</h1><dl class="kv"><dt>Objective</dt><dd>${model.objective ?? '—'}</dd><dt>Metrics file</dt><dd>${model.metricsUri ?? '—'}</dd><dt>Model artifact</dt><dd>${model.modelDataUrl ?? pkg?.modelDataUrl ?? '—'}</dd></dl><h3>Metrics</h3>${metrics}</section><div class="row"><section class="card grow"><h2>Quality gate</h2>${gateHtml}</section><section class="card grow"><h2>Model package</h2>${pkgHtml}</section></div>${
    charts.length === 0
      ? ''
      : html`<section class="card"><h2>Curves</h2><div class="row">${charts}</div></section>`
  }${
    importance.length === 0
      ? ''
      : html`<section class="card" id="importance"><h2>Feature importance</h2><div class="row">${barChart(
          'By gain (total loss reduction)',
          topGain.map((f) => ({ label: f.feature, value: f.gain })),
          (v) => formatNumber(v, 1),
        )}${barChart(
          'By weight (number of splits)',
          topWeight.map((f) => ({ label: f.feature, value: f.weight })),
        )}</div></section>`
  }${
    model.clusterSizes === undefined
      ? ''
      : html`<section class="card" id="clusters"><h2>Cluster sizes</h2>${barChart(
          'Rows per cluster',
          model.clusterSizes.map((c) => ({ label: `cluster ${c.cluster}`, value: c.size })),
        )}</section>`
  }${
    model.explainedVariance === undefined
      ? ''
      : html`<section class="card" id="pca"><h2>Explained variance</h2>${barChart(
          'Variance per component',
          model.explainedVariance.map((v, i) => ({ label: `PC${i + 1}`, value: v })),
          (v) => formatNumber(v, 4),
        )}${
          model.explainedVarianceRatio === undefined
            ? ''
            : html`<p class="caption">The components keep ${(model.explainedVarianceRatio * 100).toFixed(1)}% of the features' total variance.</p>`
        }</section>`
  }`;
}

/** The data view: `dt=` partitions with row counts, manifest and `_SUCCESS`; quarantined rows. */
export function renderDataView(data: DataPageView): SafeHtml {
  const rows = data.partitions.map(
    (p) =>
      html`<tr><td>${p.uri}</td><td>${p.dt}</td><td class="num">${p.files}</td><td class="num">${p.rows === undefined ? '—' : formatNumber(p.rows)}</td><td class="num">${formatNumber(p.bytes)}</td><td>${p.manifest === undefined ? html`<span class="muted">none</span>` : html`<details><summary>_manifest.json</summary><pre>${clip(p.manifest)}</pre></details>`}</td><td>${p.success ? badge('SUCCEEDED') : html`<span class="badge PARTIAL">missing</span>`}</td></tr>`,
  );
  const quarantine = data.quarantine.map((q) => {
    const columns = [...new Set(q.entries.flatMap((e) => Object.keys(e)))];
    return html`<h3>${q.uri} <span class="muted">(${q.total.toLocaleString('en-US')} rows)</span></h3><div class="scroll"><table class="grid quarantine"><thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${q.entries.map(
      (e) =>
        html`<tr>${columns.map((c) => html`<td>${e[c] === undefined ? '' : typeof e[c] === 'string' ? (e[c] as string) : JSON.stringify(e[c])}</td>`)}</tr>`,
    )}</tbody></table></div>`;
  });
  return html`<section class="card"><h1>Data</h1><h2>Partitions</h2>${
    rows.length === 0
      ? html`<p class="muted">No dt= partitions yet.</p>`
      : html`<div class="scroll"><table class="grid" id="partitions"><thead><tr><th>Prefix</th><th>dt</th><th class="num">Files</th><th class="num">Rows</th><th class="num">Bytes</th><th>Manifest</th><th>_SUCCESS</th></tr></thead><tbody>${rows}</tbody></table></div>`
  }</section><section class="card" id="quarantine"><h2>Quarantined rows</h2>${
    quarantine.length === 0 ? html`<p class="muted">No row was quarantined.</p>` : quarantine
  }</section>`;
}

/** Options of {@link renderPage}. */
export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Navigation links (label → URL); the active one is marked. */
  readonly nav?: readonly { label: string; href: string; active?: boolean }[];
  /** Console: external stylesheet and scripts (served under CSP 'self'). */
  readonly assets?: { readonly style: string; readonly scripts: readonly string[] };
  readonly footer?: string;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * A whole HTML document. With `assets` it links the console's stylesheet and scripts; without, it
 * inlines the stylesheet and the state-panel script and pins them by hash in a CSP meta tag, so the
 * file opens anywhere with no network and runs nothing else.
 */
export function renderPage(options: PageOptions): string {
  const nav = options.nav ?? [];
  const head =
    options.assets === undefined
      ? html`<meta http-equiv="Content-Security-Policy" content="${`default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(STATE_PANEL_SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`}"><style>${raw(STYLE)}</style>`
      : html`<link rel="stylesheet" href="${options.assets.style}">`;
  const scripts =
    options.assets === undefined
      ? html`<script>${raw(STATE_PANEL_SCRIPT)}</script>`
      : options.assets.scripts.map((src) => html`<script src="${src}"></script>`);
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${options.title}</title>${head}</head><body><header class="top"><div class="brand">spark<span>maker</span></div><nav>${nav.map((n) => html`<a href="${n.href}"${n.active ? raw(' class="active"') : ''}>${n.label}</a>`)}</nav></header><main>${options.body}</main><footer>${options.footer ?? ''}</footer>${scripts}</body></html>`.value}\n`;
}

/** What one report holds. */
export interface ReportView extends ExecutionPageView {
  readonly model?: ModelView;
  readonly mapRunViews?: readonly MapRunView[];
  readonly generatedAt?: string;
}

/**
 * The self-contained report of one execution: the execution view, then its model and Map Runs,
 * linked by in-page anchors.
 */
export function renderReport(view: ReportView): string {
  const mapRunViews = view.mapRunViews ?? [];
  const anchor = (arn: string) => `#map-run-${mapRunViews.findIndex((m) => m.mapRunArn === arn)}`;
  const links: Links = {
    mapRun: (arn) => (mapRunViews.some((m) => m.mapRunArn === arn) ? anchor(arn) : undefined),
    model: () => (view.model === undefined ? undefined : '#model'),
  };
  const body = html`${renderExecutionView(view, links)}${view.model === undefined ? '' : renderModelView(view.model)}${mapRunViews.map(
    (m, i) => html`<div id="${`map-run-${i}`}">${renderMapRunView(m)}</div>`,
  )}`;
  return renderPage({
    title: `${view.execution.name} — sparkmaker report`,
    body,
    footer: `sparkmaker report, generated ${view.generatedAt ?? new Date().toISOString()}`,
  });
}

/**
 * The self-contained report of a model alone (metrics, curves, confusion matrix, importance): what
 * the evaluate Lambda writes as `report.html` next to `metrics.json`, before the gate has decided.
 */
export function renderModelReport(model: ModelView, generatedAt = new Date().toISOString()): string {
  return renderPage({
    title: `${model.runId} — sparkmaker model report`,
    body: renderModelView(model),
    footer: `sparkmaker model report, generated ${generatedAt}`,
  });
}
