import { describe, expect, it } from 'vitest';
import { checkDistributedMapScopes } from '../../../../local/asl/index';
import { jsonataVariables, jsonPathVariables } from '../../../../local/asl/scope-check';

const DISTRIBUTED = { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' };

function machine(map: object, language: 'JSONata' | 'JSONPath' = 'JSONata'): object {
  return {
    QueryLanguage: language,
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { plan: { bucket: 'b' }, config: { n: 2 } }, Next: 'Each' },
      Each: { Type: 'Map', ...map, End: true },
    },
  };
}

const child = (state: object) => ({
  ProcessorConfig: DISTRIBUTED,
  StartAt: 'C',
  States: { C: { ...state, End: true } },
});
const passChild = child({ Type: 'Pass' });

describe('checkDistributedMapScopes', () => {
  it('flags an outer variable in each of a Distributed Map own fields', () => {
    const findings = checkDistributedMapScopes(
      machine({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          Arguments: { Bucket: '{% $plan.bucket %}', Key: '{% $states.input.key %}' },
        },
        ItemSelector: { value: '{% $states.context.Map.Item.Value %}', n: '{% $config.n %}' },
        ItemBatcher: { MaxItemsPerBatch: '{% $config.n %}' },
        MaxConcurrency: '{% $config.n %}',
        ToleratedFailurePercentage: '{% $config.n %}',
        ToleratedFailureCount: '{% $config.n %}',
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Arguments: { Bucket: '{% $plan.bucket %}' },
        },
        ItemProcessor: passChild,
      }),
    );
    expect(findings.map((f) => [f.state, f.field, f.variable])).toEqual([
      ['Each', 'ItemReader/Arguments/Bucket', 'plan'],
      ['Each', 'ItemSelector/n', 'config'],
      ['Each', 'ItemBatcher/MaxItemsPerBatch', 'config'],
      ['Each', 'MaxConcurrency', 'config'],
      ['Each', 'ToleratedFailureCount', 'config'],
      ['Each', 'ToleratedFailurePercentage', 'config'],
      ['Each', 'ResultWriter/Arguments/Bucket', 'plan'],
    ]);
    expect(findings[0]!.path).toBe('/States/Each/ItemReader/Arguments/Bucket');
    expect(findings[0]!.message).toContain("Distributed Map state 'Each'");
  });

  it('flags a child workflow reading a variable it never assigns, and not one it assigns', () => {
    const findings = checkDistributedMapScopes(
      machine({
        Items: '{% $states.input.items %}',
        ItemProcessor: {
          ProcessorConfig: DISTRIBUTED,
          StartAt: 'A',
          States: {
            A: { Type: 'Pass', Assign: { own: 1 }, Next: 'B' },
            B: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Arguments: { x: '{% $own + $plan.n %}' },
              End: true,
            },
          },
        },
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      state: 'Each',
      field: 'ItemProcessor/States/B/Arguments/x',
      variable: 'plan',
      path: '/States/Each/ItemProcessor/States/B/Arguments/x',
    });
  });

  it('finds JSONPath variable references in .$ fields, *Path fields and intrinsic function arguments', () => {
    const findings = checkDistributedMapScopes(
      machine(
        {
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            Parameters: { 'Bucket.$': '$plan.bucket', 'Key.$': "States.Format('{}/in', $config.prefix)" },
          },
          MaxConcurrencyPath: '$config.n',
          ItemProcessor: child({ Type: 'Pass', Parameters: { 'v.$': '$.value', 'w.$': '$$.Execution.Id' } }),
        },
        'JSONPath',
      ),
    );
    expect(findings.map((f) => [f.field, f.variable])).toEqual([
      ['ItemReader/Parameters/Bucket.$', 'plan'],
      ['ItemReader/Parameters/Key.$', 'config'],
      ['MaxConcurrencyPath', 'config'],
    ]);
  });

  it('finds nothing in a Distributed Map that takes every value from its input', () => {
    const definition = machine({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        Arguments: { Bucket: '{% $states.input.bucket %}', Key: '{% $states.input.key %}' },
      },
      MaxConcurrency: 10,
      ItemProcessor: child({ Type: 'Pass', Output: '{% $states.input %}' }),
      Assign: { after: '{% $plan %}' },
      Output: '{% $config %}',
    });
    expect(checkDistributedMapScopes(definition)).toEqual([]);
  });

  it('ignores inline Maps, which may read outer variables', () => {
    const definition = machine({
      Items: '{% $plan.items %}',
      ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Pass', Output: '{% $config %}', End: true } } },
    });
    expect(checkDistributedMapScopes(definition)).toEqual([]);
  });

  it('checks Distributed Maps nested in Parallel branches', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'M',
              States: {
                M: { Type: 'Map', MaxConcurrency: '{% $limit %}', ItemProcessor: passChild, End: true },
              },
            },
          ],
          End: true,
        },
      },
    };
    expect(checkDistributedMapScopes(definition)).toMatchObject([
      {
        state: 'M',
        field: 'MaxConcurrency',
        variable: 'limit',
        path: '/States/P/Branches[0]/States/M/MaxConcurrency',
      },
    ]);
  });
});

describe('jsonataVariables', () => {
  it('skips $states, function calls, string literals, local bindings and lambda parameters', () => {
    expect(
      jsonataVariables(
        "( $x := $plan.a; $map($items, function($v) { $v & '$notAVar' & $x }) ~> $count() ) & $$.y",
      ),
    ).toEqual(['plan', 'items']);
    expect(jsonataVariables('$states.input.a & $uuid()')).toEqual([]);
  });
});

describe('jsonPathVariables', () => {
  it('reads variables but not $, $$ or paths', () => {
    expect(jsonPathVariables('$.a.b')).toEqual([]);
    expect(jsonPathVariables('$$.Map.Item.Value')).toEqual([]);
    expect(jsonPathVariables('$plan.items[0]')).toEqual(['plan']);
    expect(jsonPathVariables("States.Format('{} $x', $.a, $prefix)")).toEqual(['prefix']);
  });
});
