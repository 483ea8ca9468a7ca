/**
 * The local web console: an HTTP server on 127.0.0.1 only, serving the executions list, execution,
 * Map Run, model and data pages rendered by `shared/report`, over the state directory. Every request
 * must carry the per-start random token (`?token=…`, or the `x-sparkmaker-token` header for the
 * approve/reject calls); others get 403. Pages are sent with a strict Content-Security-Policy
 * (scripts and styles from the console itself only), `no-store` and `no-referrer` (the token is in
 * the URL). The client script is bundled by esbuild from `client.ts` at start-up.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  executionRow,
  executionsTable,
  html,
  type Links,
  renderDataView,
  renderExecutionView,
  renderMapRunView,
  renderModelView,
  renderPage,
  renderReport,
  type SafeHtml,
  STATE_PANEL_SCRIPT,
  STYLE,
} from '../../shared/report';
import { buildReport } from './report';
import { ConsoleState, type ExecutionSummary } from './state';

/** Options of {@link startConsole}. */
export interface ConsoleOptions {
  readonly stateDir: string;
  /** The project (serverless.yml, statemachines/) for the ASL of each state machine. */
  readonly projectRoot?: string;
  /** Port on 127.0.0.1 (default 0: chosen by the OS). */
  readonly port?: number;
  /** Fixed token (tests); default 32 random bytes, hex. */
  readonly token?: string;
  /** How often pages of running executions poll, ms (default 2000). */
  readonly pollMs?: number;
}

/** A running console. */
export interface Console {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly state: ConsoleState;
  close(): Promise<void>;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const PAGE_SIZE = 100;

let clientBundle: Promise<string> | undefined;

/** The browser script, bundled once per process by esbuild from `client.ts`. */
export function bundleClient(): Promise<string> {
  clientBundle ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [join(import.meta.dirname, 'client.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
    });
    return result.outputFiles[0]!.text;
  })();
  return clientBundle;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the console; resolves once it listens. */
