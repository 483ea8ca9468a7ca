/**
 * The embedded Linear Learner trainer (binary classifier and regressor; SPEC §11.6, §12.4).
 *
 * - Data: `normalize_data` centres and scales each feature by the mean and standard deviation of the
 *   first `num_point_for_scaler` records; `normalize_label` (auto: regressors only) does the same for
 *   the label. Both are folded into the written weights, so the artifact scores raw features.
 * - `num_models` (auto = 8) models train side by side over the same shuffled mini-batches
 *   (`mini_batch_size`), differing in learning rate (a grid around the optimizer's default unless
 *   `learning_rate` is set) and weight decay (0 and 1e-4 unless `wd` is set), with `optimizer`
 *   (auto = adam, sgd with `momentum`, rmsprop), `loss` (auto = logistic / squared_loss; hinge,
 *   absolute, huber, epsilon-insensitive and quantile losses), `l1` as a proximal step, `wd` as L2,
 *   `use_bias`, `init_method`/`init_scale`/`init_sigma`/`init_bias`, `positive_example_weight_mult`,
 *   and the step-wise learning-rate schedule (`use_lr_scheduler`, `lr_scheduler_*`; auto = 20 equal
 *   steps down to 1/10 of the initial rate at the last mini-batch of the last epoch).
 * - Early stopping on the validation channel: a model stops after `early_stopping_patience` epochs
 *   without a relative loss improvement of `early_stopping_tolerance`; its best epoch is kept.
 * - Selection: binary models by `binary_classifier_model_selection_criteria` on validation data (or
 *   training data without it), which also sets the written `threshold`; regressors by loss.
 */
import {
  type HyperparameterValues,
  type LinearLearnerParams,
  writeLinearLearnerModelAlgo,
} from '../../../../shared/algorithms';
import {
  AlgorithmClientError,
  type Matrix,
  Random,
  type TrainerChannels,
  type TrainerResult,
  yieldToLoop,
} from '../builtin';

type Loss = (z: number, y: number) => { loss: number; grad: number };

function lossFunction(name: string, hp: HyperparameterValues): Loss {
  const margin = hp.margin as number;
  const delta = hp.huber_delta as number;
  const eps = hp.loss_insensitivity as number;
  const tau = hp.quantile as number;
  switch (name) {
    case 'logistic':
      return (z, y) => {
        const p = 1 / (1 + Math.exp(-z));
        const loss = z > 0 ? z + Math.log1p(Math.exp(-z)) - y * z : Math.log1p(Math.exp(z)) - y * z;
        return { loss, grad: p - y };
      };
    case 'hinge_loss':
      return (z, y) => {
        const s = 2 * y - 1;
        const m = margin - s * z;
        return m > 0 ? { loss: m, grad: -s } : { loss: 0, grad: 0 };
      };
    case 'squared_loss':
      return (z, y) => ({ loss: 0.5 * (z - y) ** 2, grad: z - y });
    case 'absolute_loss':
      return (z, y) => ({ loss: Math.abs(z - y), grad: Math.sign(z - y) });
    case 'huber_loss':
      return (z, y) => {
        const r = z - y;
        return Math.abs(r) <= delta
          ? { loss: 0.5 * r * r, grad: r }
          : { loss: delta * (Math.abs(r) - delta / 2), grad: delta * Math.sign(r) };
      };
    case 'eps_insensitive_squared_loss':
      return (z, y) => {
        const r = z - y;
        const e = Math.abs(r) - eps;
        return e > 0 ? { loss: 0.5 * e * e, grad: e * Math.sign(r) } : { loss: 0, grad: 0 };
      };
    case 'eps_insensitive_absolute_loss':
      return (z, y) => {
        const r = z - y;
        return Math.abs(r) > eps ? { loss: Math.abs(r) - eps, grad: Math.sign(r) } : { loss: 0, grad: 0 };
      };
    case 'quantile_loss':
      return (z, y) => {
        const r = y - z;
        return r >= 0 ? { loss: tau * r, grad: -tau } : { loss: (tau - 1) * r, grad: 1 - tau };
      };
    default:
      throw new AlgorithmClientError(`loss '${name}' is not supported for this predictor_type`);
  }
}

