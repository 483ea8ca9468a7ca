"""sparkmaker feature job: the PySpark entry point for EMR Serverless.

Arguments (docs/contracts.md, "Spark feature job contract"):
  --input <s3 uri: object or prefix> --input-format csv|parquet|json --output <s3 uri prefix>
  --run-id <run id> --mode train|score
  [--plan <s3 uri of a feature plan or a model's feature spec>] [--spec-output <s3 uri>]
  [--quarantine <s3 uri prefix>] [--run-date YYYY-MM-DD] [--sql <s3 uri of hand-written SQL>]

With --plan (a declared table, docs/declarations.md) the job runs the plan's Spark statements,
compiled from the declaration by shared/features/compile.ts: the same statements the offline job
runs in DuckDB. It counts per column the cells that do not parse as the column's type, writes those
rows with a _reason column to the quarantine prefix, and stops (BadCellsError) when a column's
share passes the plan's threshold. Training learns the vocabulary of each categorical feature and
writes the plan with it (the feature spec) to --spec-output; scoring applies the spec it is given.

Reads the input into the view `raw` (CSV: header row, every column a string, so the SQL casts
explicitly; a missing `churned` column becomes NULL), runs features.sql (shipped beside this file
with `--files`), and writes Parquet:
  train: <output>/split=<split>/dt=<dt>/part-*.parquet (rows without a label are dropped)
  score: <output>/dt=<dt>/part-*.parquet (no split, no label)
then <output>/_SUCCESS. The offline runtime runs the same SQL with DuckDB under the same contract
(local/services/emr/feature-job.ts).
"""

import argparse
import datetime
import json
import os
import re
import sys

FORMATS = ("csv", "parquet", "json")
MODES = ("train", "score")
SQL_FILE = "features.sql"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="sparkmaker-features", description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="s3:// URI of an object or a prefix")
    parser.add_argument("--input-format", required=True, choices=FORMATS)
    parser.add_argument("--output", required=True, help="s3:// URI prefix of the feature Parquet")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--plan", help="s3:// URI of a feature plan (training) or a model's feature spec (scoring)")
    parser.add_argument("--spec-output", help="s3:// URI where training writes the feature spec")
    parser.add_argument("--quarantine", help="s3:// URI prefix for rows with bad cells")
    parser.add_argument("--run-date", help="dt of rows without a time column (YYYY-MM-DD; default today, UTC)")
    parser.add_argument("--sql", help="s3:// URI of hand-written feature SQL (instead of features.sql)")
    args = parser.parse_args(argv)
    for name in ("input", "output", "plan", "spec_output", "quarantine", "sql"):
        value = getattr(args, name)
        if value is None and name not in ("input", "output"):
            continue
        if not value.startswith("s3://") and not value.startswith("file:"):
            parser.error(f"--{name.replace('_', '-')} must be an s3:// URI, got {value!r}")
    if args.plan is not None and args.sql is not None:
        parser.error("give --plan (a declaration) or --sql (hand-written SQL), not both")
    if args.run_date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.run_date):
        parser.error(f"--run-date must be YYYY-MM-DD, got {args.run_date!r}")
    return args


def partition_columns(mode):
    return ["split", "dt"] if mode == "train" else ["dt"]


def write_features(features, output, mode):
    """Write one Parquet file per partition: repartitioning by the partition columns first sends each
    (split, dt) or dt to one task, so the object count is one per partition instead of tasks x
    partitions. Each object becomes one item of the training workflow's inline ConvertObjects Map,
    whose payload and history limits bound the run (docs/workflows.md, "Known limits")."""
    columns = partition_columns(mode)
    features.repartition(*columns).write.mode("overwrite").partitionBy(*columns).parquet(output)


def load_sql():
    """features.sql from --files (SparkFiles) or, when run from a checkout, beside this file."""
    candidates = []
    try:
        from pyspark import SparkFiles

        candidates.append(SparkFiles.get(SQL_FILE))
    except Exception:  # noqa: BLE001 - no SparkContext yet, or not submitted with --files
        pass
    candidates.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), SQL_FILE))
    candidates.append(os.path.join(os.getcwd(), SQL_FILE))
    for path in candidates:
        if path and os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip().rstrip(";")
    raise FileNotFoundError(f"{SQL_FILE} not found (looked in {', '.join(candidates)}); submit it with --files")


def read_raw(spark, uri, input_format):
    reader = spark.read
    if input_format == "csv":
        # FAILFAST: a malformed row fails the job instead of becoming NULLs (the offline runner
        # refuses the same files, naming the object and the line).
        return reader.option("header", "true").option("inferSchema", "false").option("mode", "FAILFAST").csv(uri)
    if input_format == "parquet":
        return reader.parquet(uri)
    return reader.json(uri)  # JSON Lines


class BadCellsError(Exception):
    """Too many cells of a column do not parse as its type (the name the workflows match)."""


def default_quarantine(output):
    """s3://<bucket>/quarantine/<output key>/ (as the offline job)."""
    match = re.match(r"^(s3://[^/]+)/?(.*)$", output)
    key = match.group(2).rstrip("/")
    return f"{match.group(1)}/quarantine/{key + '/' if key else ''}"


def read_text(spark, uri):
    return "\n".join(row.value for row in spark.read.text(uri, wholetext=True).collect())


