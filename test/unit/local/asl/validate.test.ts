import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ResourceRegistry, StateMachine, StatesError, validateDefinition } from '../../../../local/asl/index';

describe('validateDefinition', () => {
  it('accepts a well-formed definition', () => {
    expect(() =>
      validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
    ).not.toThrow();
  });

  it('rejects a StartAt that names no state', () => {
    expect(() => validateDefinition({ StartAt: 'B', States: { A: { Type: 'Pass', End: true } } })).toThrow(
      /MISSING_TRANSITION_TARGET: Missing 'Next' target: B/,
    );
  });

  it('rejects a Next that names no state', () => {
    expect(() => validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Z' } } })).toThrow(
      /Missing 'Next' target: Z/,
    );
  });

  it('rejects a non-terminal state without Next or End', () => {
    expect(() => validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass' } } })).toThrow(
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at /States/A'",
    );
  });

  it('rejects an unknown state type', () => {
    expect(() => validateDefinition({ StartAt: 'A', States: { A: { Type: 'Nope', End: true } } })).toThrow(
      StatesError,
    );
  });

  it('checks the states of Parallel branches and Map processors', () => {
    expect(() =>
      validateDefinition({
        StartAt: 'P',
        States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: {} }], End: true } },
      }),
    ).toThrow(/Missing 'Next' target: X/);
  });

  it('lists every problem, as AWS does, including unreachable states', () => {
    expect(() =>
      validateDefinition({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Next: 'Z' }, B: { Type: 'Succeed' } },
      }),
    ).toThrow(
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Z at /States/A/Next, MISSING_TRANSITION_TARGET: State \"B\" is not reachable. at /States/B'",
    );
  });

  it('requires the fields each state type needs', () => {
    expect(() => validateDefinition({ StartAt: 'C', States: { C: { Type: 'Choice' } } })).toThrow(
      'These fields are required: [Choices] at /States/C',
    );
  });

  it('rejects JSONPath fields in a JSONata state', () => {
    expect(() =>
      validateDefinition({
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', InputPath: '$.x', End: true } },
      }),
    ).toThrow(/'InputPath' is not supported with the JSONata query language at \/States\/A\/InputPath/);
  });

  it('requires States.ALL to be alone in the last catcher', () => {
    expect(() =>
      validateDefinition({
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::x:y',
            Catch: [
              { ErrorEquals: ['States.ALL'], Next: 'T' },
              { ErrorEquals: ['E'], Next: 'T' },
            ],
            End: true,
          },
        },
      }),
    ).toThrow(/States.ALL must appear alone in the last catcher/);
  });

  it('refuses .sync and .waitForTaskToken in Express state machines', () => {
    const definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', End: true },
      },
    };
    expect(() => validateDefinition(definition)).not.toThrow();
    expect(() => validateDefinition(definition, { type: 'EXPRESS' })).toThrow(
      "Express state machine does not support '.sync' service integration at /States/T/Resource",
    );
  });

  it('rejects a JSONPath field that does not parse', () => {
    expect(() =>
      validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', InputPath: 'items', End: true } } }),
    ).toThrow("The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath");
  });

  it('rejects a .$ value that is neither a path nor an intrinsic function call', () => {
    expect(() =>
      validateDefinition({
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'x.$': 'plain' }, End: true } },
      }),
    ).toThrow(
      "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters",
    );
  });

  it('runs when the StateMachine is built', () => {
    expect(
      () => new StateMachine({ StartAt: 'A', States: {} }, { registry: new ResourceRegistry() }),
    ).toThrow(/Invalid State Machine Definition/);
  });

  it.each(
    readdirSync(new URL('../../../../statemachines/', import.meta.url)).filter((f) =>
      f.endsWith('.asl.json'),
    ),
  )('accepts the project state machine %s', (file) => {
    const text = readFileSync(new URL(`../../../../statemachines/${file}`, import.meta.url), 'utf8');
    expect(() => validateDefinition(JSON.parse(text))).not.toThrow();
  });
});
