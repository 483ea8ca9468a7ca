/**
 * The state-machine graph as the Step Functions console draws it: Start and End, one box per state,
 * `Next` edges, Choice rules (labelled with their condition) and `Default`, dashed Catch edges
 * (labelled with the errors), and Map / Parallel states as containers holding their inner states
 * (Parallel branches side by side). Layered layout by dagre (`@dagrejs/dagre`), run bottom-up: a
 * container's inner graph is laid out first and the container enters its parent's layout as one box
 * of that size. Output is static SVG (no script needed to read it); every state name and label is
 * escaped; each box carries `data-state` for the viewer's click handler.
 */
import { Graph, layout } from '@dagrejs/dagre';
import type { StateOutcome } from './history';
import { html, raw, type SafeHtml } from './html';

/** One ASL state, as far as drawing needs it. */
interface AslState {
  readonly Type?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { Next?: string; Condition?: unknown; Variable?: unknown }[];
  readonly Catch?: readonly { ErrorEquals?: readonly string[]; Next?: string }[];
  readonly Branches?: readonly AslBlock[];
  readonly ItemProcessor?: AslBlock & { ProcessorConfig?: { Mode?: string } };
  readonly Iterator?: AslBlock;
  readonly Label?: string;
}

/** A block of states (`StartAt` + `States`): the definition, a branch or an item processor. */
export interface AslBlock {
  readonly StartAt?: string;
  readonly States?: Readonly<Record<string, AslState>>;
}

/** Options of {@link renderGraph}. */
export interface GraphOptions {
  /** Outcome per state name; states without one are drawn as not run. */
  readonly outcomes?: ReadonlyMap<string, StateOutcome>;
  /** The state shown as selected. */
  readonly selected?: string;
}

const NODE_HEIGHT = 44;
const CHAR_WIDTH = 7.4;
const PAD = 16;
const HEADER = 30;
const BRANCH_GAP = 24;

interface Box {
  readonly width: number;
  readonly height: number;
  draw(x: number, y: number, options: GraphOptions): string;
}

const truncate = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

function textWidth(text: string, charWidth = CHAR_WIDTH): number {
  return text.length * charWidth;
}

function conditionText(rule: { Condition?: unknown; Variable?: unknown }, index: number): string {
  if (typeof rule.Condition === 'string') return truncate(rule.Condition.replace(/^\{%\s*|\s*%\}$/g, ''), 32);
  if (typeof rule.Variable === 'string') {
    const op = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next');
    const value = op === undefined ? '' : JSON.stringify((rule as Record<string, unknown>)[op]);
    return truncate(`${rule.Variable} ${op ?? ''} ${value ?? ''}`, 32);
  }
  return `Rule #${index + 1}`;
}

function stateNode(name: string, state: AslState): Box {
  const type = state.Type ?? 'Task';
  const width = Math.max(130, textWidth(name) + 2 * PAD);
  return {
    width,
    height: NODE_HEIGHT,
    draw(x, y, options) {
      return stateGroup(name, type, options, x, y, width, NODE_HEIGHT, false, '');
    },
  };
}

function stateGroup(
  name: string,
  type: string,
  options: GraphOptions,
  x: number,
  y: number,
  width: number,
  height: number,
  container: boolean,
  inner: string,
): string {
  const outcome = options.outcomes?.get(name) ?? 'not-run';
  const selected = options.selected === name ? ' selected' : '';
  const cls = `state st-${outcome}${container ? ' container' : ''}${selected}`;
  const label = truncate(name, 60);
  const titleY = container ? y + 19 : y + height / 2 - 2;
  const kindY = container ? y + 19 : y + height / 2 + 13;
  const textX = container ? x + 12 : x + width / 2;
  const anchor = container ? 'start' : 'middle';
  const kindText = container ? '' : type;
  return html`<g class="${cls}" data-state="${name}" tabindex="0" role="button" aria-label="${`${name} (${type}): ${outcome}`}"><rect class="box" x="${x}" y="${y}" width="${width}" height="${height}" rx="6"></rect>${
    container
      ? html`<text class="name" x="${textX}" y="${titleY}" text-anchor="${anchor}">${label}</text><text class="kind" x="${x + width - 10}" y="${kindY}" text-anchor="end">${type}</text>`
      : html`<text class="name" x="${textX}" y="${titleY}" text-anchor="${anchor}">${label}</text><text class="kind" x="${textX}" y="${kindY}" text-anchor="${anchor}">${kindText}</text>`
  }<title>${`${name} — ${type}: ${outcome}`}</title></g>${raw(inner)}`.value;
}

