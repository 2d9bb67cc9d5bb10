"""Write the normalized events for other tools: Parquet, CSV, or Hive-partitioned Parquet."""

import os
import shutil
import tempfile
from pathlib import Path

import polars as pl

from forensics_cli.guard import EvidenceGuard, OutputError, record_output, write_new
from forensics_cli.render.machine import for_machines


def write_events(events: pl.LazyFrame | pl.DataFrame, target: str, guard: EvidenceGuard):
    """FILE.parquet, FILE.csv, FILE.jsonl, or a directory of service=/day= Parquet partitions."""
    extension = os.path.splitext(target)[1].lower()
    if extension in (".parquet", ".csv", ".jsonl"):
        guard.check_file(target)
    else:
        guard.check_directory(target)
    events = events.lazy().collect()
    try:
        if extension == ".parquet":
            write_new(target, events.write_parquet)
        elif extension == ".csv":
            write_new(target, for_machines(events).write_csv)
        elif extension == ".jsonl":
            write_new(target, for_machines(events).write_ndjson)
        else:
            _write_partitions(events, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _write_partitions(events: pl.DataFrame, directory: str):
    """Hive layout (service=NAME/day=YYYY-MM-DD/*.parquet) that DuckDB, Spark and Trino read directly."""
    if os.path.exists(directory) and os.listdir(directory):
        raise OutputError(f"{directory} exists and is not empty; give a new directory for --events")
    staging = tempfile.mkdtemp(prefix=".apiforensics-", dir=os.path.dirname(os.path.abspath(directory)))
    try:
        day = pl.col("ts").dt.date().cast(pl.String).fill_null("unknown")
        partitioned = events.with_columns(day.alias("day"))
        partitioned.write_parquet(staging, partition_by=["service", "day"])
        if os.path.exists(directory):
            os.rmdir(directory)
        os.replace(staging, directory)
        for written in sorted(p for p in Path(directory).rglob("*") if p.is_file()):
            record_output(written)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
