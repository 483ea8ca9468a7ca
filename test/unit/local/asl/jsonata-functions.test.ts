import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { awsJsonataBindings } from '../../../../local/asl/jsonata-functions';

async function evaluate(expression: string, options = {}): Promise<unknown> {
  return jsonata(expression).evaluate(null, awsJsonataBindings(options));
}

describe("AWS's JSONata functions", () => {
  it('$partition splits an array into chunks, the last possibly shorter', async () => {
    expect(await evaluate('$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)')).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(await evaluate('$partition([0], 5)')).toEqual([[0]]);
    await expect(evaluate('$partition([], 2)')).rejects.toThrow('empty');
    await expect(evaluate('$partition([1], 0)')).rejects.toThrow('chunk size');
  });

  it('$range returns a single number for a one-item range, as AWS records it', async () => {
    expect(await evaluate('$range(1, 9, 9)')).toBe(1);
  });

  it('$range counts from start to end inclusive by step, backwards with a negative step', async () => {
    expect(await evaluate('$range(0, 10, 2)')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await evaluate('$range(3, 1, -1)')).toEqual([3, 2, 1]);
    expect(await evaluate('$range(0, 10, 3)')).toEqual([0, 3, 6, 9]);
    await expect(evaluate('$range(0, 10, 0)')).rejects.toThrow('step');
  });

  it('$hash computes the hex digest with the named algorithm', async () => {
    const expected = createHash('sha256').update('content', 'utf8').digest('hex');
    expect(await evaluate("$hash('content', 'SHA-256')")).toBe(expected);
    await expect(evaluate("$hash('content', 'CRC32')")).rejects.toThrow('CRC32');
  });

  it('$random uses the injected source, and a seed gives the same value every time', async () => {
    expect(await evaluate('$random()', { random: () => 0.25 })).toBe(0.25);
    const seeded = await evaluate('$random(7)');
    expect(await evaluate('$random(7)')).toBe(seeded);
    expect(seeded).toBeGreaterThanOrEqual(0);
    expect(seeded).toBeLessThan(1);
  });

  it('$uuid returns a version 4 UUID', async () => {
    expect(await evaluate('$uuid()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('$parse turns JSON text into its value and rejects other text', async () => {
    expect(await evaluate('$parse(\'{"Arg1": 1, "Arg2": []}\')')).toEqual({ Arg1: 1, Arg2: [] });
    expect(Object.is(await evaluate("$parse('-0')"), 0)).toBe(true);
    await expect(evaluate("$parse('{nope')")).rejects.toThrow('not valid JSON');
  });
});
