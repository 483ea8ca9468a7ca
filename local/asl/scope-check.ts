/**
 * A definition check for Distributed Map variable scopes. AWS documents that a Distributed Map's
 * child workflow cannot reference variables of outer scopes (each child is an execution of its own);
 * whether the Map state's own fields (ItemReader, ItemSelector, ItemBatcher, MaxConcurrency,
 * ToleratedFailure*, ResultWriter, Items) may is undocumented. This check flags both, so a
 * workflow can take every value it needs from the state input instead.
 */

type Json = Record<string, unknown>;

/** One reference to a variable a Distributed Map cannot rely on. */
export interface ScopeFinding {
  /** The Distributed Map state's name. */
  readonly state: string;
  /** The field inside that state, `/`-separated (`ItemReader/Arguments/Key`, `ItemProcessor/States/Score/Arguments`). */
  readonly field: string;
  /** The variable referenced, without `$`. */
  readonly variable: string;
  /** JSON-pointer-like path of the field from the definition root. */
  readonly path: string;
  /** A sentence saying what is wrong. */
  readonly message: string;
}

/** The Map state's own fields that are evaluated before its children run. */
const OWN_FIELDS = [
  'Items',
  'ItemsPath',
  'ItemReader',
  'ItemSelector',
  'Parameters',
  'ItemBatcher',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ResultWriter',
  'Label',
];

type Language = 'JSONata' | 'JSONPath';

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Removes string literals, regular expressions and comments from a JSONata expression. */
function stripLiterals(expression: string): string {
  let out = '';
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (c === '"' || c === "'") {
      i++;
      while (i < expression.length && expression[i] !== c) i += expression[i] === '\\' ? 2 : 1;
      i++;
      out += ' ';
    } else if (c === '/' && expression[i + 1] === '*') {
      const end = expression.indexOf('*/', i + 2);
      i = end < 0 ? expression.length : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Names after `$` (not `$$`, not `$` alone) with the character that follows each. */
function dollarNames(text: string): { name: string; next: string; at: number }[] {
  const out: { name: string; next: string; at: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || text[i - 1] === '$' || text[i + 1] === '$') continue;
    NAME.lastIndex = i + 1;
    const m = NAME.exec(text);
    if (!m) continue;
    const rest = text.slice(NAME.lastIndex).trimStart();
    out.push({ name: m[0], next: rest[0] ?? '', at: i });
  }
  return out;
}

/**
 * The workflow variables a JSONata expression reads: `$name` references that are not `$states`,
 * not function calls (`$count(…)`), not bound inside the expression (`$x := …`) and not lambda
 * parameters (`function($v) {…}`).
 */
export function jsonataVariables(expression: string): string[] {
  const text = stripLiterals(expression);
  const refs = dollarNames(text);
  const local = new Set<string>(['states']);
  for (const r of refs) if (text.slice(r.at).match(/^\$[A-Za-z0-9_]+\s*:=/)) local.add(r.name);
  for (const m of text.matchAll(/function\s*\(([^)]*)\)/g)) {
    for (const p of dollarNames(m[1] ?? '')) local.add(p.name);
  }
  const names = new Set<string>();
  for (const r of refs) if (r.next !== '(' && !local.has(r.name)) names.add(r.name);
  return [...names];
}

/** The workflow variables a JSONPath reference path or intrinsic function call reads. */
export function jsonPathVariables(expression: string): string[] {
  const text = expression.replace(/'(?:[^'\\]|\\.)*'/g, ' ');
  const names = new Set<string>();
  for (const r of dollarNames(text)) {
    const before = text[r.at - 1] ?? '';
    if (/[A-Za-z0-9_.]/.test(before)) continue;
    names.add(r.name);
  }
  return [...names];
}

const JSONATA = /^\{%([\s\S]*)%\}$/;

interface Reference {
  readonly variable: string;
  /** Path relative to the walked value, `/`-separated, starting with `/`. */
  readonly at: string;
}

/** Every variable reference inside `value` (a field of a state in `language`). */
function references(value: unknown, language: Language, at: string, key = ''): Reference[] {
  if (typeof value === 'string') {
    if (language === 'JSONata') {
      const m = JSONATA.exec(value);
      return m ? jsonataVariables(m[1]!).map((variable) => ({ variable, at })) : [];
    }
    const dynamic = key.endsWith('.$') || key.endsWith('Path') || key === 'Variable';
    return dynamic ? jsonPathVariables(value.trim()).map((variable) => ({ variable, at })) : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => references(v, language, `${at}[${i}]`, key));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => references(v, language, `${at}/${k}`, k));
  }
  return [];
}

function languageOf(holder: Json, inherited: Language): Language {
  return holder.QueryLanguage === 'JSONata'
    ? 'JSONata'
    : holder.QueryLanguage === 'JSONPath'
      ? 'JSONPath'
      : inherited;
}

function processorOf(state: Json): { program: Json; key: string } | undefined {
  if (typeof state.ItemProcessor === 'object' && state.ItemProcessor !== null)
    return { program: state.ItemProcessor as Json, key: 'ItemProcessor' };
  if (typeof state.Iterator === 'object' && state.Iterator !== null)
    return { program: state.Iterator as Json, key: 'Iterator' };
  return undefined;
}