const BINARY_LOSSES = ['logistic', 'hinge_loss'];

/** One candidate model's state. */
interface Candidate {
  readonly lr0: number;
  readonly wd: number;
  readonly l1: number;
  w: Float64Array;
  b: number;
  m: Float64Array;
  v: Float64Array;
  mb: number;
  vb: number;
  step: number;
  best: { loss: number; w: Float64Array; b: number; epoch: number };
  stale: number;
  stopped: boolean;
}

/** Margins `z = x·w + b` of a normalised matrix. */
function margins(x: Float64Array, n: number, d: number, w: Float64Array, b: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b;
    for (let f = 0; f < d; f++) s += x[i * d + f]! * w[f]!;
    z[i] = s;
  }
  return z;
}

function meanLoss(z: Float64Array, y: Float64Array, loss: Loss): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += loss(z[i]!, y[i]!).loss;
  return s / Math.max(1, z.length);
}

/** Binary metrics at every threshold between distinct scores; the best by the criterion. */
export function chooseThreshold(
  scores: Float64Array,
  labels: Float64Array,
  criterion: string,
  hp: HyperparameterValues,
): { threshold: number; value: number; accuracy: number; precision: number; recall: number; fBeta: number } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]! > 0.5 ? 1 : 0;
  const beta2 = (hp.f_beta as number) ** 2;
  const targetRecall = hp.target_recall as number;
  const targetPrecision = hp.target_precision as number;
  // Threshold "above everything": nothing predicted positive.
  let best = {
    threshold: Number.POSITIVE_INFINITY,
    value: Number.NEGATIVE_INFINITY,
    accuracy: (n - positives) / n,
    precision: 1,
    recall: 0,
    fBeta: 0,
  };
  let tp = 0;
  let fp = 0;
  for (let rank = 0; rank < n; rank++) {
    const i = order[rank]!;
    if (labels[i]! > 0.5) tp++;
    else fp++;
    const next = rank + 1 < n ? scores[order[rank + 1]!]! : Number.NEGATIVE_INFINITY;
    if (next === scores[i]!) continue;
    // predicted positive: score > threshold, threshold between this score and the next lower one
    const threshold = Number.isFinite(next) ? (scores[i]! + next) / 2 : scores[i]! - 1e-7;
    const precision = tp / (tp + fp);
    const recall = positives === 0 ? 0 : tp / positives;
    const accuracy = (tp + (n - positives - fp)) / n;
    const fBeta =
      precision + recall === 0 ? 0 : ((1 + beta2) * precision * recall) / (beta2 * precision + recall);
    let value: number;
    if (criterion === 'f_beta') value = fBeta;
    else if (criterion === 'precision_at_target_recall')
      value = recall >= targetRecall ? precision : Number.NEGATIVE_INFINITY;
    else if (criterion === 'recall_at_target_precision')
      value = precision >= targetPrecision ? recall : Number.NEGATIVE_INFINITY;
    else value = accuracy;
    if (value > best.value) best = { threshold, value, accuracy, precision, recall, fBeta };
  }
  return best;
}

function normalised(m: Matrix, mean: Float64Array, scale: Float64Array): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++)
    for (let f = 0; f < m.cols; f++) out[i * m.cols + f] = (m.x[i * m.cols + f]! - mean[f]!) / scale[f]!;
  return out;
}

