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
      /is not an end state/,
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

  it('runs when the StateMachine is built', () => {
    expect(
      () => new StateMachine({ StartAt: 'A', States: {} }, { registry: new ResourceRegistry() }),
    ).toThrow(/Invalid State Machine Definition/);
  });
});
