import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const WORKFLOWS = ['training', 'scoring'] as const;
export type Workflow = (typeof WORKFLOWS)[number];

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  Assign?: Record<string, unknown>;
}

/** The fields of an ASL state these tests look at. */
export interface State {
  Type: string;
  Resource?: string;
  Arguments?: unknown;
  Output?: unknown;
  Assign?: Record<string, unknown>;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Condition: string; Next: string }[];
  Retry?: Retrier[];
  Catch?: Catcher[];
  Error?: string;
  Cause?: string;
  Items?: string;
  ItemSelector?: Record<string, unknown>;
  ItemReader?: {
    Resource: string;
    ReaderConfig?: Record<string, unknown>;
    Arguments?: Record<string, unknown>;
  };
  ItemBatcher?: Record<string, unknown>;
  ResultWriter?: { Resource: string; Arguments?: Record<string, unknown> };
  MaxConcurrency?: unknown;
  ToleratedFailurePercentage?: unknown;
  ItemProcessor?: Definition & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
}

export interface Definition {
  QueryLanguage?: string;
  StartAt: string;
  States: Record<string, State>;
}

export function loadDefinition(workflow: Workflow): Definition {
  return JSON.parse(readFileSync(path.join(repoRoot, 'statemachines', `${workflow}.asl.json`), 'utf8'));
}

/** Every state, including those inside Map item processors, with a dotted name. */
export function statesOf(definition: Definition, prefix = ''): { name: string; state: State }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    { name: `${prefix}${name}`, state },
    ...(state.ItemProcessor ? statesOf(state.ItemProcessor, `${prefix}${name}.`) : []),
  ]);
}

/** The `${Name}` placeholders a definition file uses, sorted and unique. */
export function placeholders(workflow: Workflow): string[] {
  const text = readFileSync(path.join(repoRoot, 'statemachines', `${workflow}.asl.json`), 'utf8');
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((match) => match[1] as string))].sort();
}

/** Every `{% … %}` string in a definition with where it sits. */
export function jsonataExpressions(node: unknown, where = ''): { where: string; expression: string }[] {
  if (typeof node === 'string') {
    const match = /^\{%([\s\S]*)%\}$/.exec(node.trim());
    return match ? [{ where, expression: match[1] as string }] : [];
  }
  if (Array.isArray(node))
    return node.flatMap((item, index) => jsonataExpressions(item, `${where}[${index}]`));
  if (node !== null && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => jsonataExpressions(value, `${where}/${key}`));
  }
  return [];
}

/** serverless.yml as plain YAML (serverless variables left as strings). */
export function serverlessConfig(): Record<string, unknown> {
  return parse(readFileSync(path.join(repoRoot, 'serverless.yml'), 'utf8')) as Record<string, unknown>;
}

/** `custom.definitionSubstitutions` of serverless.yml: placeholder → CloudFormation value. */
export function definitionSubstitutions(): Record<string, unknown> {
  const custom = serverlessConfig().custom as { definitionSubstitutions: Record<string, unknown> };
  return custom.definitionSubstitutions;
}

/** The JSONata expression of a `{% … %}` string (throws when the value is not one). */
export function expressionOf(value: unknown): string {
  const match = typeof value === 'string' ? /^\{%([\s\S]*)%\}$/.exec(value.trim()) : null;
  if (!match) throw new Error(`not a JSONata expression: ${JSON.stringify(value)}`);
  return match[1] as string;
}
