import { describe, expect, it } from 'vitest';
import { parseDefinition, StatesError } from '../../../../local/asl/index';

describe('parseDefinition', () => {
  it('builds typed states with their query language, successor and sub-programs resolved', () => {
    const program = parseDefinition({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } } }],
          Next: 'M',
        },
        M: {
          Type: 'Map',
          ItemSelector: { v: '{% $states.context.Map.Item.Value %}' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
            StartAt: 'C',
            States: { C: { Type: 'Succeed' } },
          },
          End: true,
        },
      },
    });
    expect(program.language).toBe('JSONata');
    const parallel = program.states.get('P');
    const map = program.states.get('M');
    if (parallel?.Type !== 'Parallel' || map?.Type !== 'Map') throw new Error('wrong types');
    expect(parallel.next).toBe('M');
    expect(parallel.Retry).toEqual([]);
    expect(parallel.Branches[0]!.states.get('B')).toMatchObject({
      Type: 'Pass',
      language: 'JSONata',
      next: undefined,
    });
    expect(map).toMatchObject({
      distributed: true,
      next: undefined,
      selector: { v: '{% $states.context.Map.Item.Value %}' },
    });
    expect(map.processor.states.get('C')).toMatchObject({ Type: 'Succeed', language: 'JSONata' });
  });

  it('keeps JSONPath as the default and notes whether a Pass state has a Result', () => {
    const program = parseDefinition({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Result: null, Next: 'B' }, B: { Type: 'Pass', End: true } },
    });
    expect(program.states.get('A')).toMatchObject({ language: 'JSONPath', hasResult: true, next: 'B' });
    expect(program.states.get('B')).toMatchObject({ hasResult: false });
  });

  it('rejects an invalid definition with States.InvalidDefinition before building anything', () => {
    expect(() => parseDefinition({ StartAt: 'X', States: {} })).toThrow(StatesError);
  });
});
