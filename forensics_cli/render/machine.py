"""CSV, JSON and JSONL output with the SPEC's conventions (ISO 8601 UTC timestamps, same columns)."""

import os
import sys
import tempfile

import polars as pl

from forensics_cli.render.safe import spreadsheet_safe

FORMATS = ("table", "csv", "json", "jsonl")
EXTENSION_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class OutputError(Exception):
    """The report cannot be written where the user asked."""


def for_machines(frame: pl.DataFrame) -> pl.DataFrame:
    """Timestamps as ISO 8601 UTC strings with a Z; lists joined with ';'."""
    conversions = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            conversions.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
        elif isinstance(dtype, pl.List):
            conversions.append(pl.col(name).cast(pl.List(pl.String)).list.join(";"))
    return frame.with_columns(conversions) if conversions else frame


def serialize(frame: pl.DataFrame, fmt: str, raw_csv: bool = False) -> str:
    """The frame as csv (with header), json (one array) or jsonl (one object per line)."""
    frame = for_machines(frame)
    if fmt == "csv":
        return (frame if raw_csv else spreadsheet_safe(frame)).write_csv()
    if fmt == "json":
        return frame.write_json() + "\n"
    if fmt == "jsonl":
        return frame.write_ndjson()
    raise ValueError(fmt)


def format_for(output: str | None, fmt: str | None) -> str:
    """--format wins; else the extension of -o; else a table."""
    if fmt:
        return fmt
    if output:
        return EXTENSION_FORMATS.get(os.path.splitext(output)[1].lower(), "table")
    return "table"


def write_atomically(path: str, text: str, protected: set[str]):
    """Write `text` to `path` through a temporary file and a rename; never over an input file."""
    target = os.path.realpath(path)
    if target in protected:
        raise OutputError(f"refusing to write {path}: it is one of the input log files")
    directory = os.path.dirname(target) or "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=".apiforensics-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def emit(text: str, output: str | None, protected: set[str]):
    if output and output != "-":
        write_atomically(output, text, protected)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