function isDistributed(state: Json): boolean {
  const processor = processorOf(state)?.program;
  const config = processor?.ProcessorConfig as Json | undefined;
  return state.Type === 'Map' && config?.Mode === 'DISTRIBUTED';
}

function statesOf(program: Json): [string, Json][] {
  const states = program.States;
  if (typeof states !== 'object' || states === null) return [];
  return Object.entries(states as Json).filter(
    (e): e is [string, Json] => typeof e[1] === 'object' && e[1] !== null,
  );
}

/** The sub-programs of a state that share its scope chain (Parallel branches, inline Map processors). */
function nestedPrograms(state: Json): { program: Json; at: string }[] {
  const out: { program: Json; at: string }[] = [];
  if (Array.isArray(state.Branches)) {
    state.Branches.forEach((b, i) => {
      if (typeof b === 'object' && b !== null) out.push({ program: b as Json, at: `/Branches[${i}]` });
    });
  }
  const processor = processorOf(state);
  if (processor !== undefined && !isDistributed(state))
    out.push({ program: processor.program, at: `/${processor.key}` });
  return out;
}

/** Variables assigned anywhere in a program (its own scope and nested inline scopes). */
function assignedIn(program: Json, language: Language, into: Set<string>): void {
  const lang = languageOf(program, language);
  for (const [, state] of statesOf(program)) {
    const stateLang = languageOf(state, lang);
    const holders: unknown[] = [state, ...(Array.isArray(state.Choices) ? state.Choices : [])];
    if (Array.isArray(state.Catch)) holders.push(...state.Catch);
    for (const h of holders) {
      const assign = (h as Json | null)?.Assign;
      if (typeof assign === 'object' && assign !== null) for (const k of Object.keys(assign)) into.add(k);
    }
    for (const nested of nestedPrograms(state)) assignedIn(nested.program, stateLang, into);
  }
}

/** References in a whole program, not descending into Distributed Map children (checked on their own). */
function programReferences(program: Json, language: Language, at: string): Reference[] {
  const lang = languageOf(program, language);
  const out: Reference[] = [];
  for (const [name, state] of statesOf(program)) {
    const stateLang = languageOf(state, lang);
    const base = `${at}/States/${name}`;
    for (const [key, value] of Object.entries(state)) {
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator') continue;
      out.push(...references(value, stateLang, `${base}/${key}`, key));
    }
    for (const nested of nestedPrograms(state))
      out.push(...programReferences(nested.program, stateLang, `${base}${nested.at}`));
  }
  return out;
}

function checkMap(
  name: string,
  state: Json,
  language: Language,
  path: string,
  findings: ScopeFinding[],
): void {
  for (const field of OWN_FIELDS) {
    if (state[field] === undefined) continue;
    for (const ref of references(state[field], language, `/${field}`, field)) {
      findings.push({
        state: name,
        field: ref.at.slice(1),
        variable: ref.variable,
        path: `${path}${ref.at}`,
        message: `The Distributed Map state '${name}' reads the variable $${ref.variable} in its field ${ref.at.slice(1)}; take the value from the state input instead (whether AWS resolves outer variables here is undocumented).`,
      });
    }
  }
  const processor = processorOf(state);
  if (processor === undefined) return;
  const childLanguage = languageOf(processor.program, language);
  const own = new Set<string>();
  assignedIn(processor.program, childLanguage, own);
  for (const ref of programReferences(processor.program, childLanguage, `/${processor.key}`)) {
    if (own.has(ref.variable)) continue;
    findings.push({
      state: name,
      field: ref.at.slice(1),
      variable: ref.variable,
      path: `${path}${ref.at}`,
      message: `The child workflow of the Distributed Map state '${name}' reads the variable $${ref.variable} at ${ref.at.slice(1)}, which it never assigns: a Distributed Map's child workflow cannot see outer variables.`,
    });
  }
}

function walk(program: Json, language: Language, at: string, findings: ScopeFinding[]): void {
  const lang = languageOf(program, language);
  for (const [name, state] of statesOf(program)) {
    const stateLang = languageOf(state, lang);
    const path = `${at}/States/${name}`;
    if (isDistributed(state)) checkMap(name, state, stateLang, path, findings);
    for (const nested of nestedPrograms(state))
      walk(nested.program, stateLang, `${path}${nested.at}`, findings);
    const processor = processorOf(state);
    if (processor !== undefined && isDistributed(state))
      walk(processor.program, stateLang, `${path}/${processor.key}`, findings);
  }
}

/**
 * Flags every variable reference a Distributed Map cannot rely on: in its own fields, any variable
 * (they would come from an outer scope), and in its child workflow, any variable the child never
 * assigns. Distributed Maps nested anywhere (Parallel branches, inline Maps, other children) are
 * checked too. An empty array means the definition is clean.
 *
 * @example
 * checkDistributedMapScopes(JSON.parse(readFileSync('statemachines/scoring.asl.json', 'utf8')));
 * // [{ state: 'ScoreShards', field: 'ItemReader/Arguments/Key', variable: 'plan', … }]
 */
export function checkDistributedMapScopes(definition: unknown): ScopeFinding[] {
  if (typeof definition !== 'object' || definition === null) return [];
  const findings: ScopeFinding[] = [];
  walk(definition as Json, languageOf(definition as Json, 'JSONPath'), '', findings);
  return findings;
}
