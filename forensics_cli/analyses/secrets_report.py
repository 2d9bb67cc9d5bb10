"""scan-secrets over a loaded log set: every line (parsed or rejected), allowlist, baseline, exposure."""

from dataclasses import dataclass

import polars as pl

from forensics_cli.discover import CLOUDTRAIL_DIGEST, NO_JSON_TEXT
from forensics_cli.guard import EvidenceGuard
from forensics_cli.ingest_file import FileReport
from forensics_cli.load import LoadResult
from forensics_cli.reader import ReadState, read_line_chunks
from forensics_cli.schema import TS_DTYPE
from forensics_cli.secrets.exposure import (
    apply_allowlist,
    group_exposure,
    load_allowlist,
    load_baseline,
    only_new,
)
from forensics_cli.secrets.redact import fingerprint_key
from forensics_cli.secrets.sanitize import write_sanitized
from forensics_cli.secrets.scan import REPEATED_KEYS, ScanProblem, candidate_filter_on, scan


@dataclass
class SecretFindings:
    rows: pl.DataFrame  # one row per occurrence (with internal `secret` and `needles`)
    exposure: pl.DataFrame  # one row per distinct secret
    all_after_allowlist: pl.DataFrame  # before the baseline: what a sanitized copy must remove
    notes: list[str]  # about the lines scanned (keys repeated, text files, lines a detector failed on)
    problems: list[ScanProblem]  # lines a detector could not handle (the rest were still scanned)
    text_files: list[str]  # files with no JSON at all, scanned line by line as free text
    unscanned: list[tuple[str, str]]  # (file, why): inputs that could not be read as text at all


LINE_COLUMNS = ["file", "line", "ts", "raw", "request_id", "ip", "user"]
EVENT_ONLY = ("request_id", "ip", "user")  # what a rejected or free-text line has no value for


def is_text_file(report: FileReport) -> bool:
    """A readable text file that holds no JSON (a plain stderr log, a config dump): not a log to the
    analyses, but its lines can still hold a leaked key."""
    return report.status == "not_a_log" and report.reason in (NO_JSON_TEXT, CLOUDTRAIL_DIGEST)


def _text_file_lines(report: FileReport) -> pl.DataFrame:
    """The candidate lines of a text file, read chunk by chunk (only lines worth a closer look kept)."""
    parts = []
    for chunk in read_line_chunks(report.file, report.compression, ReadState()):
        parts.append(chunk.frame.select("line", "raw").filter(candidate_filter_on("raw")))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema={"line": pl.Int64, "raw": pl.String})
    return frame.select(
        pl.lit(report.file).alias("file"),
        pl.col("line").cast(pl.Int64),
        pl.lit(None, dtype=TS_DTYPE).alias("ts"),
        "raw",
        *(pl.lit(None, dtype=pl.String).alias(c) for c in EVENT_ONLY),
    )


def _all_lines(result: LoadResult) -> pl.LazyFrame:
    """Parsed events and rejected lines alike: a traceback is where keys leak most."""
    parsed = result.events.select(LINE_COLUMNS)
    # a rejected line (a traceback) takes the time of the last parsed line before it in its file
    rejected_files = result.rejects["file"].unique().to_list()
    times = (
        parsed.filter(pl.col("file").is_in(rejected_files))
        .select("file", "line", "ts")
        .drop_nulls("ts")
        .collect()
        .sort("file", "line")
    )
    rejected = (
        result.rejects.select("file", "line", "raw")
        .sort("file", "line")
        .join_asof(times, on="line", by="file", strategy="backward", check_sortedness=False)
        .with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in EVENT_ONLY)
        .select(LINE_COLUMNS)
    )
    text = [_text_file_lines(r).lazy() for r in result.reports if is_text_file(r)]
    return pl.concat([parsed, rejected.lazy(), *text])


def newest_file_per_service(result: LoadResult) -> dict[str, str]:
    newest: dict[str, tuple[int, str]] = {}
    for report in result.reports:
        if report.parsed or report.rejected or is_text_file(report):
            if report.service not in newest or report.rank > newest[report.service][0]:
                newest[report.service] = (report.rank, report.file)
    return {service: file for service, (_, file) in newest.items()}


def find(
    result: LoadResult, key: str | None = None, allowlist: str | None = None, baseline: str | None = None
) -> SecretFindings:
    problems: list[ScanProblem] = []
    found = scan(_all_lines(result), fingerprint_key(key), problems).sort(["file", "line", "field", "rule"])
    ranks = pl.DataFrame(
        {"file": [r.file for r in result.reports], "_rank": [r.rank for r in result.reports]}
    )
    found = found.join(ranks, on="file", how="left").sort(["_rank", "line", "field", "rule"]).drop("_rank")
    allowed = apply_allowlist(found, load_allowlist(allowlist)) if allowlist else found
    rows = only_new(allowed, load_baseline(baseline)) if baseline else allowed
    exposure = group_exposure(rows, newest_file_per_service(result))
    text_files = [r.file for r in result.reports if is_text_file(r)]
    unscanned = [
        (r.file, r.reason)
        for r in result.reports
        if r.status in ("not_a_log", "unreadable") and not is_text_file(r) and not (r.parsed or r.rejected)
    ]
    notes = _repeated_key_notes(found) + _coverage_notes(problems, text_files, unscanned)
    return SecretFindings(rows, exposure, allowed, notes, problems, text_files, unscanned)


def _coverage_notes(problems: list[ScanProblem], text_files: list[str], unscanned) -> list[str]:
    """What the scan read differently or not at all: never a silent 'nothing found'."""
    notes = []
    if text_files:
        shown = ", ".join(text_files[:5]) + (", …" if len(text_files) > 5 else "")
        notes.append(f"{len(text_files)} files hold no JSON: scanned line by line as free text ({shown})")
    if unscanned:
        shown = ", ".join(f"{file} ({why})" for file, why in unscanned[:5]) + (
            ", …" if len(unscanned) > 5 else ""
        )
        notes.append(f"{len(unscanned)} files could not be scanned: {shown}")
    if problems:
        first = ", ".join(f"{p.file}:{p.line} ({p.error})" for p in problems[:3])
        notes.append(
            f"{len(problems)} lines could not be scanned by a detector (the other lines were): {first}"
        )
    return notes


def _repeated_key_notes(found: pl.DataFrame) -> list[str]:
    """A line naming a key twice is read differently by different parsers: say where it happened."""
    lines = (
        found.filter(pl.col("detail").str.contains(REPEATED_KEYS, literal=True))
        .select("file", "line")
        .unique(maintain_order=True)
    )
    if lines.is_empty():
        return []
    first = ", ".join(f"{file}:{line}" for file, line in lines.head(5).iter_rows())
    return [
        f"{lines.height} lines with a secret repeat a JSON key (parsers keep different values; every "
        f"value was scanned): {first}"
    ]


def sanitize(result: LoadResult, findings: pl.DataFrame, out_dir: str, guard: EvidenceGuard) -> list[str]:
    files = [(r.file, r.compression) for r in result.reports if r.parsed or r.rejected]
    return write_sanitized(findings, files, out_dir, guard)
