import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateRunInput } from '../../../functions/lib/run-config';
import { InputValidationError } from '../../../shared/errors';

const defaults = { dataBucket: 'data-bucket', artifactBucket: 'artifact-bucket', modelPackageGroup: 'g' };
const now = new Date('2024-01-01T00:00:00Z');

describe('validateRunInput under arbitrary input', () => {
  it('either returns a config or throws InputValidationError naming a field, for any JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom('training', 'scoring'), fc.jsonValue(), (workflow, input) => {
        try {
          const config = validateRunInput({ workflow, input, executionName: 'run-1' }, defaults, now);
          expect(config.runId).toBe('run-1');
        } catch (error) {
          expect(error).toBeInstanceOf(InputValidationError);
          expect((error as InputValidationError).field).toBeTruthy();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accepts any mutation of a valid input that only changes optional numbers within range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 16384 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (instanceCount, volumeSizeGb, threshold) => {
          const input = {
            input: { uri: 's3://data-bucket/in.csv' },
            instanceCount,
            volumeSizeGb,
            gate: { metric: 'auc', threshold },
          };
          const config = validateRunInput({ workflow: 'training', input, executionName: 'r' }, defaults, now);
          expect(config).toMatchObject({ instanceCount, volumeSizeGb, gate: { metric: 'auc', threshold } });
        },
      ),
    );
  });
});
