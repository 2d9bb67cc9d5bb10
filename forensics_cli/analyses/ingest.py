"""The per-file health report of `apiforensics ingest`."""

import polars as pl

from forensics_cli.load import FileReport
from forensics_cli.schema import TS_DTYPE

INGEST_COLUMNS = [
    "file",
    "service",
    "compression",
    "lines",
    "parsed",
    "rejected",
    "first_ts",
    "last_ts",
    "status",
    "sha256",
    "reason",
    "format",
    "timed",
    "coverage",
    "bad_time",
]
# canonical fields whose share of events the coverage column shows, in this order
COVERAGE_SHOWN = ("ts", "request_id", "ip", "user", "status", "outcome", "event", "path")


def ingest_report(reports: list[FileReport]) -> pl.DataFrame:
    """One row per input file, in rotation order (oldest first within each service's rotated set)."""
    rows = sorted(reports, key=lambda r: r.rank)
    return pl.DataFrame(
        {
            "file": [r.file for r in rows],
            "service": [r.service for r in rows],
            "compression": [r.compression for r in rows],
            "lines": [r.lines for r in rows],
            "parsed": [r.parsed for r in rows],
            "rejected": [r.rejected for r in rows],
            "first_ts": [r.first_ts for r in rows],
            "last_ts": [r.last_ts for r in rows],
            "status": [r.status for r in rows],
            "sha256": [r.sha256 for r in rows],
            "reason": [_reason(r) for r in rows],
            "format": [r.family for r in rows],
            "timed": [r.timed for r in rows],
            "coverage": [_coverage(r) for r in rows],
            "bad_time": [r.bad_time for r in rows],
        },
        schema={
            "file": pl.String,
            "service": pl.String,
            "compression": pl.String,
            "lines": pl.Int64,
            "parsed": pl.Int64,
            "rejected": pl.Int64,
            "first_ts": TS_DTYPE,
            "last_ts": TS_DTYPE,
            "status": pl.String,
            "sha256": pl.String,
            "reason": pl.String,
            "format": pl.String,
            "timed": pl.Int64,
            "coverage": pl.String,
            "bad_time": pl.Int64,
        },
    ).select(INGEST_COLUMNS)


def _coverage(report: FileReport) -> str:
    """'ts 100%, ip 97%, ...': the share of the file's events that have each canonical field."""
    if not report.parsed:
        return ""
    return ", ".join(
        f"{name} {100 * report.coverage.get(name, 0) // report.parsed}%" for name in COVERAGE_SHOWN
    )


def _reason(report: FileReport) -> str:
    parts = [report.reason] if report.reason else []
    if report.reject_reasons:
        parts.append(", ".join(f"{n} {why}" for why, n in sorted(report.reject_reasons.items())))
    if report.bad_utf8_lines:
        parts.append(f"{report.bad_utf8_lines} lines with bad UTF-8 (kept)")
    return "; ".join(parts)


def all_read_whole(reports: list[FileReport]) -> bool:
    """True when every log file was read whole: nothing truncated, unreadable or rejected."""
    return all(r.status in ("ok", "empty", "not_a_log") and r.rejected == 0 for r in reports)
