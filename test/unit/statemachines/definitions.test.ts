import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { checkDistributedMapScopes } from '../../../local/asl';
import * as errors from '../../../shared/errors';
import {
  definitionSubstitutions,
  jsonataExpressions,
  loadDefinition,
  placeholders,
  repoRoot,
  serverlessConfig,
  statesOf,
  WORKFLOWS,
} from './helpers';

/**
 * Error names raised by the AWS service integrations themselves (not by our code), which the
 * state machines retry: Lambda service errors and SageMaker's generic exception. A bare
 * `ThrottlingException` is not among them: no integration reports an error by that name.
 */
const AWS_INTEGRATION_ERRORS = new Set([
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'SageMaker.AmazonSageMakerException',
]);

/**
 * Entry states of a clean-up chain (the endpoint mode's): a catch may assign `$failure` and go there
 * instead of NotifyFailure; the chain deletes what the run created, then goes on to NotifyFailure.
 */
const CLEANUP_ENTRIES = new Set(['CleanUpEndpoint']);

/** The states of the clean-up chains, from their entries up to (not including) `AfterEndpointCleanup`. */
function cleanupChain(
  states: Record<string, { Next?: string; Default?: string; Choices?: { Next: string }[] }>,
) {
  const chain = new Set<string>();
  const pending = [...CLEANUP_ENTRIES];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const state = states[name];
    if (name === 'AfterEndpointCleanup' || chain.has(name) || state === undefined) continue;
    chain.add(name);
    pending.push(
      ...[state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)].filter(
        (next): next is string => next !== undefined,
      ),
    );
  }
  return chain;
}

/** Names our code can throw: every error class exported by shared/errors.ts. */
const THROWN_ERROR_NAMES = new Set(
  (Object.values(errors) as unknown[])
    .filter((value): value is new (message: string) => Error => typeof value === 'function')
    .filter((ctor) => ctor.prototype instanceof Error)
    .map((ctor) => new ctor('probe').name),
);

