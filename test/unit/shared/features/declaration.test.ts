import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../../shared/errors';
import {
  type ColumnSchema,
  readDeclaration,
  resolveDeclaration,
  type TableIR,
  type Workflow,
} from '../../../../shared/features';
import { Problems } from '../../../../shared/fields';

const COLUMNS: ColumnSchema[] = [
  { name: 'customer_id', type: 'string' },
  { name: 'signup', type: 'date' },
  { name: 'tenure', type: 'number' },
  { name: 'plan', type: 'string' },
  { name: 'active', type: 'boolean' },
  { name: 'churned', type: 'number' },
];

function resolve(raw: unknown, workflow: Workflow = 'train', columns = COLUMNS): TableIR {
  const problems = new Problems('training input');
  const declaration = readDeclaration(raw, 'table', problems);
  const ir =
    declaration === undefined
      ? undefined
      : resolveDeclaration(declaration, columns, {
          workflow,
          path: 'table',
          problems,
          source: 's3://d/t.csv',
        });
  problems.throwIfAny();
  return ir as TableIR;
}

function problem(raw: unknown, workflow: Workflow = 'train', columns = COLUMNS): InputValidationError {
  try {
    resolve(raw, workflow, columns);
  } catch (error) {
    return error as InputValidationError;
  }
  throw new Error('expected a validation error');
}

describe('table declarations', () => {
  it('takes every other column as a feature with its kind from the sniffed type', () => {
    const ir = resolve({ id: 'customer_id', label: 'churned', time: 'signup' });
    expect(ir.features.map((f) => [f.column, f.kind])).toEqual([
      ['tenure', 'numeric'],
      ['plan', 'categorical'],
      ['active', 'boolean'],
    ]);
    expect(ir.features[1]?.outputs.at(-1)).toBe('f_plan_other');
    expect(ir.split).toEqual({ by: 'hash', train: 0.7, validation: 0.15, test: 0.15 });
    expect(ir.badCellThreshold).toBe(0.01);
  });

  it('names the field and the column of a misspelt feature and suggests the nearest column', () => {
    const error = problem({ label: 'churned', features: ['tenure', 'plann'] });
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('table.features[1].column');
    expect(error.message).toContain("no column 'plann' in s3://d/t.csv (did you mean 'plan'?)");
  });

  it('suggests the nearest column for a misspelt label, id, time and where column', () => {
    const error = problem({ id: 'customerid', label: 'churn', time: 'sign_up', where: 'tenur > 1' });
    expect(error.message).toContain(
      "table.id: no column 'customerid' in s3://d/t.csv (did you mean 'customer_id'?)",
    );
    expect(error.message).toContain(
      "table.label: no column 'churn' in s3://d/t.csv (did you mean 'churned'?)",
    );
    expect(error.message).toContain(
      "table.time: no column 'sign_up' in s3://d/t.csv (did you mean 'signup'?)",
    );
    expect(error.message).toContain(
      "table.where: no column 'tenur' in s3://d/t.csv (did you mean 'tenure'?)",
    );
  });

  it('refuses a label that is not numeric, naming the column', () => {
    const error = problem({ label: 'plan' });
    expect(error.field).toBe('table.label');
    expect(error.message).toContain("the label column 'plan' must be numeric");
  });

  it('requires a label for training but not for scoring, where the label column may be absent', () => {
    expect(problem({}).field).toBe('table.label');
    const scoring = COLUMNS.filter((c) => c.name !== 'churned');
    expect(resolve({ label: 'churned', id: 'customer_id' }, 'score', scoring).label).toBeUndefined();
  });

  it('rejects unknown fields with a suggestion and bad kinds with the allowed ones', () => {
    const error = problem({ lable: 'churned', features: [{ column: 'plan', kind: 'category' }] });
    expect(error.message).toContain("unknown field 'table.lable' (did you mean 'table.label'?)");
    expect(error.message).toContain(
      "table.features[0].kind must be one of 'numeric', 'categorical', 'boolean', 'timestamp'",
    );
  });

  it('checks split fractions and a time split without a time column', () => {
    expect(
      problem({ label: 'churned', split: { train: 0.8, validation: 0.3, test: 0.1 } }).message,
    ).toContain('must add up to 1');
    expect(
      problem({
        label: 'churned',
        split: { by: 'time', validationFrom: '2024-01-01', testFrom: '2024-02-01' },
      }).message,
    ).toContain("split.by 'time' needs table.time");
  });

  it('reports a where syntax error with its position', () => {
    expect(problem({ label: 'churned', where: 'tenure > 1 AND upper(plan) = 1' }).message).toContain(
      "table.where: functions are not allowed in a filter ('upper(' at 16)",
    );
  });

  it('lets a declared kind override the sniffed type and expands timestamps into parts', () => {
    const ir = resolve({
      label: 'churned',
      time: 'signup',
      features: [{ column: 'tenure', kind: 'categorical', encoding: 'ordinal' }, 'signup'],
    });
    expect(ir.features[0]).toMatchObject({ type: 'string', kind: 'categorical', outputs: ['f_tenure'] });
    expect(ir.features[1]?.outputs).toEqual([
      'f_signup_year',
      'f_signup_month',
      'f_signup_day',
      'f_signup_dow',
    ]);
  });

  it('refuses the label or the id as a feature', () => {
    expect(problem({ id: 'customer_id', label: 'churned', features: ['churned'] }).message).toContain(
      "'churned' is the label column",
    );
  });
});
