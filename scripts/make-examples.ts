/**
 * Generates the sample data `npm start` seeds (`examples/data/`) and the sample execution inputs
 * (`examples/inputs/`): customer churn records in the raw schema of docs/contracts.md, with a real
 * signal (contract type, support calls, charges, tenure, internet, payment method drive churn) so
 * that the trained model's AUC means something. Deterministic: the same seed writes the same bytes.
 *
 * Usage: `npx tsx scripts/make-examples.ts [--rows 30000] [--scoring-rows 10000] [--out examples]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** mulberry32: a small, fast, seedable PRNG (the data must be reproducible, not secure). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTRACTS = ['month-to-month', 'one-year', 'two-year'] as const;
const PAYMENTS = ['card', 'bank', 'check'] as const;
const INTERNET = ['fiber', 'dsl', 'none'] as const;
export const HEADER = [
  'customer_id',
  'event_date',
  'tenure_months',
  'monthly_charges',
  'total_charges',
  'support_calls',
  'contract',
  'payment_method',
  'internet',
  'age',
  'churned',
];

/**
 * The sample's table declaration (docs/declarations.md): what the hand-written features.sql said
 * in SQL. Features in the order of that SQL; the three categorical columns one-hot over their three
 * values (+ other); event_date is both the partition date (dt) and a feature (its parts).
 */
export const CHURN_TABLE = {
  id: 'customer_id',
  label: 'churned',
  time: 'event_date',
  features: [
    'tenure_months',
    'monthly_charges',
    'total_charges',
    'support_calls',
    'age',
    { column: 'contract', kind: 'categorical', top: 3 },
    { column: 'payment_method', kind: 'categorical', top: 3 },
    { column: 'internet', kind: 'categorical', top: 3 },
    'event_date',
  ],
  // The split features.sql used: md5(customer_id) below b3… train, below da… validation, else test.
  split: { by: 'hash', train: 179 / 256, validation: 39 / 256, test: 38 / 256 },
};

function pick<T>(random: () => number, values: readonly T[], weights: readonly number[]): T {
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < values.length; i++) {
    r -= weights[i]!;
    if (r <= 0) return values[i]!;
  }
  return values[values.length - 1]!;
}

/** One CSV file of `rows` customers; without the `churned` column when `labelled` is false. */
export function customersCsv(options: {
  rows: number;
  seed: number;
  dates: readonly string[];
  labelled: boolean;
  idOffset?: number;
}): string {
  const random = prng(options.seed);
  const gaussian = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const header = options.labelled ? HEADER : HEADER.slice(0, -1);
  const lines = [header.join(',')];
  for (let i = 0; i < options.rows; i++) {
    const id = `C${String((options.idOffset ?? 0) + i + 1).padStart(7, '0')}`;
    const date = options.dates[i % options.dates.length]!;
    const contract = pick(random, CONTRACTS, [0.55, 0.25, 0.2]);
    const tenure = Math.min(72, Math.floor(random() * (contract === 'month-to-month' ? 30 : 72)) + 1);
    const internet = pick(random, INTERNET, [0.45, 0.35, 0.2]);
    const base = internet === 'fiber' ? 80 : internet === 'dsl' ? 55 : 25;
    const monthly = Math.round((base + gaussian() * 12 + 20) * 100) / 100;
    const total =
      random() < 0.02 ? '' : (Math.round(monthly * tenure * (0.95 + random() * 0.1) * 100) / 100).toFixed(2);
    const calls = Math.min(9, Math.floor(-Math.log(Math.max(random(), 1e-9)) * 1.4));
    const payment = pick(random, PAYMENTS, [0.5, 0.3, 0.2]);
    const age = random() < 0.03 ? '' : String(18 + Math.floor(random() * 62));
    const logit =
      -1.6 +
      (contract === 'month-to-month' ? 1.3 : contract === 'two-year' ? -1.1 : 0) +
      0.35 * calls +
      0.025 * (monthly - 65) -
      0.035 * tenure +
      (internet === 'fiber' ? 0.45 : 0) +
      (payment === 'check' ? 0.4 : 0) +
      (age !== '' && Number(age) < 30 ? 0.3 : 0) +
      gaussian() * 0.5;
    const churned = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const fields = [id, date, tenure, monthly.toFixed(2), total, calls, contract, payment, internet, age];
    if (options.labelled) fields.push(churned);
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '30000' },
      'scoring-rows': { type: 'string', default: '10000' },
      out: { type: 'string', default: 'examples' },
    },
  });
  const out = values.out;
  mkdirSync(join(out, 'data', 'incoming'), { recursive: true });
  mkdirSync(join(out, 'data', 'scoring', 'incoming'), { recursive: true });
  mkdirSync(join(out, 'inputs'), { recursive: true });
  writeFileSync(
    join(out, 'data', 'incoming', 'customers.csv'),
    customersCsv({ rows: Number(values.rows), seed: 7, dates: ['2024-06-01', '2024-06-02'], labelled: true }),
  );
  writeFileSync(
    join(out, 'data', 'scoring', 'incoming', 'customers.csv'),
    customersCsv({
      rows: Number(values['scoring-rows']),
      seed: 11,
      // A few days of activity: the feature job writes one Parquet object per day, so the scoring
      // Distributed Map fans out over several shards.
      dates: ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06'],
      labelled: false,
      idOffset: 1_000_000,
    }),
  );
  const training = {
    input: { uri: 's3://sparkmaker-data/incoming/customers.csv', format: 'csv' },
    table: CHURN_TABLE,
    contentType: 'text/csv',
    hyperparameters: {
      objective: 'binary:logistic',
      num_round: '40',
      max_depth: '4',
      eta: '0.3',
      eval_metric: 'auc',
    },
    gate: { metric: 'auc', threshold: 0.7 },
    modelPackageGroup: 'sparkmaker-churn',
    approvalStatus: 'Approved',
  };
  const scoring = {
    input: { uri: 's3://sparkmaker-data/scoring/incoming/customers.csv', format: 'csv' },
    table: CHURN_TABLE,
    featureJob: true,
    model: { modelPackageGroup: 'sparkmaker-churn' },
    dt: '2024-06-06',
    shardSizeBytes: 65536,
    maxConcurrency: 4,
    batchSize: 1,
    toleratedFailurePercentage: 0,
  };
  writeFileSync(join(out, 'inputs', 'training.json'), `${JSON.stringify(training, null, 2)}\n`);
  writeFileSync(join(out, 'inputs', 'scoring.json'), `${JSON.stringify(scoring, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) main();
