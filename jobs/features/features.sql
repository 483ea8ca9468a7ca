-- sparkmaker feature SQL: the same text runs in Spark SQL (EMR Serverless, jobs/features/main.py)
-- and in DuckDB (offline, local/services/emr/feature-job.ts). Keep to the subset that means the
-- same in both; `npx tsx jobs/features/lint.ts` rejects the known divergences.
--
-- Reads the view `raw` (CSV read with every column as a string; a missing `churned` column is
-- NULL). Yields customer_id, dt (YYYY-MM-DD), split (train/validation/test by the first two hex
-- digits of md5(customer_id): 179/256 train, 39/256 validation, 38/256 test), label (double) and
-- the f_* features (double, NULL = missing), in this order.
WITH typed AS (
  SELECT
    TRIM(CAST(customer_id AS STRING)) AS customer_id,
    TRY_CAST(event_date AS DATE) AS event_day,
    TRY_CAST(tenure_months AS DOUBLE) AS tenure_months,
    TRY_CAST(monthly_charges AS DOUBLE) AS monthly_charges,
    TRY_CAST(total_charges AS DOUBLE) AS total_charges,
    TRY_CAST(support_calls AS DOUBLE) AS support_calls,
    LOWER(TRIM(CAST(contract AS STRING))) AS contract,
    LOWER(TRIM(CAST(payment_method AS STRING))) AS payment_method,
    LOWER(TRIM(CAST(internet AS STRING))) AS internet,
    TRY_CAST(age AS DOUBLE) AS age,
    TRY_CAST(churned AS DOUBLE) AS churned
  FROM raw
)
SELECT
  customer_id,
  CAST(event_day AS STRING) AS dt,
  CASE
    WHEN SUBSTRING(md5(customer_id), 1, 2) < 'b3' THEN 'train'
    WHEN SUBSTRING(md5(customer_id), 1, 2) < 'da' THEN 'validation'
    ELSE 'test'
  END AS split,
  churned AS label,
  tenure_months AS f_tenure_months,
  monthly_charges AS f_monthly_charges,
  total_charges AS f_total_charges,
  CASE WHEN tenure_months > 0 THEN total_charges / tenure_months END AS f_avg_monthly_total,
  support_calls AS f_support_calls,
  CASE WHEN tenure_months >= 0 THEN support_calls / (tenure_months + 1) END AS f_support_calls_per_month,
  age AS f_age,
  CASE WHEN contract IS NULL THEN NULL WHEN contract = 'month-to-month' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_contract_monthly,
  CASE WHEN contract IS NULL THEN NULL WHEN contract = 'one-year' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_contract_one_year,
  CASE WHEN contract IS NULL THEN NULL WHEN contract = 'two-year' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_contract_two_year,
  CASE WHEN payment_method IS NULL THEN NULL WHEN payment_method = 'card' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_payment_card,
  CASE WHEN payment_method IS NULL THEN NULL WHEN payment_method = 'bank' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_payment_bank,
  CASE WHEN internet IS NULL THEN NULL WHEN internet = 'fiber' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_internet_fiber,
  CASE WHEN internet IS NULL THEN NULL WHEN internet = 'dsl' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS f_internet_dsl,
  CAST(month(event_day) AS DOUBLE) AS f_event_month
FROM typed
WHERE customer_id IS NOT NULL AND customer_id <> '' AND event_day IS NOT NULL