function containerNode(name: string, state: AslState): Box {
  const type = state.Type ?? 'Map';
  const blocks: AslBlock[] =
    type === 'Parallel' ? [...(state.Branches ?? [])] : [state.ItemProcessor ?? state.Iterator ?? {}];
  const inner = blocks.map((b) => layoutBlock(b, false));
  const innerWidth = inner.reduce((sum, b) => sum + b.width, 0) + BRANCH_GAP * Math.max(0, inner.length - 1);
  const innerHeight = Math.max(0, ...inner.map((b) => b.height));
  const width = Math.max(innerWidth + 2 * PAD, textWidth(name) + textWidth(type) + 3 * PAD);
  const height = innerHeight + HEADER + PAD;
  return {
    width,
    height,
    draw(x, y, options) {
      let offset = x + (width - innerWidth) / 2;
      const parts: string[] = [];
      for (const b of inner) {
        parts.push(b.draw(offset, y + HEADER, options));
        if (inner.length > 1) {
          parts.push(
            html`<rect class="branch" x="${offset - 6}" y="${y + HEADER - 4}" width="${b.width + 12}" height="${innerHeight + 8}" rx="4"></rect>`
              .value,
          );
        }
        offset += b.width + BRANCH_GAP;
      }
      return stateGroup(name, type, options, x, y, width, height, true, parts.join(''));
    },
  };
}

const layouts = new WeakMap<AslBlock, Box>();

const START = '\u0000start';
const END = '\u0000end';

