import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateEvaluationError, StatesError } from '../../../../../local/asl/errors';
import {
  evaluateIntrinsic,
  intrinsicProblem,
  isIntrinsicCall,
} from '../../../../../local/asl/intrinsics/index';

/** A tiny resolver for `$.a.b`, `$$.a` and `$var.a` paths over fixed documents. */
function resolver(input: unknown, context: unknown = {}, variables: Record<string, unknown> = {}) {
  return (path: string): unknown => {
    let root: unknown;
    let rest: string;
    if (path.startsWith('$$')) {
      root = context;
      rest = path.slice(2);
    } else if (path.startsWith('$.') || path === '$') {
      root = input;
      rest = path.slice(1);
    } else {
      const name = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(path)![1]!;
      root = variables[name];
      rest = path.slice(name.length + 1);
    }
    for (const key of rest.split('.').filter(Boolean)) {
      if (typeof root !== 'object' || root === null || !(key in root)) {
        throw new StatesError('States.Runtime', `The JSONPath '${path}' could not be found`);
      }
      root = (root as Record<string, unknown>)[key];
    }
    return root;
  };
}

const run = (expression: string, input: unknown = {}) => evaluateIntrinsic(expression, resolver(input));

function failure(expression: string, input: unknown = {}): StatesError {
  try {
    run(expression, input);
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error(`expected ${expression} to fail`);
}

describe('isIntrinsicCall', () => {
  it('recognises a States.* call and rejects paths and plain text', () => {
    expect(isIntrinsicCall("States.Format('{}', $.a)")).toBe(true);
    expect(isIntrinsicCall('States.UUID()')).toBe(true);
    expect(isIntrinsicCall('$.States')).toBe(false);
    expect(isIntrinsicCall('States.Format')).toBe(false);
    expect(isIntrinsicCall('hello')).toBe(false);
  });
});

describe('intrinsicProblem', () => {
  it('accepts a valid call and names an unknown function or a syntax error', () => {
    expect(intrinsicProblem("States.Format('{}', States.Array($.a))")).toBeUndefined();
    expect(intrinsicProblem('States.Array(States.Nope(1))')).toBe(
      "'States.Nope' is not an intrinsic function",
    );
    expect(intrinsicProblem('States.Array(1')).toContain('Invalid intrinsic function call');
  });
});

describe('the intrinsic call parser', () => {
  it("reads string literals with the escapes \\' \\{ \\} and \\\\", () => {
    expect(run("States.Array('it\\'s', '\\{x\\}', 'a\\\\b')")).toEqual(["it's", '{x}', 'a\\b']);
  });

  it('reads numbers, booleans and null', () => {
    expect(run('States.Array(1, -2, 1.5, true, false, null)')).toEqual([1, -2, 1.5, true, false, null]);
  });

  it('resolves $. , $$. and $variable paths through the resolver', () => {
    const resolve = resolver({ a: 1 }, { Execution: { Name: 'run-1' } }, { v: { w: 'x' } });
    expect(evaluateIntrinsic('States.Array($.a, $$.Execution.Name, $v.w)', resolve)).toEqual([
      1,
      'run-1',
      'x',
    ]);
  });

  it('evaluates nested calls, as in the ARN example of the documentation', () => {
    const input = { ImageRecipe: { Arn: 'arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe/1.0.2' } };
    const expression =
      "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
    expect(run(expression, input)).toBe('1.0');
  });

  it('keeps unescaped braces inside a literal given to States.StringToJson', () => {
    expect(run('States.StringToJson(\'{"a": "false"}\')')).toEqual({ a: 'false' });
  });

  it('rejects an unterminated call, an unknown function and more than 10 nested calls', () => {
    expect(failure('States.Array(1, 2').error).toBe('States.Runtime');
    expect(failure('States.Nope(1)').cause).toContain('States.Nope');
    const deep = `${'States.Array('.repeat(11)}1${')'.repeat(11)}`;
    expect(failure(deep).cause).toContain('nested');
  });

  it('raises evaluation errors the state runner prefixes with the state name', () => {
    expect(failure('States.ArrayLength(1)')).toBeInstanceOf(StateEvaluationError);
    expect(failure('States.ArrayLength(1)').cause).toBe(
      "The function 'States.ArrayLength(1)' failed: the first argument must be an array, but was number",
    );
  });

  it('lets path errors from the resolver through unchanged', () => {
    expect(failure('States.Array($.missing)').cause).toBe("The JSONPath '$.missing' could not be found");
  });
});

describe('States.Format', () => {
  it('replaces each {} with the positional argument', () => {
    expect(run("States.Format('Hello, my name is {}.', $.name)", { name: 'Arnav' })).toBe(
      'Hello, my name is Arnav.',
    );
    expect(
      run('States.Format($.template, $.name)', { template: 'Hello, my name is {}.', name: 'Arnav' }),
    ).toBe('Hello, my name is Arnav.');
  });

  it('renders null, numbers, booleans, objects and arrays the way AWS does', () => {
    const input = { n: null, i: 1, f: 1.1, b: true, o: { Id: 'x', Name: 'y' }, a: [1, 'two'] };
    expect(run("States.Format('{} {} {} {} {} {}', $.n, $.i, $.f, $.b, $.o, $.a)", input)).toBe(
      'null 1 1.1 true {Id=x, Name=y} [1, two]',
    );
  });

  it('prints very small and very large doubles in Java notation', () => {
    expect(run("States.Format('{} {} {}', $.a, $.b, $.c)", { a: 0.00001, b: 12345678.5, c: 0.5 })).toBe(
      '1.0E-5 1.23456785E7 0.5',
    );
    expect(run('States.JsonToString($.v)', { v: { x: [0.00015, 2] } })).toBe('{"x":[1.5E-4,2]}');
  });

  it('treats escaped braces in a literal template as text', () => {
    expect(run("States.Format('\\{\\} {}', 'x')")).toBe('{} x');
  });

  it('fails when placeholders and arguments do not match', () => {
    expect(failure("States.Format('{} {}', 'x')").error).toBe('States.Runtime');
    expect(failure("States.Format('{}', 'x', 'y')").error).toBe('States.Runtime');
  });
});

describe('States.StringToJson and States.JsonToString', () => {
  it('parses escaped JSON and serialises compactly', () => {
    expect(run('States.StringToJson($.s)', { s: '{"foo": "bar"}' })).toEqual({ foo: 'bar' });
    expect(run('States.JsonToString($.o)', { o: { foo: 'bar', n: [1, 2] } })).toBe('{"foo":"bar","n":[1,2]}');
  });

  it('returns null for an empty or blank string and 0 for -0', () => {
    expect(run('States.StringToJson($.s)', { s: '' })).toBeNull();
    expect(run('States.StringToJson($.s)', { s: '  ' })).toBeNull();
    expect(Object.is(run('States.StringToJson($.s)', { s: '-0' }), 0)).toBe(true);
  });

  it('fails on text that is not JSON', () => {
    expect(failure('States.StringToJson($.s)', { s: '{nope' }).error).toBe('States.Runtime');
  });
});

describe('the array intrinsics', () => {
  it('States.Array collects its arguments', () => {
    expect(run('States.Array($.Id)', { Id: 123456 })).toEqual([123456]);
    expect(run('States.Array()')).toEqual([]);
  });

  it('States.ArrayPartition chunks an array, the last chunk shorter', () => {
    expect(run('States.ArrayPartition($.a, 4)', { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9],
    ]);
    expect(failure('States.ArrayPartition($.a, 0)', { a: [1] }).error).toBe('States.Runtime');
    expect(failure("States.ArrayPartition('x', 1)").error).toBe('States.Runtime');
  });

  it('States.ArrayContains compares values structurally', () => {
    const input = { a: [1, { k: [2] }, 'x'] };
    expect(run('States.ArrayContains($.a, $.v)', { ...input, v: { k: [2] } })).toBe(true);
    expect(run('States.ArrayContains($.a, 5)', input)).toBe(false);
  });

  it('States.ArrayRange counts from first to last inclusive by step', () => {
    expect(run('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
    expect(run('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(failure('States.ArrayRange(1, 9, 0)').error).toBe('States.Runtime');
    expect(failure('States.ArrayRange(1, 1.5, 1)').error).toBe('States.Runtime');
    expect(failure('States.ArrayRange(0, 1000, 1)').cause).toContain('1000');
  });

  it('States.ArrayGetItem returns the item at a zero-based index', () => {
    expect(run('States.ArrayGetItem($.a, 5)', { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toBe(6);
    expect(failure('States.ArrayGetItem($.a, 3)', { a: [1, 2, 3] }).cause).toContain('out of bounds');
    expect(failure('States.ArrayGetItem($.a, -1)', { a: [1] }).error).toBe('States.Runtime');
  });

  it('States.ArrayLength and States.ArrayUnique', () => {
    expect(run('States.ArrayLength($.a)', { a: [1, 2, 3] })).toBe(3);
    expect(run('States.ArrayUnique($.a)', { a: [1, 2, 3, 3, 3, 3, 3, 3, 4, { x: 1 }, { x: 1 }] })).toEqual([
      1,
      2,
      3,
      4,
      { x: 1 },
    ]);
  });
});

describe('the encoding and hashing intrinsics', () => {
  it('States.Base64Encode and States.Base64Decode round-trip UTF-8 text', () => {
    expect(run("States.Base64Encode('Data to encode')")).toBe('RGF0YSB0byBlbmNvZGU=');
    expect(run("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')")).toBe('Data to encode');
    expect(run("States.Base64Decode(States.Base64Encode('héllo ✓'))")).toBe('héllo ✓');
  });

  it('refuses base64 input over 10,000 characters or malformed', () => {
    expect(failure('States.Base64Encode($.s)', { s: 'a'.repeat(10_001) }).cause).toContain('10000');
    expect(failure("States.Base64Decode('@@@')").error).toBe('States.Runtime');
    expect(run("States.Base64Decode('SGk')")).toBe('Hi');
  });

  it('States.Hash computes every supported digest in hex', () => {
    for (const [name, node] of [
      ['MD5', 'md5'],
      ['SHA-1', 'sha1'],
      ['SHA-256', 'sha256'],
      ['SHA-384', 'sha384'],
      ['SHA-512', 'sha512'],
    ] as const) {
      const expected = createHash(node).update('input data', 'utf8').digest('hex');
      expect(run(`States.Hash('input data', '${name}')`)).toBe(expected);
    }
    expect(failure("States.Hash('x', 'SHA-3')").cause).toContain('SHA-3');
  });
});

describe('States.JsonMerge', () => {
  it('merges shallowly, the second object winning', () => {
    const input = { a: { a1: 1, inner: { x: 1 } }, b: { b1: 2, inner: { y: 2 } } };
    expect(run('States.JsonMerge($.a, $.b, false)', input)).toEqual({ a1: 1, b1: 2, inner: { y: 2 } });
  });

  it('refuses deep merging and non-objects', () => {
    expect(failure('States.JsonMerge($.a, $.a, true)', { a: {} }).error).toBe('States.Runtime');
    expect(failure('States.JsonMerge($.a, 1, false)', { a: {} }).error).toBe('States.Runtime');
  });
});

describe('the math intrinsics', () => {
  it('States.MathAdd rounds each operand half up, as AWS does', () => {
    expect(run('States.MathAdd(111, -1)')).toBe(110);
    expect(run('States.MathAdd(1.49, 1.5)')).toBe(3);
    expect(run('States.MathAdd(-2.5, 0)')).toBe(-2);
    expect(run('States.MathAdd(-0.5, 0)')).toBe(0);
    expect(failure("States.MathAdd('1', 2)").error).toBe('States.Runtime');
  });

  it('States.MathRandom returns an integer in [start, end) from the injected source', () => {
    const low = evaluateIntrinsic('States.MathRandom(1, 999)', resolver({}), { random: () => 0 });
    const high = evaluateIntrinsic('States.MathRandom(1, 999)', resolver({}), { random: () => 0.999999 });
    expect([low, high]).toEqual([1, 998]);
  });

  it('States.MathRandom with a seed returns the same number every time', () => {
    const first = run('States.MathRandom(1, 1000000, 42)');
    expect(run('States.MathRandom(1, 1000000, 42)')).toBe(first);
    expect(failure('States.MathRandom(5, 5)').error).toBe('States.Runtime');
  });

  it('States.MathRandom accepts non-integer bounds, rounding them as AWS does', () => {
    const low = evaluateIntrinsic('States.MathRandom(12.5, 44.51)', resolver({}), { random: () => 0 });
    const high = evaluateIntrinsic('States.MathRandom(12.5, 44.51)', resolver({}), {
      random: () => 0.999999,
    });
    expect([low, high]).toEqual([13, 44]);
  });
});

describe('States.StringSplit and States.UUID', () => {
  it('splits on every delimiter character and drops empty pieces', () => {
    expect(run("States.StringSplit('1,2,3,4,5', ',')")).toEqual(['1', '2', '3', '4', '5']);
    expect(run("States.StringSplit('This.is+a,test=string', '.+,=')")).toEqual([
      'This',
      'is',
      'a',
      'test',
      'string',
    ]);
    expect(run("States.StringSplit('a,,b,', ',')")).toEqual(['a', 'b']);
  });

  it('States.UUID returns a version 4 UUID, or the injected one', () => {
    expect(run('States.UUID()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(evaluateIntrinsic('States.UUID()', resolver({}), { uuid: () => 'fixed' })).toBe('fixed');
    expect(failure('States.UUID(1)').error).toBe('States.Runtime');
  });
});

describe('argument checking of every intrinsic', () => {
  const invalid: [string, string][] = [
    ["States.Format(1, 'x')", 'first argument must be a string'],
    ['States.StringToJson(1)', 'first argument must be a string'],
    ['States.JsonToString(1, 2)', 'takes 1 argument'],
    ["States.ArrayPartition('x', 2)", 'first argument must be an array'],
    ["States.ArrayContains('x', 1)", 'first argument must be an array'],
    ["States.ArrayRange(1, 'x', 1)", 'second argument must be a number'],
    ['States.ArrayGetItem(States.Array(1), 0.5)', 'second argument must be an integer'],
    ["States.ArrayLength('x')", 'first argument must be an array'],
    ['States.ArrayUnique(1)', 'first argument must be an array'],
    ['States.Base64Encode(1)', 'first argument must be a string'],
    ['States.Base64Decode(null)', 'first argument must be a string'],
    ["States.Hash(null, 'MD5')", 'must not be null'],
    ['States.JsonMerge(States.Array(), States.Array(), false)', 'first argument must be a JSON object'],
    ["States.MathRandom('a', 2)", 'first argument must be a number'],
    ['States.MathAdd(2147483648, 0)', 'outside the range'],
    ["States.StringSplit('a', 1)", 'second argument must be a string'],
    ["States.UUID('x')", 'takes 0 argument'],
  ];

  it.each(invalid)('%s fails with States.Runtime saying the %s', (expression, detail) => {
    const error = failure(expression);

    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toContain(detail);
  });
});
