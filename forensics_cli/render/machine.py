"""CSV, JSON and JSONL output with the SPEC's conventions (ISO 8601 UTC timestamps, same columns)."""

import os
import sys

import polars as pl

from forensics_cli.guard import EvidenceGuard, OutputError, write_text
from forensics_cli.render.safe import csv_cells_terminal_safe, json_terminal_safe, spreadsheet_safe

__all__ = ["OutputError", "emit", "format_for", "serialize"]

FORMATS = ("table", "csv", "json", "jsonl")
EXTENSION_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


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
        return (frame if raw_csv else spreadsheet_safe(csv_cells_terminal_safe(frame))).write_csv()
    if fmt == "json":
        return json_terminal_safe(frame.write_json()) + "\n"
    if fmt == "jsonl":
        return json_terminal_safe(frame.write_ndjson())
    raise ValueError(fmt)


# -o names with these endings (or none) get the table as text
TEXT_EXTENSIONS = {"", ".txt", ".log", ".out", ".text"}


def format_for(output: str | None, fmt: str | None) -> str:
    """--format wins; else the extension of -o; else a table. An extension no format writes (`.xlsx`) is
    a ValueError: a text table in a file named .xlsx opens as a broken spreadsheet."""
    if fmt:
        return fmt
    if output:
        extension = os.path.splitext(output)[1].lower()
        if extension in EXTENSION_FORMATS:
            return EXTENSION_FORMATS[extension]
        if extension not in TEXT_EXTENSIONS:
            known = ", ".join(sorted(EXTENSION_FORMATS))
            raise ValueError(f"no format writes {extension} files (-o takes {known}, or .txt for the table)")
    return "table"


def emit(text: str, output: str | None, guard: EvidenceGuard):
    if output and output != "-":
        write_text(output, text, guard)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
