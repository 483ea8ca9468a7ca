/**
 * XGBoost 1.7.4 objectives as prediction sees them: how `base_score` becomes the starting margin
 * (`ProbToMargin`) and how margins become predictions (`PredTransform`), in float32 exactly as the
 * C++ code computes them (`src/objective/regression_loss.h`, `regression_obj.cu`,
 * `multiclass_obj.cu`, `src/common/math.h`).
 */
import { UnsupportedModelError } from '../errors';
import { expf } from './expf';

const fr = Math.fround;
const SIGMOID_CLAMP = fr(88.7);
const SIGMOID_EPS = fr(1e-16);

/** How an objective turns margins into predictions. */
export type Link = 'identity' | 'sigmoid' | 'exp' | 'softprob' | 'softmax' | 'hinge';

/** What prediction needs to know about an objective. */
export interface ObjectiveInfo {
  readonly name: string;
  readonly link: Link;
  /** `ProbToMargin`: base_score → starting margin. */
  readonly baseScoreLink: 'identity' | 'logit' | 'log';
  readonly multiClass: boolean;
}

const OBJECTIVES: Readonly<Record<string, Omit<ObjectiveInfo, 'name'>>> = {
  'reg:squarederror': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'reg:linear': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'reg:squaredlogerror': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'reg:pseudohubererror': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'reg:absoluteerror': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'reg:logistic': { link: 'sigmoid', baseScoreLink: 'logit', multiClass: false },
  'binary:logistic': { link: 'sigmoid', baseScoreLink: 'logit', multiClass: false },
  // base_score is used as the margin as is (measured with XGBoost 1.7.4, fixture binary_logitraw).
  'binary:logitraw': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'binary:hinge': { link: 'hinge', baseScoreLink: 'identity', multiClass: false },
  'count:poisson': { link: 'exp', baseScoreLink: 'log', multiClass: false },
  'reg:gamma': { link: 'exp', baseScoreLink: 'log', multiClass: false },
  'reg:tweedie': { link: 'exp', baseScoreLink: 'log', multiClass: false },
  'multi:softprob': { link: 'softprob', baseScoreLink: 'identity', multiClass: true },
  'multi:softmax': { link: 'softmax', baseScoreLink: 'identity', multiClass: true },
  'rank:pairwise': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'rank:ndcg': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
  'rank:map': { link: 'identity', baseScoreLink: 'identity', multiClass: false },
};

/**
 * Looks up an objective by its XGBoost name.
 *
 * @throws {UnsupportedModelError} for objectives this scorer does not implement.
 */
export function objectiveInfo(name: string): ObjectiveInfo {
  const info = OBJECTIVES[name];
  if (info === undefined) {
    throw new UnsupportedModelError(
      `XGBoost objective '${name}' is not supported; supported: ${Object.keys(OBJECTIVES).join(', ')}`,
    );
  }
  return { name, ...info };
}

/** The names of every supported objective. */
export const SUPPORTED_OBJECTIVES: readonly string[] = Object.keys(OBJECTIVES);

/**
 * `ProbToMargin(base_score)` in float32: logit `-logf(1/b - 1)` for logistic objectives (b must be in
 * (0, 1)), `logf(b)` for the log-link ones, identity otherwise.
 *
 * @throws {UnsupportedModelError} when a logistic model's base_score is outside (0, 1).
 */
export function baseMargin(info: ObjectiveInfo, baseScore: number): number {
  const b = fr(baseScore);
  switch (info.baseScoreLink) {
    case 'logit':
      if (!(b > 0 && b < 1)) {
        throw new UnsupportedModelError(`base_score must be in (0,1) for logistic loss, got: ${b}`);
      }
      return fr(-fr(Math.log(fr(fr(1 / b) - 1))));
    case 'log':
      return fr(Math.log(b));
    default:
      return b;
  }
}

/** `common::Sigmoid` of XGBoost 1.7: `1 / (expf(min(-x, 88.7f)) + 1 + 1e-16f)` in float32, glibc's `expf`. */
export function sigmoid(x: number): number {
  const m = Math.min(-x, SIGMOID_CLAMP);
  const denom = fr(fr(expf(m) + 1) + SIGMOID_EPS);
  return fr(1 / denom);
}

/** `PredTransform` of one margin of a single-output objective (used for pre-1.0 models' stored base_score). */
export function predTransformScalar(info: ObjectiveInfo, margin: number): number {
  switch (info.link) {
    case 'sigmoid':
      return sigmoid(margin);
    case 'exp':
      return expf(margin);
    case 'hinge':
      return margin > 0 ? 1 : 0;
    default:
      return fr(margin);
  }
}

/**
 * `PredTransform` over a row-major margin matrix (`rows × groups`), returning the predictions:
 * one value per row, or `groups` probabilities per row for `multi:softprob`.
 */
export function transformMargins(info: ObjectiveInfo, margins: Float32Array, groups: number): Float32Array {
  const out = new Float32Array(info.link === 'softmax' ? margins.length / groups : margins.length);
  switch (info.link) {
    case 'sigmoid':
      for (let i = 0; i < margins.length; i++) out[i] = sigmoid(margins[i] as number);
      return out;
    case 'exp':
      for (let i = 0; i < margins.length; i++) out[i] = expf(margins[i] as number);
      return out;
    case 'hinge':
      for (let i = 0; i < margins.length; i++) out[i] = (margins[i] as number) > 0 ? 1 : 0;
      return out;
    case 'softprob':
      for (let base = 0; base < margins.length; base += groups) softmaxInto(margins, base, groups, out);
      return out;
    case 'softmax':
      for (let r = 0, base = 0; base < margins.length; r++, base += groups) {
        let best = 0;
        let max = margins[base] as number;
        for (let g = 1; g < groups; g++) {
          const v = margins[base + g] as number;
          if (v > max) {
            max = v;
            best = g;
          }
        }
        out[r] = best;
      }
      return out;
    default:
      out.set(margins);
      return out;
  }
}

/** `common::Softmax`: float32 max and exponentials, the sum accumulated in double. */
function softmaxInto(margins: Float32Array, base: number, groups: number, out: Float32Array): void {
  let wmax = margins[base] as number;
  for (let g = 1; g < groups; g++) {
    const v = margins[base + g] as number;
    // fmaxf: a NaN operand is ignored
    if (v > wmax || Number.isNaN(wmax)) wmax = v;
  }
  let wsum = 0;
  for (let g = 0; g < groups; g++) {
    const e = expf(fr((margins[base + g] as number) - wmax));
    out[base + g] = e;
    wsum += e;
  }
  const denom = fr(wsum);
  for (let g = 0; g < groups; g++) out[base + g] = (out[base + g] as number) / denom;
}