def write_text(spark, uri, text):
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(uri)
    stream = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(target, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()


def parse_plan(text, source):
    try:
        plan = json.loads(text)
    except ValueError as error:
        raise ValueError(f"feature plan {source} is not JSON: {error}") from error
    if not isinstance(plan, dict) or plan.get("kind") != "sparkmaker.feature-plan" or plan.get("version") != 1:
        raise ValueError(f"{source} is not a sparkmaker feature plan or spec")
    for part in ("typed", "badCells", "quarantine", "vocabulary", "features"):
        if not isinstance(plan.get("sql", {}).get("spark", {}).get(part), str):
            raise ValueError(f"feature plan {source}: sql.spark.{part} is missing")
    return plan


def bad_cell_report(plan, counts, total):
    """The columns whose share of bad cells passes the threshold, as the offline job words them."""
    threshold = plan["ir"]["badCellThreshold"]
    over = []
    for checked, count in zip(plan["badCellColumns"], counts):
        if total > 0 and count / total > threshold:
            kind = "numbers" if checked["type"] == "number" else checked["type"] + "s"
            over.append(f"'{checked['column']}' {count} of {total} ({100 * count / total:.2f} %) not {kind}")
    return threshold, over


def vocabulary_of(rows, plan):
    vocabulary = {f["column"]: [] for f in plan["ir"]["features"] if f["kind"] == "categorical"}
    for row in sorted(rows, key=lambda r: r["code"]):
        vocabulary.setdefault(row["column_name"], []).append(row["value"])
    return vocabulary


def run_declared(spark, args):
    """Runs a declared table's plan (see the module docstring)."""
    from pyspark.sql import functions as F

    plan = parse_plan(read_text(spark, args.plan), args.plan)
    sql = plan["sql"]["spark"]
    categorical = any(f["kind"] == "categorical" for f in plan["ir"]["features"])
    if args.mode == "score" and categorical and "vocabulary" not in plan:
        raise ValueError(f"{args.plan} is a plan, not a trained feature spec: scoring needs the model's feature-spec.json")
    source = read_raw(spark, args.input, args.input_format)
    required = [c for c in [plan["ir"].get("id"), (plan["ir"].get("time") or {}).get("name")] if c]
    required += [f["column"] for f in plan["ir"]["features"]]
    if args.mode == "train" and plan["ir"].get("label"):
        required.append(plan["ir"]["label"]["name"])
    absent = [c for c in dict.fromkeys(required) if c not in source.columns]
    if absent:
        raise ValueError(f"the input {args.input} has no column {', '.join(absent)}, which {args.plan} needs")
    raw = source.select([F.col(f"`{c}`").cast("string").alias(c) for c in source.columns])
    for column in plan["ir"]["columns"]:
        if column["name"] not in raw.columns:
            raw = raw.withColumn(column["name"], F.lit(None).cast("string"))
    raw.createOrReplaceTempView("raw")
    run_date = args.run_date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    spark.createDataFrame([(run_date,)], "run_date string").createOrReplaceTempView("job")
    spark.sql(sql["typed"]).cache().createOrReplaceTempView("typed")

    counts_row = spark.sql(sql["badCells"]).collect()[0]
    total = int(counts_row["row_count"] or 0)
    counts = [int(counts_row[f"bad_{i}"] or 0) for i in range(len(plan["badCellColumns"]))]
    quarantine = (args.quarantine or default_quarantine(args.output)).rstrip("/") + "/bad-cells"
    if sum(counts) > 0:
        spark.sql(sql["quarantine"]).coalesce(1).write.mode("overwrite").option("header", "true").csv(quarantine)
        threshold, over = bad_cell_report(plan, counts, total)
        if over:
            raise BadCellsError(
                f"BadCellsError: feature job {args.run_id}: too many cells do not parse as their column's type "
                f"(threshold {100 * threshold:.2f} %, table.badCellThreshold): {', '.join(over)}; "
                f"the rows are in {quarantine}/ with the reason"
            )

    if args.mode == "train":
        vocabulary_df = spark.sql(sql["vocabulary"])
        vocabulary = vocabulary_of([r.asDict() for r in vocabulary_df.collect()], plan)
    else:
        vocabulary = plan.get("vocabulary", {})
    rows = [(column, code + 1, value) for column, values in vocabulary.items() for code, value in enumerate(values)]
    spark.createDataFrame(rows, "column_name string, code int, value string").createOrReplaceTempView("vocabulary")

    features = spark.sql(sql["features"])
    if args.mode == "train":
        features = features.where(F.col("label").isNotNull())
    else:
        features = features.drop("split", "label")
    output = args.output.rstrip("/")
    write_features(features, output, args.mode)
    if args.mode == "train":
        spec = dict(plan, vocabulary=vocabulary, trainedBy=args.run_id)
        write_text(spark, args.spec_output or output + "/_feature-spec.json", json.dumps(spec, indent=2) + "\n")


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName(f"sparkmaker-features-{args.run_id}").getOrCreate()
    if args.plan is not None:
        run_declared(spark, args)
        write_text(spark, args.output.rstrip("/") + "/_SUCCESS", "")
        spark.stop()
        return 0
    sql = read_text(spark, args.sql).strip().rstrip(";") if args.sql else load_sql()
    raw = read_raw(spark, args.input, args.input_format)
    if "churned" not in raw.columns:
        raw = raw.withColumn("churned", F.lit(None).cast("string"))
    raw.createOrReplaceTempView("raw")

    features = spark.sql(sql)
    if args.mode == "train":
        features = features.where(F.col("label").isNotNull())
    else:
        features = features.drop("split", "label")

    output = args.output.rstrip("/")
    write_features(features, output, args.mode)

    # The committer writes _SUCCESS too; write it explicitly so the contract does not depend on
    # the committer's configuration.
    jvm = spark.sparkContext._jvm
    marker = jvm.org.apache.hadoop.fs.Path(output + "/_SUCCESS")
    marker.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(marker, True).close()
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
