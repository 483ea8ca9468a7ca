/**
 * Objectives of the embedded trainer, with XGBoost 1.7's gradients (`src/objective/regression_loss.h`,
 * `multiclass_obj.cu`): float32 gradient pairs, `scale_pos_weight` on positive labels, hessians
 * floored at 1e-16, softmax hessian `2p(1-p)`.
 */

/** Objectives the embedded trainer implements. */
export type ObjectiveName =
  | 'reg:squarederror'
  | 'reg:logistic'
  | 'binary:logistic'
  | 'multi:softprob'
  | 'multi:softmax';

export const SUPPORTED_OBJECTIVES: readonly ObjectiveName[] = [
  'reg:squarederror',
  'reg:logistic',
  'binary:logistic',
  'multi:softprob',
  'multi:softmax',
];

/** A label the objective cannot learn from: the message is XGBoost's. */
export class LabelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelError';
  }
}

const f32 = Math.fround;

/** XGBoost's `common::Sigmoid` in float32: `1 / (expf(min(-x, 88.7)) + 1 + 1e-16)`. */
export function sigmoid(x: number): number {
  return f32(1 / f32(f32(Math.exp(Math.min(-x, 88.7))) + 1));
}

/** `ProbToMargin(base_score)` of the objective. */
export function baseMargin(objective: ObjectiveName, baseScore: number): number {
  if (objective === 'reg:logistic' || objective === 'binary:logistic') {
    return f32(-Math.log(1 / baseScore - 1));
  }
  return f32(baseScore);
}

/** Number of output groups (trees per round). */
export function groupsOf(objective: ObjectiveName, numClass: number): number {
  return objective.startsWith('multi:') ? numClass : 1;
}

/** Checks labels as XGBoost does before training; throws {@link LabelError}. */
export function checkLabels(objective: ObjectiveName, labels: Float32Array, numClass: number): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (objective === 'reg:logistic' || objective === 'binary:logistic') {
      if (!(y >= 0 && y <= 1)) {
        throw new LabelError(`label must be in [0,1] for logistic regression, found ${y} at row ${i + 1}`);
      }
    } else if (objective.startsWith('multi:')) {
      if (!(y >= 0 && y < numClass && Number.isInteger(y))) {
        throw new LabelError(
          `SoftmaxMultiClassObj: label must be in [0, num_class), found ${y} at row ${i + 1}`,
        );
      }
    } else if (!Number.isFinite(y)) {
      throw new LabelError(`label must be a finite number, found ${y} at row ${i + 1}`);
    }
  }
}

/**
 * Fills the gradient pairs of output group `group` from the current margins
 * (`margins[r * groups + g]`).
 */
export function computeGradients(
  objective: ObjectiveName,
  margins: Float32Array,
  groups: number,
  group: number,
  labels: Float32Array,
  weights: Float32Array | undefined,
  scalePosWeight: number,
  grad: Float32Array,
  hess: Float32Array,
): void {
  const n = labels.length;
  if (objective === 'reg:squarederror') {
    for (let r = 0; r < n; r++) {
      const w = weights === undefined ? 1 : weights[r]!;
      grad[r] = f32((margins[r]! - labels[r]!) * w);
      hess[r] = w;
    }
    return;
  }
  if (objective === 'reg:logistic' || objective === 'binary:logistic') {
    for (let r = 0; r < n; r++) {
      const y = labels[r]!;
      let w = weights === undefined ? 1 : weights[r]!;
      if (y === 1) w = f32(w * scalePosWeight);
      const p = sigmoid(margins[r]!);
      grad[r] = f32(f32(p - y) * w);
      hess[r] = f32(Math.max(f32(p * f32(1 - p)), 1e-16) * w);
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    const base = r * groups;
    let wmax = margins[base]!;
    for (let k = 1; k < groups; k++) wmax = Math.max(wmax, margins[base + k]!);
    let wsum = 0;
    for (let k = 0; k < groups; k++) wsum = f32(wsum + f32(Math.exp(f32(margins[base + k]! - wmax))));
    const p = f32(f32(Math.exp(f32(margins[base + group]! - wmax))) / wsum);
    const w = weights === undefined ? 1 : weights[r]!;
    const target = labels[r] === group ? 1 : 0;
    grad[r] = f32(f32(p - target) * w);
    hess[r] = f32(Math.max(f32(2 * f32(p * f32(1 - p))), 1e-16) * w);
  }
}

/**
 * Turns margins into predictions as `Booster.predict` does: probabilities for logistic and
 * softprob (`groups` values per row), the class index for softmax, the margin for regression.
 */
export function transformMargins(
  objective: ObjectiveName,
  margins: Float32Array,
  groups: number,
): Float32Array {
  if (objective === 'reg:squarederror') return margins.slice();
  if (objective === 'reg:logistic' || objective === 'binary:logistic') return margins.map(sigmoid);
  const rows = margins.length / groups;
  const probs = new Float32Array(margins.length);
  for (let r = 0; r < rows; r++) {
    const base = r * groups;
    let wmax = margins[base]!;
    for (let k = 1; k < groups; k++) wmax = Math.max(wmax, margins[base + k]!);
    let wsum = 0;
    for (let k = 0; k < groups; k++) {
      const e = f32(Math.exp(f32(margins[base + k]! - wmax)));
      probs[base + k] = e;
      wsum += e;
    }
    for (let k = 0; k < groups; k++) probs[base + k] = f32(probs[base + k]! / f32(wsum));
  }
  if (objective === 'multi:softprob') return probs;
  const classes = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < groups; k++) if (margins[r * groups + k]! > margins[r * groups + best]!) best = k;
    classes[r] = best;
  }
  return classes;
}
