/**
 * Reads `serverless.yml` for the offline runtime, so nothing is configured twice: the functions
 * (handler, memory, timeout, environment), the state machines and their ASL files, the
 * `${Placeholder}` map (`custom.definitionSubstitutions`), the EventBridge rules and the Scheduler
 * schedules. Serverless variables (`${self:…}`, `${sls:stage}`, `${opt:…, default}`, `${env:…}`) are
 * resolved, and CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) get local
 * values: buckets `<service>-data` / `<service>-artifacts`, function ARNs
 * `arn:aws:lambda:<region>:000000000000:function:<service>-<stage>-<name>`, EMR application `local`,
 * roles `arn:aws:iam::000000000000:role/<LogicalId>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Rule, RuleTarget } from '../services/eventbridge';
import type { Schedule } from '../services/eventbridge/scheduler';
import type { FunctionDefinition } from '../services/lambda';

/** The account id every local ARN uses. */
export const LOCAL_ACCOUNT = '000000000000';

export interface StateMachineConfig {
  /** The key under `stepFunctions.stateMachines` (`training`, `scoring`). */
  readonly key: string;
  /** The CloudFormation logical id (`TrainingStateMachine`). */
  readonly logicalId: string;
  /** The resolved name, e.g. `sparkmaker-dev-training`. */
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The ASL file, relative to the project root. */
  readonly definitionFile: string;
}

/** Everything the offline runtime takes from serverless.yml. */
export interface ProjectConfig {
  readonly root: string;
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly functions: FunctionDefinition[];
  readonly stateMachines: StateMachineConfig[];
  /** Placeholder name → local value. */
  readonly substitutions: Record<string, string>;
  readonly rules: Rule[];
  readonly schedules: Schedule[];
  /** Offline bucket names by logical id (`DataBucket` → `sparkmaker-data`). */
  readonly buckets: Record<string, string>;
}

type Yaml = Record<string, unknown>;

/** serverless's logical id of a function: `validate-input` → `ValidateDashinput`. */
export function normalizeName(name: string): string {
  const replaced = name.replaceAll('-', 'Dash').replaceAll('_', 'Underscore');
  return replaced.charAt(0).toUpperCase() + replaced.slice(1);
}

function lookup(root: unknown, path: string): unknown {
  let current = root;
  for (const part of path.split('.')) {
    if (part === '') continue;
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Yaml)[part];
  }
  return current;
}

/** Resolves serverless variables in every string of `value`. */
function resolveVariables(value: unknown, doc: Yaml, options: Record<string, string>, depth = 0): unknown {
  if (depth > 20) throw new Error('serverless.yml variables nest too deeply (a cycle?)');
  if (typeof value === 'string') return resolveString(value, doc, options, depth);
  if (Array.isArray(value)) return value.map((v) => resolveVariables(v, doc, options, depth));
  if (value !== null && typeof value === 'object') {
    const out: Yaml = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveVariables(v, doc, options, depth);
    return out;
  }
  return value;
}

const VARIABLE = /\$\{((?:self|sls|opt|env):[^${}]*|file\([^)]*\)[^${}]*)\}/;

function resolveSource(
  expression: string,
  doc: Yaml,
  options: Record<string, string>,
  depth: number,
): unknown {
  for (const alternative of expression.split(/,\s*/)) {
    const text = alternative.trim();
    let found: unknown;
    if (text.startsWith('self:')) found = lookup(doc, text.slice(5));
    else if (text === 'sls:stage') found = options.stage;
    else if (text.startsWith('opt:')) found = options[text.slice(4)];
    else if (text.startsWith('env:')) found = process.env[text.slice(4)];
    else if (text.startsWith('file(')) found = `\u0000file:${text.slice(5, text.indexOf(')'))}`;
    else if (/^'.*'$|^".*"$/.test(text)) found = text.slice(1, -1);
    if (found !== undefined) return resolveVariables(found, doc, options, depth + 1);
  }
  return undefined;
}

function resolveString(text: string, doc: Yaml, options: Record<string, string>, depth: number): unknown {
  let current = text;
  for (let i = 0; i < 50; i++) {
    const match = VARIABLE.exec(current);
    if (match === null) return current;
    const value = resolveSource(match[1]!, doc, options, depth);
    if (match[0] === current) {
      if (typeof value !== 'string') return value;
    }
    current = current.replace(match[0], value === undefined ? '' : String(value));
  }
  return current;
}