/** Trains Linear Learner; see the module comment. */
export async function trainLinearLearner(
  channels: TrainerChannels,
  hp: HyperparameterValues,
): Promise<TrainerResult> {
  const { train } = channels;
  const predictor = hp.predictor_type as string;
  if (predictor === 'multiclass_classifier') {
    throw new AlgorithmClientError(
      'predictor_type multiclass_classifier is not supported by the embedded Linear Learner trainer',
    );
  }
  const binary = predictor === 'binary_classifier';
  const lossName = hp.loss === 'auto' ? (binary ? 'logistic' : 'squared_loss') : (hp.loss as string);
  if (binary !== BINARY_LOSSES.includes(lossName)) {
    throw new AlgorithmClientError(`loss '${lossName}' is not valid for predictor_type ${predictor}`);
  }
  const loss = lossFunction(lossName, hp);
  const d = train.cols;
  const n = train.rows;
  for (const [name, m] of Object.entries(channels) as [string, Matrix | undefined][]) {
    if (m === undefined) continue;
    for (let i = 0; i < m.rows; i++) {
      const y = m.y[i]!;
      if (Number.isNaN(y))
        throw new AlgorithmClientError(`record ${i + 1} of the ${name} channel has no label`);
      if (binary && y !== 0 && y !== 1) {
        throw new AlgorithmClientError(
          `The label of record ${i + 1} of the ${name} channel is ${y}; binary_classifier labels must be 0 or 1`,
        );
      }
    }
  }
  // Feature and label scaling from the first num_point_for_scaler records.
  const sample = Math.min(n, hp.num_point_for_scaler as number);
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (hp.normalize_data === true) {
    for (let i = 0; i < sample; i++) for (let f = 0; f < d; f++) mean[f]! += train.x[i * d + f]!;
    for (let f = 0; f < d; f++) mean[f]! /= sample;
    const sq = new Float64Array(d);
    for (let i = 0; i < sample; i++)
      for (let f = 0; f < d; f++) sq[f]! += (train.x[i * d + f]! - mean[f]!) ** 2;
    for (let f = 0; f < d; f++) {
      const sd = Math.sqrt(sq[f]! / sample);
      scale[f] = sd > 1e-12 ? sd : 1;
    }
  }
  const normalizeLabel = hp.normalize_label === 'auto' ? !binary : hp.normalize_label === 'true';
  let yMean = 0;
  let yScale = 1;
  if (normalizeLabel && !binary) {
    for (let i = 0; i < sample; i++) yMean += train.y[i]!;
    yMean /= sample;
    let s = 0;
    for (let i = 0; i < sample; i++) s += (train.y[i]! - yMean) ** 2;
    yScale = Math.sqrt(s / sample) || 1;
  }
  const prepare = (m: Matrix): { x: Float64Array; y: Float64Array; n: number } => ({
    x: normalised(m, mean, scale),
    y: Float64Array.from(m.y, (v) => (v - yMean) / yScale),
    n: m.rows,
  });
  const tr = prepare(train);
  const va = channels.validation === undefined ? undefined : prepare(channels.validation);

  const optimizer = hp.optimizer === 'auto' ? 'adam' : (hp.optimizer as string);
  const baseLr = optimizer === 'sgd' ? 0.1 : optimizer === 'rmsprop' ? 0.03 : 0.1;
  const grid = [1, 0.3, 3, 0.1];
  const count = hp.num_models === 'auto' ? 8 : (hp.num_models as number);
  const rng = new Random(0x11ea);
  const candidates: Candidate[] = [];
  for (let c = 0; c < count; c++) {
    const w = new Float64Array(d);
    for (let f = 0; f < d; f++) {
      w[f] =
        hp.init_method === 'normal'
          ? rng.normal() * (hp.init_sigma as number)
          : (2 * rng.next() - 1) * (hp.init_scale as number);
    }
    candidates.push({
      lr0: hp.learning_rate === 'auto' ? baseLr * grid[c % grid.length]! : (hp.learning_rate as number),
      wd: hp.wd === 'auto' ? (c < count / 2 ? 0 : 1e-4) : (hp.wd as number),
      l1: hp.l1 === 'auto' ? 0 : (hp.l1 as number),
      w,
      b: hp.use_bias === true ? (hp.init_bias as number) : 0,
      m: new Float64Array(d),
      v: new Float64Array(d),
      mb: 0,
      vb: 0,
      step: 0,
      best: { loss: Number.POSITIVE_INFINITY, w: w.slice(), b: 0, epoch: 0 },
      stale: 0,
      stopped: false,
    });
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += tr.y[i]! > 0.5 ? 1 : 0;
  const pw = hp.positive_example_weight_mult;
  const posWeight = !binary
    ? 1
    : pw === 'auto' || pw === 'balanced'
      ? (n - positives) / Math.max(1, positives)
      : (pw as number);
  const beta1 = hp.beta_1 === 'auto' ? 0.9 : (hp.beta_1 as number);
  const beta2 = hp.beta_2 === 'auto' ? 0.999 : (hp.beta_2 as number);
  const momentum = hp.momentum === 'auto' ? 0 : (hp.momentum as number);
  const batchSize = Math.min(n, hp.mini_batch_size as number);
  // auto schedule: 20 equal decays taking the rate down 10-fold by the last step of the last epoch.
  const totalSteps = Math.ceil(n / batchSize) * (hp.epochs as number);
  const factor = hp.lr_scheduler_factor === 'auto' ? 0.1 ** (1 / 20) : (hp.lr_scheduler_factor as number);
  const stepEvery =
    hp.lr_scheduler_step === 'auto'
      ? Math.max(1, Math.floor(totalSteps / 20))
      : (hp.lr_scheduler_step as number);
  const minLr = hp.lr_scheduler_minimum_lr === 'auto' ? 1e-5 : (hp.lr_scheduler_minimum_lr as number);
  const patience = hp.early_stopping_patience as number;
  const tolerance = hp.early_stopping_tolerance as number;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const gw = new Float64Array(d);
  let epochsRun = 0;
  for (let epoch = 0; epoch < (hp.epochs as number); epoch++) {
    if (candidates.every((c) => c.stopped)) break;
    epochsRun = epoch + 1;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      for (const c of candidates) {
        if (c.stopped) continue;
        gw.fill(0);
        let gb = 0;
        let weightSum = 0;
        for (let r = start; r < end; r++) {
          const i = order[r]!;
          let z = c.b;
          const base = i * d;
          for (let f = 0; f < d; f++) z += tr.x[base + f]! * c.w[f]!;
          const y = tr.y[i]!;
          const sw = y > 0.5 && binary ? posWeight : 1;
          const g = loss(z, y).grad * sw;
          weightSum += sw;
          if (g === 0) continue;
          for (let f = 0; f < d; f++) gw[f]! += g * tr.x[base + f]!;
          gb += g;
        }
        const inv = 1 / Math.max(weightSum, 1e-12);
        c.step++;
        const lr =
          hp.use_lr_scheduler === true
            ? Math.max(minLr, c.lr0 * factor ** Math.floor(c.step / stepEvery))
            : c.lr0;
        for (let f = 0; f < d; f++) {
          const g = gw[f]! * inv + c.wd * c.w[f]!;
          let delta: number;
          if (optimizer === 'adam') {
            c.m[f] = beta1 * c.m[f]! + (1 - beta1) * g;
            c.v[f] = beta2 * c.v[f]! + (1 - beta2) * g * g;
            delta =
              (lr * (c.m[f]! / (1 - beta1 ** c.step))) / (Math.sqrt(c.v[f]! / (1 - beta2 ** c.step)) + 1e-8);
          } else if (optimizer === 'rmsprop') {
            c.v[f] = 0.9 * c.v[f]! + 0.1 * g * g;
            delta = (lr * g) / (Math.sqrt(c.v[f]!) + 1e-8);
          } else {
            c.m[f] = momentum * c.m[f]! + g;
            delta = lr * c.m[f]!;
          }
          let w = c.w[f]! - delta;
          if (c.l1 > 0) w = Math.sign(w) * Math.max(0, Math.abs(w) - lr * c.l1);
          c.w[f] = w;
        }
        if (hp.use_bias === true) {
          const g = gb * inv;
          if (optimizer === 'adam') {
            c.mb = beta1 * c.mb + (1 - beta1) * g;
            c.vb = beta2 * c.vb + (1 - beta2) * g * g;
            c.b -= (lr * (c.mb / (1 - beta1 ** c.step))) / (Math.sqrt(c.vb / (1 - beta2 ** c.step)) + 1e-8);
          } else if (optimizer === 'rmsprop') {
            c.vb = 0.9 * c.vb + 0.1 * g * g;
            c.b -= (lr * g) / (Math.sqrt(c.vb) + 1e-8);
          } else {
            c.mb = momentum * c.mb + g;
            c.b -= lr * c.mb;
          }
        }
      }
    }
    // End of epoch: early stopping on validation (the best epoch is kept either way).
    const evalSet = va ?? tr;
    for (const c of candidates) {
      if (c.stopped) continue;
      const l = meanLoss(margins(evalSet.x, evalSet.n, d, c.w, c.b), evalSet.y, loss);
      if (l < c.best.loss * (1 - tolerance) || !Number.isFinite(c.best.loss)) {
        c.best = { loss: l, w: c.w.slice(), b: c.b, epoch };
        c.stale = 0;
      } else {
        if (l < c.best.loss) c.best = { loss: l, w: c.w.slice(), b: c.b, epoch };
        c.stale++;
        if (va !== undefined && c.stale >= patience) c.stopped = true;
      }
    }
    await yieldToLoop();
  }

  // Model selection.
  const selectOn = va ?? tr;
  const criterion = hp.binary_classifier_model_selection_criteria as string;
  const toScore = (z: number): number => (lossName === 'logistic' ? 1 / (1 + Math.exp(-z)) : z);
  let chosen = candidates[0]!;
  let chosenThreshold = lossName === 'logistic' ? 0.5 : 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    const z = margins(selectOn.x, selectOn.n, d, c.best.w, c.best.b);
    if (!binary || criterion === 'loss_function') {
      const value = -meanLoss(z, selectOn.y, loss);
      if (value > bestValue) {
        bestValue = value;
        chosen = c;
      }
      continue;
    }
    const scores = Float64Array.from(z, toScore);
    const pick = chooseThreshold(scores, selectOn.y, criterion, hp);
    if (pick.value > bestValue) {
      bestValue = pick.value;
      chosen = c;
      chosenThreshold = Number.isFinite(pick.threshold) ? pick.threshold : chosenThreshold;
    }
  }
  // Fold the normalisation into the weights.
  const w = new Float64Array(d);
  let b = chosen.best.b;
  for (let f = 0; f < d; f++) {
    w[f] = chosen.best.w[f]! / scale[f]!;
    b -= (chosen.best.w[f]! * mean[f]!) / scale[f]!;
  }
  if (!binary && normalizeLabel) {
    for (let f = 0; f < d; f++) w[f]! *= yScale;
    b = b * yScale + yMean;
  }
  const metrics: Record<string, number> = {};
  const report = (channel: string, m: Matrix): void => {
    const z = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let s = b;
      for (let f = 0; f < d; f++) s += m.x[i * d + f]! * w[f]!;
      z[i] = s;
    }
    const y = Float64Array.from(m.y);
    if (binary) {
      metrics[`${channel}:objective_loss`] = meanLoss(z, y, loss);
      let correct = 0;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let i = 0; i < m.rows; i++) {
        const p = toScore(z[i]!) > chosenThreshold ? 1 : 0;
        if (p === y[i]) correct++;
        if (p === 1 && y[i] === 1) tp++;
        if (p === 1 && y[i] === 0) fp++;
        if (p === 0 && y[i] === 1) fn++;
      }
      metrics[`${channel}:binary_classification_accuracy`] = correct / m.rows;
      metrics[`${channel}:precision`] = tp + fp === 0 ? 0 : tp / (tp + fp);
      metrics[`${channel}:recall`] = tp + fn === 0 ? 0 : tp / (tp + fn);
    } else {
      let se = 0;
      let ae = 0;
      for (let i = 0; i < m.rows; i++) {
        se += (z[i]! - y[i]!) ** 2;
        ae += Math.abs(z[i]! - y[i]!);
      }
      metrics[`${channel}:mse`] = se / m.rows;
      metrics[`${channel}:absolute_loss`] = ae / m.rows;
      metrics[`${channel}:objective_loss`] = meanLoss(z, y, loss);
    }
  };
  report('train', train);
  if (channels.validation !== undefined) report('validation', channels.validation);
  if (channels.test !== undefined) report('test', channels.test);
  const params: LinearLearnerParams = {
    threshold: chosenThreshold,
    loss_type: lossName,
    predictor_type: binary ? 'binary_classifier' : 'regressor',
    metrics_params: binary ? { [criterion]: bestValue } : { objective_loss: -bestValue },
  };
  return {
    modelAlgo: writeLinearLearnerModelAlgo(w, b, params),
    metrics,
    summary: `${predictor} (${lossName}, ${optimizer}) on ${n} records x ${d} features: ${epochsRun} epoch(s), ${count} model(s), chose lr=${chosen.lr0} wd=${chosen.wd}${binary ? ` threshold=${chosenThreshold.toPrecision(6)}` : ''}`,
  };
}
