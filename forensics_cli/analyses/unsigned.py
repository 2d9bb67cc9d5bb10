"""Stretches of time that signed logs do not cover: CloudTrail events that no digest lists.

A trail with log file validation on delivers a digest every hour listing the log files of that hour.
A log file that no digest among the inputs lists cannot be proven unaltered (the digest that listed it
was deleted, validation was off, or the file was added). `gaps` reports the time its events span as
kind `unsigned`; `verify` says which digests are missing or broken (docs/verify.md).
"""

import polars as pl


def unsigned_stretches(
    events: pl.LazyFrame, trails: dict[tuple[str, str], tuple[list[str], set[str]]]
) -> list[dict]:
    """Rows (gaps' columns), one per stretch of time covered by unlisted log files of a trail with no
    listed file's events between them. `trails`: (account, region) -> (every log file of the trail,
    the ones no digest lists), for trails that have digests among the inputs."""
    rows = []
    for (account, region), (files, unlisted) in sorted(trails.items()):
        if not unlisted:
            continue
        spans = (
            events.filter(pl.col("file").is_in(files) & pl.col("ts").is_not_null())
            .group_by("file")
            .agg(
                pl.col("ts").min().alias("start"),
                pl.col("ts").max().alias("end"),
                pl.len().alias("events"),
                pl.col("line").sort_by("ts", "line").first().alias("line"),
                pl.col("service").sort_by("ts", "line").first().alias("service"),
            )
            .sort("start", "file")
            .collect()
        )
        stretch: dict | None = None
        for span in spans.iter_rows(named=True):
            if span["file"] not in unlisted:  # a signed file: the stretch before it ends
                if stretch:
                    rows.append(_row(stretch, account, region))
                stretch = None
            elif stretch:
                stretch["end"] = max(stretch["end"], span["end"])
                stretch["events"] += span["events"]
                stretch["files"] += 1
            else:
                stretch = dict(span, files=1)
        if stretch:
            rows.append(_row(stretch, account, region))
    return rows


def _row(stretch: dict, account: str, region: str) -> dict:
    return {
        "kind": "unsigned",
        "severity": "medium",
        "start": stretch["start"],
        "end": stretch["end"],
        "duration_s": (stretch["end"] - stretch["start"]).total_seconds(),
        "service": stretch["service"],
        "file": stretch["file"],
        "line": stretch["line"],
        "detail": f"{stretch['events']} CloudTrail events of {account} {region} in {stretch['files']} log "
        "files no digest lists: they cannot be proven unaltered (digest deleted, validation off, or "
        "files added; run apiforensics verify)",
    }