describe.each(WORKFLOWS)('the %s state machine definition', (workflow) => {
  const definition = loadDefinition(workflow);
  const states = statesOf(definition);

  it('is JSON in the JSONata query language', () => {
    // Assess
    expect(definition.QueryLanguage).toBe('JSONata');
    expect(Object.keys(definition.States).length).toBeGreaterThan(5);
  });

  it('passes asl-validator', () => {
    // Act
    const result = aslValidator(definition);

    // Assess
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('gives its Distributed Maps no outer variable: every value comes from the state input', () => {
    // AWS documents that a distributed child workflow cannot see outer variables; whether the Map
    // state's own fields can is undocumented, so neither may depend on one.
    const findings = checkDistributedMapScopes(definition as never);
    expect(findings.map((f) => f.message)).toEqual([]);
  });

  it('matches only States.* errors, AWS integration errors or error names the code throws', () => {
    // Prepare
    const unknown: string[] = [];

    // Act
    for (const { name, state } of states) {
      for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
        for (const error of rule.ErrorEquals) {
          const known =
            error.startsWith('States.') || AWS_INTEGRATION_ERRORS.has(error) || THROWN_ERROR_NAMES.has(error);
          if (!known) unknown.push(`${name}: ${error}`);
        }
      }
    }

    // Assess
    expect(THROWN_ERROR_NAMES).toContain('TransientError');
    expect(unknown).toEqual([]);
  });

  it('uses only placeholders defined in serverless.yml custom.definitionSubstitutions', () => {
    // Prepare
    const defined = Object.keys(definitionSubstitutions());

    // Act
    const used = placeholders(workflow);

    // Assess
    expect(used.length).toBeGreaterThan(3);
    expect(used.filter((name) => !defined.includes(name))).toEqual([]);
  });

  it('invokes only Lambda functions declared in serverless.yml, through their ARN substitution', () => {
    // Prepare
    const functions = serverlessConfig().functions as Record<string, { handler: string }>;
    const substitutions = definitionSubstitutions();

    // Act
    const invoked = placeholders(workflow)
      .filter((name) => name.endsWith('FunctionArn'))
      .map((name) => ({ name, fn: kebab(name.slice(0, -'FunctionArn'.length)) }));

    // Assess
    expect(invoked.length).toBeGreaterThan(3);
    for (const { name, fn } of invoked) {
      expect(functions[fn], `serverless.yml function ${fn}`).toBeDefined();
      expect(functions[fn]?.handler).toBe(`functions/${fn}.handler`);
      expect(substitutions[name]).toEqual({ 'Fn::GetAtt': [`${logicalName(fn)}LambdaFunction`, 'Arn'] });
    }
  });

  it('has a handler module in functions/ for every Lambda it invokes', () => {
    // Prepare
    const invoked = placeholders(workflow)
      .filter((name) => name.endsWith('FunctionArn'))
      .map((name) => kebab(name.slice(0, -'FunctionArn'.length)));

    // Act
    const missing = invoked.filter((fn) => !existsSync(path.join(repoRoot, 'functions', `${fn}.ts`)));

    // Assess
    expect(missing).toEqual([]);
  });

  it('has JSONata expressions that all compile', () => {
    // Prepare
    const failures: string[] = [];
    const expressions = jsonataExpressions(definition);

    // Act
    for (const { where, expression } of expressions) {
      try {
        jsonata(expression);
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`);
      }
    }

    // Assess
    expect(expressions.length).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });

  it('retries every task on throttling with exponential backoff and full jitter', () => {
    // Prepare: the EMR Serverless integration's error names are undocumented, so it has no retrier
    const tasks = states.filter(
      ({ state }) => state.Type === 'Task' && !String(state.Resource).includes(':emr-serverless:'),
    );

    // Act
    const withoutRetry = tasks
      .filter(({ state }) => {
        const retriers = state.Retry ?? [];
        return !retriers.some(
          (retrier) =>
            retrier.JitterStrategy === 'FULL' &&
            (retrier.BackoffRate ?? 2) > 1 &&
            retrier.ErrorEquals.some((error) =>
              /TooManyRequests|AmazonSageMakerException|States\.ALL/.test(error),
            ),
        );
      })
      .map(({ name }) => name);

    // Assess
    expect(tasks.length).toBeGreaterThan(4);
    expect(withoutRetry).toEqual([]);
  });

  it('never retries the feature job, whose integration error names Step Functions does not document', () => {
    // Prepare
    const emrTasks = states.filter(({ state }) => String(state.Resource).includes(':emr-serverless:'));

    // Act
    const retried = emrTasks.filter(({ state }) => (state.Retry ?? []).length > 0).map(({ name }) => name);

    // Assess
    expect(emrTasks.map(({ name }) => name)).toContain('FeatureJob');
    expect(retried).toEqual([]);
  });

  it('retries a SageMaker API error at most once, since the same name covers permanent rejections', () => {
    // Prepare
    const sageMakerTasks = states.filter(({ state }) => String(state.Resource).includes(':sagemaker:'));

    // Act
    const attempts = sageMakerTasks.flatMap(({ state }) =>
      (state.Retry ?? [])
        .filter((retrier) => retrier.ErrorEquals.includes('SageMaker.AmazonSageMakerException'))
        .map((retrier) => retrier.MaxAttempts ?? 3),
    );

    // Assess
    expect(attempts.length).toBe(sageMakerTasks.length);
    for (const n of attempts) expect(n).toBeLessThanOrEqual(2);
  });

  it('never reads the redrive count: a caught failure ends in Fail, so recovery is a new run', () => {
    // Act
    const text = JSON.stringify(definition);

    // Assess
    expect(text).not.toContain('RedriveCount');
  });

  it('catches every failure of a top-level task or map, notifies, then fails with the original error', () => {
    // Prepare
    const topLevel = Object.entries(definition.States);

    // Act: the tasks that only refine $failure after a caught failure catch everything without assigning it
    const failurePath = new Set<string>();
    const pending = topLevel.flatMap(([, state]) =>
      (state.Catch ?? [])
        .filter(
          (catcher) =>
            catcher.Next !== 'NotifyFailure' &&
            !CLEANUP_ENTRIES.has(catcher.Next) &&
            catcher.Assign?.failure !== undefined,
        )
        .map((catcher) => catcher.Next),
    );
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      const state = definition.States[name] as
        | { Next?: string; Default?: string; Choices?: { Next: string }[] }
        | undefined;
      if (name === 'NotifyFailure' || failurePath.has(name) || state === undefined) continue;
      failurePath.add(name);
      pending.push(
        ...[state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)].filter(
          (next): next is string => next !== undefined,
        ),
      );
    }
    const isRefiner = (name: string): boolean => failurePath.has(name);
    const refiners = topLevel.filter(([name, state]) => state.Type === 'Task' && isRefiner(name));
    const unsafeRefiners = refiners
      .filter(
        ([, state]) =>
          !state.Catch?.some(
            (catcher) =>
              catcher.ErrorEquals.includes('States.ALL') &&
              catcher.Next === 'NotifyFailure' &&
              catcher.Assign?.failure === undefined,
          ),
      )
      .map(([name]) => name);
    const chain = cleanupChain(definition.States);
    const uncaught = topLevel
      .filter(
        ([name, state]) =>
          (state.Type === 'Task' || state.Type === 'Map') &&
          name !== 'NotifyFailure' &&
          !isRefiner(name) &&
          !chain.has(name),
      )
      .filter(
        ([name, state]) =>
          !state.Catch?.some(
            (catcher) =>
              catcher.ErrorEquals.includes('States.ALL') &&
              (catcher.Next === 'NotifyFailure' || CLEANUP_ENTRIES.has(catcher.Next)) &&
              catcher.Assign?.failure === '{% $states.errorOutput %}' &&
              catcher.Assign?.failedState === name,
          ),
      )
      .map(([name]) => name);

    // Assess
    expect(uncaught).toEqual([]);
    expect(unsafeRefiners).toEqual([]);
    const notify = definition.States.NotifyFailure;
    expect(notify?.Resource).toBe('arn:aws:states:::events:putEvents');
    expect(notify?.Next).toBe('Failed');
    expect(JSON.stringify(notify?.Arguments)).toContain('"Source":"sparkmaker"');
    const failed = definition.States.Failed;
    expect(failed?.Type).toBe('Fail');
    expect(failed?.Error).toBe('{% $failure.Error %}');
    expect(failed?.Cause).toContain('$failure.Cause');
  });

  it('cleans up after a caught failure without losing it, then notifies and fails', () => {
    // Prepare
    const chain = cleanupChain(definition.States);
    if (chain.size === 0) return;

    // Act: every task of the chain catches everything and goes on, leaving $failure as it was
    const unsafe = [...chain]
      .map((name) => [name, definition.States[name]!] as const)
      .filter(([, state]) => state.Type === 'Task')
      .filter(
        ([, state]) =>
          !state.Catch?.some(
            (catcher) => catcher.ErrorEquals.includes('States.ALL') && catcher.Assign?.failure === undefined,
          ),
      )
      .map(([name]) => name);

    // Assess
    expect(chain.has('DeleteEndpoint')).toBe(true);
    expect(unsafe).toEqual([]);
    expect(definition.States.AfterEndpointCleanup?.Default).toBe('NotifyFailure');
  });

  it('carries no data rows in payloads: every Lambda payload field is an S3 URI, an id or a setting', () => {
    // Prepare
    const text = readFileSync(path.join(repoRoot, 'statemachines', `${workflow}.asl.json`), 'utf8');

    // Assess
    expect(text).not.toMatch(/\$states\.input\.(rows|records|data)\b/);
    expect(Buffer.byteLength(text)).toBeLessThan(1_000_000);
  });
});

function kebab(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** osls's normalised function name: `plan-shards` → `PlanDashshards`. */
function logicalName(fn: string): string {
  const normalised = fn.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return normalised.charAt(0).toUpperCase() + normalised.slice(1);
}
