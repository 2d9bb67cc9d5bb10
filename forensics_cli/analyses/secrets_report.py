"""scan-secrets over a loaded log set: every line (parsed or rejected), allowlist, baseline, exposure."""

from dataclasses import dataclass

import polars as pl

from forensics_cli.guard import EvidenceGuard
from forensics_cli.load import LoadResult
from forensics_cli.secrets.exposure import (
    apply_allowlist,
    group_exposure,
    load_allowlist,
    load_baseline,
    only_new,
)
from forensics_cli.secrets.redact import fingerprint_key
from forensics_cli.secrets.sanitize import write_sanitized
from forensics_cli.secrets.scan import REPEATED_KEYS, scan


@dataclass
class SecretFindings:
    rows: pl.DataFrame  # one row per occurrence (with internal `secret` and `needles`)
    exposure: pl.DataFrame  # one row per distinct secret
    all_after_allowlist: pl.DataFrame  # before the baseline: what a sanitized copy must remove
    notes: list[str]  # about the lines scanned (keys repeated in a line)


def _all_lines(result: LoadResult) -> pl.LazyFrame:
    """Parsed events and rejected lines alike: a traceback is where keys leak most."""
    columns = ["file", "line", "ts", "raw", "request_id", "ip", "user"]
    parsed = result.events.select(columns)
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
        .with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in ("request_id", "ip", "user"))
        .select(columns)
    )
    return pl.concat([parsed, rejected.lazy()])


def newest_file_per_service(result: LoadResult) -> dict[str, str]:
    newest: dict[str, tuple[int, str]] = {}
    for report in result.reports:
        if report.parsed or report.rejected:
            if report.service not in newest or report.rank > newest[report.service][0]:
                newest[report.service] = (report.rank, report.file)
    return {service: file for service, (_, file) in newest.items()}


def find(
    result: LoadResult, key: str | None = None, allowlist: str | None = None, baseline: str | None = None
) -> SecretFindings:
    found = scan(_all_lines(result), fingerprint_key(key)).sort(["file", "line", "field", "rule"])
    ranks = pl.DataFrame(
        {"file": [r.file for r in result.reports], "_rank": [r.rank for r in result.reports]}
    )
    found = found.join(ranks, on="file", how="left").sort(["_rank", "line", "field", "rule"]).drop("_rank")
    allowed = apply_allowlist(found, load_allowlist(allowlist)) if allowlist else found
    rows = only_new(allowed, load_baseline(baseline)) if baseline else allowed
    exposure = group_exposure(rows, newest_file_per_service(result))
    return SecretFindings(rows, exposure, allowed, _repeated_key_notes(found))


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