export async function startConsole(options: ConsoleOptions): Promise<Console> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const state = new ConsoleState(options.stateDir, options.projectRoot);
  const script = await bundleClient();
  // Read serverless.yml, the ASL and the execution summaries now, not on the first page.
  await state.definition('');
  state.watch();
  await state.listExecutions();
  const tokenBytes = Buffer.from(token);
  const pollMs = options.pollMs ?? 2000;
  let port = 0;

  const withToken = (path: string): string =>
    `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  const executionHref = (sm: string, name: string) =>
    withToken(`/executions/${encodeURIComponent(sm)}/${encodeURIComponent(name)}`);
  const links = (execution?: { stateMachineName: string; name: string }): Links => ({
    execution: (arn) => {
      const m = /:execution:([^:]+):([^:]+)$/.exec(arn);
      return m === null ? undefined : executionHref(m[1]!, m[2]!);
    },
    mapRun: (arn) =>
      execution === undefined
        ? undefined
        : withToken(
            `/map-runs?execution=${encodeURIComponent(execution.name)}&sm=${encodeURIComponent(execution.stateMachineName)}&arn=${encodeURIComponent(arn)}`,
          ),
    model: (runId) => withToken(`/models/${encodeURIComponent(runId)}`),
  });

  /** `live`: undefined = a static page; false = a finished view (stops polling); true = polls. */
  const page = (title: string, active: string, body: SafeHtml, live?: boolean): string =>
    renderPage({
      title: `${title} — sparkmaker console`,
      body:
        live === undefined
          ? body
          : live
            ? html`<div id="live" data-poll="${String(pollMs)}">${body}</div>`
            : html`<div id="live">${body}</div>`,
      nav: [
        { label: 'Executions', href: withToken('/'), active: active === 'executions' },
        { label: 'Models', href: withToken('/models'), active: active === 'models' },
        { label: 'Data', href: withToken('/data'), active: active === 'data' },
      ],
      assets: {
        style: withToken('/assets/app.css'),
        scripts: [withToken('/assets/panel.js'), withToken('/assets/app.js')],
      },
      footer: `state directory ${options.stateDir}`,
    });

  async function executionsPage(url: URL): Promise<string> {
    const all = await state.listExecutions();
    const workflow = url.searchParams.get('workflow') ?? '';
    const status = url.searchParams.get('status') ?? '';
    const from = url.searchParams.get('from') ?? '';
    const to = url.searchParams.get('to') ?? '';
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const fromMs = from === '' ? undefined : Date.parse(from.length <= 16 ? `${from}Z` : from);
    const toMs = to === '' ? undefined : Date.parse(to.length <= 16 ? `${to}Z` : to);
    const filtered = all.filter(
      (e: ExecutionSummary) =>
        (workflow === '' || e.stateMachineName === workflow) &&
        (status === '' || e.status === status) &&
        (fromMs === undefined || Number.isNaN(fromMs) || Date.parse(e.startDate) >= fromMs) &&
        (toMs === undefined || Number.isNaN(toMs) || Date.parse(e.startDate) <= toMs) &&
        (q === '' || e.name.toLowerCase().includes(q)),
    );
    const machines = [...new Set(all.map((e) => e.stateMachineName))].sort();
    const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
    const shown = filtered.slice(0, PAGE_SIZE);
    const counts = statuses
      .map((s) => ({ s, n: all.filter((e) => e.status === s).length }))
      .filter((c) => c.n > 0);
    const option = (value: string, label: string, selected: boolean) =>
      html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
    const body = html`<section class="card"><h1>Executions</h1><div class="stats">${counts.map(
      (c) =>
        html`<div class="stat ${c.s === 'SUCCEEDED' ? 'ok' : c.s === 'FAILED' ? 'bad' : c.s === 'RUNNING' ? 'run' : ''}"><div class="v">${c.n}</div><div class="k">${c.s.toLowerCase()}</div></div>`,
    )}</div></section><section class="card"><form class="filters" method="get" action="/" id="filters"><input type="hidden" name="token" value="${token}"><label>Workflow<select name="workflow">${option('', 'all', workflow === '')}${machines.map((m) => option(m, m, m === workflow))}</select></label><label>Status<select name="status">${option('', 'all', status === '')}${statuses.map((s) => option(s, s, s === status))}</select></label><label>Started after (UTC)<input type="datetime-local" name="from" value="${from}"></label><label>Started before (UTC)<input type="datetime-local" name="to" value="${to}"></label><label>Name contains<input type="search" name="q" value="${url.searchParams.get('q') ?? ''}"></label><button type="submit">Filter</button></form><div id="live" data-poll="${String(pollMs)}"><p class="muted" id="executions-count">${filtered.length.toLocaleString('en-US')} of ${all.length.toLocaleString('en-US')} executions${
      filtered.length > shown.length ? ` (newest ${shown.length} shown)` : ''
    }</p>${executionsTable(shown.map((e) => executionRow(e, executionHref(e.stateMachineName, e.name))))}</div></section>`;
    return page('Executions', 'executions', body);
  }

  async function executionPage(sm: string, name: string): Promise<string> {
    const execution = await state.execution(sm, name);
    if (execution === undefined) throw new HttpError(404, `no execution ${name} of ${sm}`);
    const definition = await state.definition(sm);
    const model = (await state.hasModel(execution.name)) ? execution.name : undefined;
    const body = html`<p class="crumbs"><a href="${withToken('/')}">Executions</a> / ${sm} · <a href="${withToken(`/report/${encodeURIComponent(sm)}/${encodeURIComponent(name)}`)}" id="report-link">download report</a></p>${renderExecutionView(
      {
        execution,
        ...(definition === undefined ? {} : { definition }),
        mapRuns: state.mapRuns(execution),
        ...(model === undefined ? {} : { modelRunId: model }),
      },
      links(execution),
    )}`;
    return page(name, 'executions', body, execution.status === 'RUNNING');
  }

  async function mapRunPage(url: URL): Promise<string> {
    const sm = url.searchParams.get('sm') ?? '';
    const name = url.searchParams.get('execution') ?? '';
    const arn = url.searchParams.get('arn') ?? '';
    const execution = await state.execution(sm, name);
    if (execution === undefined) throw new HttpError(404, `no execution ${name} of ${sm}`);
    const run = await state.mapRun(execution, arn);
    if (run === undefined) throw new HttpError(404, `no Map Run ${arn} in ${name}`);
    const view = {
      ...run,
      ...(run.manifest === undefined
        ? {}
        : { manifest: { ...run.manifest, href: withToken(run.manifest.href ?? '') } }),
      resultFiles: run.resultFiles.map((f) => ({
        ...f,
        ...(f.href === undefined ? {} : { href: withToken(f.href) }),
      })),
    };
    const body = html`<p class="crumbs"><a href="${withToken('/')}">Executions</a> / <a href="${executionHref(sm, name)}">${name}</a></p>${renderMapRunView(view, links(execution))}`;
    return page(`Map Run ${run.stateName}`, 'executions', body, run.status === 'RUNNING');
  }

  async function modelsPage(): Promise<string> {
    const runs = await state.modelRuns();
    const packages = await state.packages();
    const rows = runs.map((runId) => {
      const pkg = packages.find((p) => p.CustomerMetadataProperties?.runId === runId);
      return html`<tr><td><a href="${withToken(`/models/${encodeURIComponent(runId)}`)}">${runId}</a></td><td>${pkg?.ModelPackageArn ?? '—'}</td><td>${
        pkg === undefined
          ? ''
          : html`<span class="badge ${pkg.ModelApprovalStatus}">${pkg.ModelApprovalStatus}</span>`
      }</td><td class="num">${pkg?.CustomerMetadataProperties?.['metric:auc'] === undefined ? '' : Number(pkg.CustomerMetadataProperties['metric:auc']).toFixed(4)}</td></tr>`;
    });
    const body = html`<section class="card"><h1>Models</h1>${
      rows.length === 0
        ? html`<p class="muted">No training run has written metrics yet.</p>`
        : html`<table class="grid" id="models"><thead><tr><th>Training run</th><th>Model package</th><th>Approval</th><th class="num">AUC</th></tr></thead><tbody>${rows}</tbody></table>`
    }</section>`;
    return page('Models', 'models', body);
  }

  async function modelPage(runId: string): Promise<string> {
    const model = await state.model(runId);
    if (model === undefined) throw new HttpError(404, `no model for run ${runId}`);
    const execution = await state.executionByName(runId);
    const body = html`<p class="crumbs"><a href="${withToken('/models')}">Models</a>${
      execution === undefined
        ? ''
        : html` / <a href="${executionHref(execution.stateMachineName, execution.name)}">${runId}</a>`
    }</p>${renderModelView(model, { actions: true })}`;
    return page(`Model ${runId}`, 'models', body);
  }

  async function reportFile(sm: string, name: string): Promise<string> {
    const execution = await state.execution(sm, name);
    if (execution === undefined) throw new HttpError(404, `no execution ${name} of ${sm}`);
    return renderReport(await buildReport(state, execution));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) throw new HttpError(413, 'request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function authorized(req: IncomingMessage, url: URL): boolean {
    const given = Buffer.from(
      url.searchParams.get('token') ?? String(req.headers['x-sparkmaker-token'] ?? ''),
    );
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  }

  function send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      ...extra,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A page of another site resolving its name to 127.0.0.1 (DNS rebinding) sends its own Host.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden: unexpected Host\n');
      return;
    }
    if (!authorized(req, url)) {
      send(
        res,
        403,
        'text/plain; charset=utf-8',
        'forbidden: open the URL printed by `sparkmaker ui` (it holds the token)\n',
      );
      return;
    }
    const path = url.pathname;
    const htmlType = 'text/html; charset=utf-8';
    if (req.method === 'POST' && path === '/api/model-packages') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`)
        throw new HttpError(403, 'cross-origin request refused');
      const body = JSON.parse(await readBody(req)) as { arn?: unknown; status?: unknown };
      if (typeof body.arn !== 'string' || (body.status !== 'Approved' && body.status !== 'Rejected')) {
        throw new HttpError(400, "expected {arn: string, status: 'Approved' | 'Rejected'}");
      }
      const updated = await state.updatePackage(body.arn, body.status);
      send(res, 200, 'application/json', JSON.stringify(updated));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    // Assets hold no data and are fixed for this start (their URLs carry this start's token): cacheable.
    const asset = { 'cache-control': 'private, max-age=86400, immutable' };
    if (path === '/assets/app.css') return send(res, 200, 'text/css; charset=utf-8', STYLE, asset);
    if (path === '/assets/panel.js')
      return send(res, 200, 'text/javascript; charset=utf-8', STATE_PANEL_SCRIPT, asset);
    if (path === '/assets/app.js') return send(res, 200, 'text/javascript; charset=utf-8', script, asset);
    if (path === '/') return send(res, 200, htmlType, await executionsPage(url));
    if (path === '/api/executions') {
      return send(res, 200, 'application/json', JSON.stringify(await state.listExecutions()));
    }
    let m = /^\/executions\/([^/]+)\/([^/]+)$/.exec(path);
    if (m !== null)
      return send(
        res,
        200,
        htmlType,
        await executionPage(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)),
      );
    m = /^\/report\/([^/]+)\/([^/]+)$/.exec(path);
    if (m !== null) {
      const name = decodeURIComponent(m[2]!);
      return send(res, 200, htmlType, await reportFile(decodeURIComponent(m[1]!), name), {
        'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.html"`,
      });
    }
    if (path === '/map-runs') return send(res, 200, htmlType, await mapRunPage(url));
    if (path === '/models') return send(res, 200, htmlType, await modelsPage());
    m = /^\/models\/([^/]+)$/.exec(path);
    if (m !== null) return send(res, 200, htmlType, await modelPage(decodeURIComponent(m[1]!)));
    if (path === '/data')
      return send(res, 200, htmlType, page('Data', 'data', renderDataView(await state.data())));
    m = /^\/s3\/([^/]+)\/(.+)$/.exec(path);
    if (m !== null) {
      const file = state.objectPath(
        decodeURIComponent(m[1]!),
        m[2]!.split('/').map(decodeURIComponent).join('/'),
      );
      const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
      if (file === undefined || info === undefined || !info.isFile())
        throw new HttpError(404, 'no such object');
      // Shown as text, never as a page of ours: objects hold user data.
      return send(res, 200, 'text/plain; charset=utf-8', await readFile(file), {
        'content-security-policy': "default-src 'none'; sandbox",
      });
    }
    throw new HttpError(404, `not found: ${path}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 400 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) {
        res.end();
        return;
      }
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('text/html')) {
        send(
          res,
          status,
          'text/html; charset=utf-8',
          page(
            'Error',
            '',
            html`<section class="card"><h1>${String(status)}</h1><p class="err">${message}</p></section>`,
          ),
        );
      } else {
        send(res, status, 'application/json', JSON.stringify({ message }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        state.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
