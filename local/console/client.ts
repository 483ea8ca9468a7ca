/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console's browser script (bundled by esbuild, served as /assets/app.js): live updates (a
 * region marked `#live[data-poll]` is re-fetched and swapped while the page is open: the executions
 * list, and the pages of running executions and Map Runs), the filter form, and the approve/reject
 * buttons (UpdateModelPackage through the console's API). Markup only ever comes from the console's
 * own escaped pages; values from responses are set as text.
 */

const token = new URLSearchParams(location.search).get('token') ?? '';

function startPolling(): void {
  const live = document.getElementById('live');
  if (live === null) return;
  const every = Number(live.dataset.poll ?? '2000');
  if (!(every > 0)) return;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      const next = doc.getElementById('live');
      const current = document.getElementById('live');
      if (next === null || current === null) return;
      // Keep the state panel the reader opened; swap the rest.
      const panel = document.getElementById('state-panel');
      const selected = document.querySelector('svg.graph .state.selected')?.getAttribute('data-state');
      if (next.innerHTML !== current.innerHTML) {
        current.replaceWith(next);
        if (panel !== null && selected) {
          document.getElementById('state-panel')?.replaceWith(panel);
          for (const g of document.querySelectorAll('svg.graph [data-state]')) {
            g.classList.toggle('selected', g.getAttribute('data-state') === selected);
          }
        }
      }
      // A finished execution stops polling.
      if (next.dataset.poll === undefined) clearInterval(timer);
      document.body.dataset.refreshed = String(Date.now());
    } catch {
      // The console was stopped; try again at the next tick.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), every);
}

function wireFilters(): void {
  const form = document.getElementById('filters') as HTMLFormElement | null;
  if (form === null) return;
  for (const select of form.querySelectorAll('select')) {
    select.addEventListener('change', () => form.requestSubmit());
  }
}

function wireApproval(): void {
  const message = document.getElementById('action-message');
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
    button.addEventListener('click', async () => {
      const status = button.dataset.action;
      const arn = button.dataset.arn;
      for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) b.disabled = true;
      try {
        const response = await fetch('/api/model-packages', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sparkmaker-token': token },
          body: JSON.stringify({ arn, status }),
        });
        const body = (await response.json()) as { approvalStatus?: string; message?: string };
        if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
        const badge = document.querySelector('#approval-status .badge');
        if (badge !== null && body.approvalStatus !== undefined) {
          badge.textContent = body.approvalStatus;
          badge.className = `badge ${body.approvalStatus}`;
        }
        if (message !== null) message.textContent = `Model package ${body.approvalStatus ?? ''}.`;
        for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
          b.disabled = b.dataset.action === body.approvalStatus;
        }
      } catch (error) {
        if (message !== null)
          message.textContent = `Update failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]'))
          b.disabled = false;
      }
    });
  }
}

startPolling();
wireFilters();
wireApproval();