/** Loads and resolves `<root>/serverless.yml`. */
export function loadProjectConfig(
  root: string,
  options: { stage?: string; region?: string } = {},
): ProjectConfig {
  const doc = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as Yaml;
  const service = String(doc.service ?? 'sparkmaker');
  // A first pass for the stage and region themselves, which other variables refer to.
  const custom = lookup(doc, 'custom.sparkmaker') as Yaml | undefined;
  const stage = options.stage ?? String(custom?.stage ?? 'dev');
  const region = options.region ?? String(custom?.region ?? 'us-east-1');
  const opts = { stage, region };
  const provider = resolveVariables(doc.provider ?? {}, doc, opts) as Yaml;
  const resolvedDoc = { ...doc, provider: { ...(doc.provider as Yaml), stage, region } };
  const resolve = (value: unknown) => resolveVariables(value, resolvedDoc, opts);

  const resources = (lookup(doc, 'resources.Resources') ?? {}) as Yaml;
  const functionsYaml = (doc.functions ?? {}) as Record<string, Yaml>;
  const machinesYaml = (lookup(doc, 'stepFunctions.stateMachines') ?? {}) as Record<string, Yaml>;

  const functionArn = (name: string) =>
    `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${service}-${stage}-${name}`;
  const byLogicalId = new Map<string, string>();
  for (const name of Object.keys(functionsYaml))
    byLogicalId.set(`${normalizeName(name)}LambdaFunction`, name);

  const buckets: Record<string, string> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if ((resource as Yaml).Type === 'AWS::S3::Bucket') {
      buckets[id] = `${service}-${id.replace(/Bucket$/, '').toLowerCase()}s`.replace(/ss$/, 's');
    }
  }
  // The contract's names: `<service>-data`, `<service>-artifacts`.
  if ('DataBucket' in buckets) buckets.DataBucket = `${service}-data`;
  if ('ArtifactBucket' in buckets) buckets.ArtifactBucket = `${service}-artifacts`;

  const stateMachines: StateMachineConfig[] = Object.entries(machinesYaml).map(([key, sm]) => {
    const resolved = resolve({ name: sm.name, type: sm.type, definition: sm.definition }) as Yaml;
    const name = String(resolved.name ?? `${service}-${stage}-${key}`);
    const definition = String(resolved.definition ?? '');
    if (!definition.startsWith('\u0000file:')) {
      throw new Error(`serverless.yml: state machine '${key}' must load its definition with \${file(...)}`);
    }
    return {
      key,
      logicalId: String(sm.id ?? `${normalizeName(key)}StateMachine`),
      name,
      arn: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name}`,
      type: resolved.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definitionFile: definition.slice('\u0000file:'.length).replace(/^\.\//, ''),
    };
  });

  const ref = (id: string): string => {
    if (id === 'AWS::AccountId') return LOCAL_ACCOUNT;
    if (id === 'AWS::Region') return region;
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::StackName') return `${service}-${stage}`;
    if (id in buckets) return buckets[id]!;
    const machine = stateMachines.find((m) => m.logicalId === id);
    if (machine !== undefined) return machine.arn;
    const fn = byLogicalId.get(id);
    if (fn !== undefined) return `${service}-${stage}-${fn}`;
    return id;
  };
  const getAtt = (id: string, attribute: string): string => {
    const fn = byLogicalId.get(id);
    if (fn !== undefined) return functionArn(fn);
    if (id in buckets) return attribute === 'Arn' ? `arn:aws:s3:::${buckets[id]}` : buckets[id]!;
    const machine = stateMachines.find((m) => m.logicalId === id);
    if (machine !== undefined) return machine.arn;
    const type = (resources[id] as Yaml | undefined)?.Type;
    if (type === 'AWS::EMRServerless::Application')
      return attribute === 'ApplicationId'
        ? 'local'
        : `arn:aws:emr-serverless:${region}:${LOCAL_ACCOUNT}:/applications/local`;
    if (type === 'AWS::IAM::Role') return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${id}`;
    if (type === 'AWS::Events::Rule') return `arn:aws:events:${region}:${LOCAL_ACCOUNT}:rule/${id}`;
    return `arn:aws:local:${region}:${LOCAL_ACCOUNT}:${id}`;
  };
  const intrinsic = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(intrinsic);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Yaml;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = obj[k];
      if (k === 'Ref') return ref(String(arg));
      if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        return getAtt(String(id), String(attr));
      }
      if (k === 'Fn::Join') {
        const [delimiter, list] = arg as [string, unknown[]];
        return (intrinsic(list) as unknown[]).map(String).join(delimiter);
      }
      if (k === 'Fn::Sub') {
        const [template, vars] = Array.isArray(arg) ? (arg as [string, Yaml]) : [String(arg), {}];
        const values = intrinsic(vars) as Yaml;
        return template.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
          if (name in values) return String(values[name]);
          if (name.includes('.') && !name.startsWith('AWS::')) {
            const [id, attr] = name.split('.');
            return getAtt(id!, attr!);
          }
          return ref(name);
        });
      }
    }
    const out: Yaml = {};
    for (const [k, v] of Object.entries(obj)) out[k] = intrinsic(v);
    return out;
  };
  const local = (value: unknown) => intrinsic(resolve(value));

  const providerEnv = (local(provider.environment ?? {}) ?? {}) as Record<string, unknown>;
  const functions: FunctionDefinition[] = Object.entries(functionsYaml).map(([name, fn]) => {
    const handler = String(fn.handler ?? `functions/${name}.handler`);
    const dot = handler.lastIndexOf('.');
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries({
      ...providerEnv,
      ...((local(fn.environment ?? {}) ?? {}) as Yaml),
    })) {
      if (k === 'NODE_OPTIONS') continue;
      environment[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return {
      name,
      functionName: `${service}-${stage}-${name}`,
      handlerFile: `${handler.slice(0, dot)}.ts`,
      handlerExport: handler.slice(dot + 1),
      environment,
      memorySize: Number(local(fn.memorySize) ?? local(provider.memorySize) ?? 1024),
      timeout: Number(local(fn.timeout) ?? local(provider.timeout) ?? 6),
    };
  });

  const substitutions: Record<string, string> = {};
  for (const [k, v] of Object.entries(
    (local(lookup(doc, 'custom.definitionSubstitutions') ?? {}) ?? {}) as Yaml,
  )) {
    substitutions[k] = String(v);
  }

  const rules: Rule[] = [];
  const schedules: Schedule[] = [];
  for (const [id, raw] of Object.entries(resources)) {
    const resource = raw as Yaml;
    if (resource.Type === 'AWS::Events::Rule') {
      const p = local(resource.Properties ?? {}) as Yaml;
      if (p.EventPattern === undefined) continue;
      const targets: RuleTarget[] = ((p.Targets ?? []) as Yaml[]).map((t) => ({
        id: String(t.Id),
        arn: String(t.Arn),
        ...(typeof t.Input === 'string' ? { input: t.Input } : {}),
        ...(typeof t.InputPath === 'string' ? { inputPath: t.InputPath } : {}),
        ...(t.InputTransformer !== undefined
          ? {
              inputTransformer: {
                inputPathsMap: ((t.InputTransformer as Yaml).InputPathsMap ?? {}) as Record<string, string>,
                inputTemplate: String((t.InputTransformer as Yaml).InputTemplate),
              },
            }
          : {}),
      }));
      rules.push({
        name: String(p.Name ?? id),
        pattern: p.EventPattern as Record<string, unknown>,
        targets,
        enabled: p.State !== 'DISABLED',
      });
    } else if (resource.Type === 'AWS::Scheduler::Schedule') {
      const p = local(resource.Properties ?? {}) as Yaml;
      const target = (p.Target ?? {}) as Yaml;
      schedules.push({
        name: String(p.Name ?? id),
        expression: String(p.ScheduleExpression),
        enabled: p.State !== 'DISABLED',
        targetArn: String(target.Arn),
        ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
        ...(typeof (target.RetryPolicy as Yaml | undefined)?.MaximumRetryAttempts === 'number'
          ? { maximumRetryAttempts: (target.RetryPolicy as Yaml).MaximumRetryAttempts as number }
          : {}),
      });
    }
  }

  return { root, service, stage, region, functions, stateMachines, substitutions, rules, schedules, buckets };
}

/**
 * Replaces every `${Name}` the map knows in an ASL definition's text (unknown names are left, as
 * CloudFormation's DefinitionSubstitutions leave text that is not a substitution key).
 */
export function substitutePlaceholders(
  text: string,
  substitutions: Readonly<Record<string, string>>,
): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    name in substitutions ? substitutions[name]! : whole,
  );
}
