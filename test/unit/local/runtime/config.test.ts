import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig, normalizeName, substitutePlaceholders } from '../../../../local/runtime/config';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const config = loadProjectConfig(root);

describe('the offline reading of serverless.yml', () => {
  it('gives every ${Placeholder} used in the state machines a local value', () => {
    for (const machine of config.stateMachines) {
      const text = readFileSync(join(root, machine.definitionFile), 'utf8');
      const definition = JSON.parse(text) as { States: object };
      const used = new Set(
        [...JSON.stringify(definition.States).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!),
      );

      const missing = [...used].filter((name) => !(name in config.substitutions));

      expect(missing, machine.key).toEqual([]);
      expect(substitutePlaceholders(JSON.stringify(definition.States), config.substitutions)).not.toMatch(
        /\$\{[A-Z]/,
      );
    }
  });

  it('resolves function ARNs, buckets and the EMR application to the local names of the contract', () => {
    expect(config.substitutions).toMatchObject({
      DataBucket: 'sparkmaker-data',
      ArtifactBucket: 'sparkmaker-artifacts',
      EmrApplicationId: 'local',
      ValidateInputFunctionArn:
        'arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-validate-input',
    });
  });

  it('reads each function with its handler file, memory, timeout and merged environment', () => {
    const trigger = config.functions.find((fn) => fn.name === 's3-trigger');

    expect(trigger).toMatchObject({
      functionName: 'sparkmaker-dev-s3-trigger',
      handlerFile: 'functions/s3-trigger.ts',
      handlerExport: 'handler',
      environment: {
        DATA_BUCKET: 'sparkmaker-data',
        TRAINING_STATE_MACHINE_ARN:
          'arn:aws:states:us-east-1:000000000000:stateMachine:sparkmaker-dev-training',
      },
    });
    expect(trigger?.timeout).toBeGreaterThan(0);
    expect(trigger?.environment).not.toHaveProperty('NODE_OPTIONS');
  });

  it('reads the incoming/ rule with its pattern and Lambda target, and the scoring schedule', () => {
    const rule = config.rules[0];
    const schedule = config.schedules[0];

    expect(rule?.pattern).toMatchObject({
      source: ['aws.s3'],
      detail: { bucket: { name: ['sparkmaker-data'] }, object: { key: [{ prefix: 'incoming/' }] } },
    });
    expect(rule?.targets[0]?.arn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-s3-trigger',
    );
    expect(schedule?.expression).toMatch(/^(cron|rate)\(/);
    expect(schedule?.targetArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-schedule-trigger',
    );
    expect(schedule?.maximumRetryAttempts).toBe(10);
    expect(JSON.parse(schedule?.input ?? '{}')).toMatchObject({
      scheduledTime: '<aws.scheduler.scheduled-time>',
      input: { onNothingToScore: 'succeed' },
    });
  });

  it('names functions as serverless does for logical ids', () => {
    expect(normalizeName('validate-input')).toBe('ValidateDashinput');
    expect(normalizeName('score_shard')).toBe('ScoreUnderscoreshard');
  });

  it('leaves text that is not a known placeholder untouched', () => {
    expect(substitutePlaceholders('${DataBucket} ${Unknown} $${x}', { DataBucket: 'b' })).toBe(
      'b ${Unknown} $${x}',
    );
  });
});
