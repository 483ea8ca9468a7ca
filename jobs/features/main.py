"""sparkmaker feature job: the PySpark entry point for EMR Serverless.

Arguments (docs/contracts.md, "Spark feature job contract"):
  --input <s3 uri: object or prefix> --input-format csv|parquet|json --output <s3 uri prefix>
  --run-id <run id> --mode train|score

Reads the input into the view `raw` (CSV: header row, every column a string, so the SQL casts
explicitly; a missing `churned` column becomes NULL), runs features.sql (shipped beside this file
with `--files`), and writes Parquet:
  train: <output>/split=<split>/dt=<dt>/part-*.parquet (rows without a label are dropped)
  score: <output>/dt=<dt>/part-*.parquet (no split, no label)
then <output>/_SUCCESS. The offline runtime runs the same SQL with DuckDB under the same contract
(local/services/emr/feature-job.ts).
"""

import argparse
import os
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
    args = parser.parse_args(argv)
    for name in ("input", "output"):
        value = getattr(args, name)
        if not value.startswith("s3://") and not value.startswith("file:"):
            parser.error(f"--{name} must be an s3:// URI, got {value!r}")
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


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName(f"sparkmaker-features-{args.run_id}").getOrCreate()
    sql = load_sql()
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