function layoutBlock(block: AslBlock, top: boolean): Box {
  const states = block.States ?? {};
  const g = new Graph({ multigraph: true });
  // 'UR' alignment keeps the main path in one straight column; the drawing is mirrored so that
  // column is on the left and Catch edges run to the right, as in the Step Functions console.
  g.setGraph({
    align: 'UR',
    rankdir: 'TB',
    nodesep: 36,
    ranksep: 46,
    edgesep: 14,
    marginx: top ? 16 : 8,
    marginy: top ? 16 : 8,
  });
  const boxes = new Map<string, Box>();
  for (const [name, state] of Object.entries(states)) {
    const box =
      state.Type === 'Map' || state.Type === 'Parallel' ? containerNode(name, state) : stateNode(name, state);
    boxes.set(name, box);
    g.setNode(name, { width: box.width, height: box.height });
  }
  if (top) {
    g.setNode(START, { width: 64, height: 28 });
    g.setNode(END, { width: 64, height: 28 });
  }
  interface EdgeInfo {
    kind: 'next' | 'choice' | 'default' | 'catch' | 'end';
    label?: string;
  }
  const edges: { from: string; to: string; id: string; info: EdgeInfo }[] = [];
  let counter = 0;
  const addEdge = (from: string, to: string | undefined, info: EdgeInfo): void => {
    if (to === undefined || !g.hasNode(to)) return;
    const id = `e${counter++}`;
    const label = info.label === undefined ? undefined : truncate(info.label, 40);
    // The main path is kept straight; Catch edges bend around it.
    const weight = info.kind === 'catch' ? 1 : info.kind === 'end' ? 2 : 8;
    g.setEdge(
      from,
      to,
      label === undefined
        ? { minlen: 1, weight }
        : { label, width: textWidth(label, 6.2) + 8, height: 16, labelpos: 'c', minlen: 1, weight },
      id,
    );
    edges.push({
      from,
      to,
      id,
      info: label === undefined ? { kind: info.kind } : { kind: info.kind, label },
    });
  };
  if (top && block.StartAt !== undefined) addEdge(START, block.StartAt, { kind: 'next' });
  for (const [name, state] of Object.entries(states)) {
    const type = state.Type ?? 'Task';
    if (type === 'Choice') {
      (state.Choices ?? []).forEach((rule, i) => {
        addEdge(name, rule.Next, { kind: 'choice', label: conditionText(rule, i) });
      });
      addEdge(name, state.Default, { kind: 'default', label: 'Default' });
    } else {
      addEdge(name, state.Next, { kind: 'next' });
    }
    for (const c of state.Catch ?? []) {
      // A catch-all is drawn dashed without a label (as the console does); named errors are labelled.
      const errors = (c.ErrorEquals ?? []).join(', ');
      addEdge(
        name,
        c.Next,
        errors === 'States.ALL' || errors === '' ? { kind: 'catch' } : { kind: 'catch', label: errors },
      );
    }
    if (top && (state.End === true || type === 'Succeed' || type === 'Fail'))
      addEdge(name, END, { kind: 'end' });
  }
  layout(g);
  const graph = g.graph();
  // Edges may bend a little outside the nodes' box: widen it to hold them (mirrored around maxX).
  let minX = 0;
  let maxX = graph.width ?? 0;
  for (const e of edges) {
    for (const p of (g.edge(e.from, e.to, e.id) as { points?: { x: number }[] }).points ?? []) {
      minX = Math.min(minX, p.x - 6);
      maxX = Math.max(maxX, p.x + 6);
    }
  }
  const width = Math.max(40, maxX - minX);
  const mirror = maxX;
  const height = Math.max(30, graph.height ?? 0);
  return {
    width,
    height,
    draw(ox, oy, options) {
      const parts: string[] = [];
      for (const e of edges) {
        const edge = g.edge(e.from, e.to, e.id) as {
          points?: { x: number; y: number }[];
          x?: number;
          y?: number;
        };
        const points = edge.points ?? [];
        if (points.length < 2) continue;
        const d = points
          .map((p, i) => `${i === 0 ? 'M' : 'L'}${(mirror - p.x + ox).toFixed(1)},${(p.y + oy).toFixed(1)}`)
          .join(' ');
        parts.push(
          html`<path class="edge edge-${e.info.kind}" d="${d}" marker-end="url(#arrow)"></path>`.value,
        );
        if (e.info.label !== undefined && edge.x !== undefined && edge.y !== undefined) {
          const lw = textWidth(e.info.label, 6.2) + 8;
          parts.push(
            html`<g class="edge-label edge-label-${e.info.kind}"><rect x="${mirror - edge.x + ox - lw / 2}" y="${edge.y + oy - 8}" width="${lw}" height="16" rx="3"></rect><text x="${mirror - edge.x + ox}" y="${edge.y + oy + 4}" text-anchor="middle">${e.info.label}</text></g>`
              .value,
          );
        }
      }
      for (const name of g.nodes()) {
        const node = g.node(name) as { x: number; y: number; width: number; height: number };
        const x = mirror - node.x - node.width / 2 + ox;
        const y = node.y - node.height / 2 + oy;
        if (name === START || name === END) {
          parts.push(
            html`<g class="terminal"><rect x="${x}" y="${y}" width="${node.width}" height="${node.height}" rx="14"></rect><text x="${x + node.width / 2}" y="${y + 18}" text-anchor="middle">${name === START ? 'Start' : 'End'}</text></g>`
              .value,
          );
          continue;
        }
        parts.push(boxes.get(name)!.draw(x, y, options));
      }
      return parts.join('');
    },
  };
}

/**
 * Draws the definition as SVG. Unknown shapes (no `States`) give an empty graph, never an error: a
 * page about a broken execution must still render.
 */
export function renderGraph(definition: AslBlock, options: GraphOptions = {}): SafeHtml {
  // The layout depends on the definition only (outcomes just colour it): computed once per definition object.
  let box = layouts.get(definition);
  if (box === undefined) {
    box = layoutBlock(definition, true);
    layouts.set(definition, box);
  }
  const body = box.draw(0, 0, options);
  return html`<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.ceil(box.width)} ${Math.ceil(box.height)}" width="${Math.ceil(box.width)}" height="${Math.ceil(box.height)}" role="img" aria-label="state machine graph"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"></path></marker></defs>${raw(body)}</svg>`;
}

/** The state names of a definition, nested ones included, with their types. */
export function stateTypes(definition: AslBlock): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (block: AslBlock): void => {
    for (const [name, state] of Object.entries(block.States ?? {})) {
      out.set(name, state.Type ?? 'Task');
      for (const b of state.Branches ?? []) walk(b);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor !== undefined) walk(processor);
    }
  };
  walk(definition);
  return out;
}
