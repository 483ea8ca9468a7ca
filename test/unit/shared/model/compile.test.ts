import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ModelSpec, type TreeSpec, XGBoostModel } from '../../../../shared/model';

const FEATURES = 5;
const THRESHOLDS = [-1, -0.5, 0, 0.5, 1, Math.fround(0.1)];

/** A random tree of at most `depth` levels; categorical splits on feature 0 when `categorical`. */
function randomTree(rng: () => number, depth: number, categorical: boolean): TreeSpec {
  const left: number[] = [];
  const right: number[] = [];
  const split: number[] = [];
  const cond: number[] = [];
  const dl: number[] = [];
  const type: number[] = [];
  const categories = new Map<number, Int32Array>();
  const grow = (d: number): number => {
    const id = left.length;
    left.push(-1);
    right.push(-1);
    split.push(0);
    cond.push(0);
    dl.push(0);
    type.push(0);
    if (d === depth || rng() < 0.2) {
      cond[id] = Math.fround((rng() - 0.5) * 2);
      return id;
    }
    const f = Math.floor(rng() * FEATURES);
    split[id] = f;
    dl[id] = rng() < 0.5 ? 1 : 0;
    if (categorical && f === 0) {
      type[id] = 1;
      cond[id] = Number.NaN;
      categories.set(
        id,
        Int32Array.from([0, 1, 2, 3, 4, 5, 40].filter(() => rng() < 0.5).concat([3])).sort(),
      );
    } else {
      cond[id] = THRESHOLDS[Math.floor(rng() * THRESHOLDS.length)] as number;
    }
    left[id] = grow(d + 1);
    right[id] = grow(d + 1);
    return id;
  };
  grow(0);
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    splitIndex: Uint32Array.from(split),
    splitCondition: Float32Array.from(cond),
    defaultLeft: Uint8Array.from(dl),
    splitType: Uint8Array.from(type),
    categories,
  };
}

function randomModel(seed: number, groups: number, categorical: boolean): ModelSpec {
  let s = seed >>> 0 || 1;
  const rng = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const trees = Array.from({ length: 12 * groups }, () => randomTree(rng, 5, categorical));
  return {
    format: 'json',
    version: [1, 7, 4],
    objective: groups > 1 ? 'multi:softprob' : 'binary:logistic',
    booster: 'gbtree',
    baseScore: 0.5,
    numFeature: FEATURES,
    numClass: groups > 1 ? groups : 0,
    numTarget: 1,
    numParallelTree: 1,
    attributes: {},
    featureNames: [],
    trees,
    treeInfo: Int32Array.from(trees, (_, i) => i % groups),
  };
}

/** Feature values: thresholds exactly, their neighbours, categories, NaN. */
const value = fc.oneof(
  fc.constantFrom(...THRESHOLDS, Number.NaN, 0, -0, 3, 40, 2.5, -1, 1e30, Number.POSITIVE_INFINITY),
  fc.double({ min: -2, max: 2, noNaN: true }).map(Math.fround),
);

describe('compiled trees', () => {
  it('give the same margins as the interpreter, bit for bit, on any rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(1, 3),
        fc.boolean(),
        fc.array(fc.array(value, { minLength: FEATURES, maxLength: FEATURES }), {
          minLength: 1,
          maxLength: 20,
        }),
        (seed, groups, categorical, rows) => {
          // Prepare
          const spec = randomModel(seed, groups, categorical);
          const compiled = XGBoostModel.fromSpec(spec, { compile: true });
          const interpreted = XGBoostModel.fromSpec(spec, { compile: false });
          const x = Float32Array.from(rows.flat());
          // Act
          const a = compiled.predictMargin(x).values;
          const b = interpreted.predictMargin(x).values;
          // Assess
          expect(compiled.compiled).toBe(true);
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('send a missing value to the default child and a value equal to the threshold right', () => {
    // Prepare: root splits feature 0 at 0.5, missing goes left; leaves 1 (left) and 2 (right)
    const tree: TreeSpec = {
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      splitIndex: Uint32Array.from([0, 0, 0]),
      splitCondition: Float32Array.from([0.5, 1, 2]),
      defaultLeft: Uint8Array.from([1, 0, 0]),
      splitType: new Uint8Array(3),
      categories: new Map(),
    };
    const spec = { ...randomModel(1, 1, false), objective: 'reg:squarederror', baseScore: 0, trees: [tree] };
    const x = Float32Array.from([
      Number.NaN,
      0,
      0,
      0,
      0,
      0.5,
      0,
      0,
      0,
      0,
      Math.fround(0.49999997),
      0,
      0,
      0,
      0,
    ]);
    for (const compile of [true, false]) {
      // Act
      const margins = XGBoostModel.fromSpec(
        { ...spec, treeInfo: Int32Array.from([0]) },
        { compile },
      ).predictMargin(x);
      // Assess
      expect(Array.from(margins.values)).toEqual([1, 2, 1]);
    }
  });
});

describe("compile: 'auto'", () => {
  it('interprets small batches and generates code once enough rows have been predicted in all', () => {
    // Prepare
    const model = XGBoostModel.fromSpec(randomModel(7, 1, false));
    const batch = new Float32Array(FEATURES * 500).fill(0.5);
    const first = model.predictMargin(batch).values;
    // Act
    const compiledBefore = model.compiled;
    for (let i = 0; i < 4; i++) model.predictMargin(batch);
    const last = model.predictMargin(batch).values;
    // Assess
    expect(compiledBefore).toBe(false);
    expect(model.compiled).toBe(true);
    expect(Array.from(last)).toEqual(Array.from(first));
  });
});
