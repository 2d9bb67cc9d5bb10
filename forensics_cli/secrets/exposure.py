"""From occurrences to exposure: group by secret, allowlist, baseline."""

import re
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase

import orjson
import polars as pl

GROUP_COLUMNS = [
    "rule",
    "severity",
    "fingerprint",
    "redacted",
    "first_seen",
    "last_seen",
    "occurrences",
    "files",
    "request_ids",
    "ips",
    "users",
    "still_present",
    "file",
    "line",
]
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


class SecretsConfigError(ValueError):
    """An allowlist or baseline file that cannot be used."""


def group_exposure(findings: pl.DataFrame, newest_files: dict[str, str]) -> pl.DataFrame:
    """One row per distinct secret: when first and last seen, how often, where, by whom, and whether
    it is still in the newest file of its service (then it is still being logged: rotate it now).

    `newest_files` maps each service to its newest file; `file`/`line` is the first occurrence.
    """
    if findings.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in GROUP_COLUMNS})
    newest = pl.DataFrame({"file": list(newest_files.values())}).with_columns(pl.lit(True).alias("_newest"))
    rows = findings.join(newest, on="file", how="left").with_columns(pl.col("_newest").fill_null(False))
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
    return (
        rows.sort(["timestamp", "file", "line"], nulls_last=True)
        .group_by("fingerprint", maintain_order=True)
        .agg(
            pl.col("rule").first(),
            pl.col("severity").sort_by(order).first(),
            pl.col("redacted").first(),
            pl.col("timestamp").min().alias("first_seen"),
            pl.col("timestamp").max().alias("last_seen"),
            pl.len().alias("occurrences"),
            pl.col("file").n_unique().alias("files"),
            pl.col("request_id").drop_nulls().n_unique().alias("request_ids"),
            pl.col("ip").drop_nulls().unique().sort().str.join(";").alias("ips"),
            pl.col("user").drop_nulls().unique().sort().str.join(";").alias("users"),
            pl.col("_newest").any().alias("still_present"),
            pl.col("file").first(),
            pl.col("line").first(),
        )
        .sort(
            [
                pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8),
                "first_seen",
                "fingerprint",
            ],
            nulls_last=True,
        )
        .select(GROUP_COLUMNS)
    )


@dataclass
class AllowEntry:
    rule: str | None = None
    field: str | None = None  # glob over the dotted field path
    value_regex: re.Pattern | None = None
    fingerprint: str | None = None

    def matches(self, rule: str, field: str, secret: str, fingerprint: str) -> bool:
        return (
            (self.rule is None or self.rule == rule)
            and (self.field is None or fnmatchcase(field, self.field))
            and (self.value_regex is None or bool(self.value_regex.search(secret)))
            and (self.fingerprint is None or fingerprint.startswith(self.fingerprint))
        )


def load_allowlist(path: str) -> list[AllowEntry]:
    """[[allow]] tables with any of: rule, field (glob), value_regex, fingerprint (prefix)."""
    try:
        with open(path, "rb") as handle:
            entries = tomllib.load(handle).get("allow", [])
        return [
            AllowEntry(
                e.get("rule"),
                e.get("field"),
                re.compile(e["value_regex"]) if e.get("value_regex") else None,
                e.get("fingerprint"),
            )
            for e in entries
        ]
    except (OSError, tomllib.TOMLDecodeError, re.error, AttributeError, TypeError) as exc:
        raise SecretsConfigError(f"cannot use allowlist {path}: {exc}") from exc


def apply_allowlist(findings: pl.DataFrame, entries: list[AllowEntry]) -> pl.DataFrame:
    if not entries or findings.is_empty():
        return findings
    keep = [
        not any(e.matches(rule, field, secret, fp) for e in entries)
        for rule, field, secret, fp in findings.select("rule", "field", "secret", "fingerprint").iter_rows()
    ]
    return findings.filter(pl.Series(keep, dtype=pl.Boolean))


def load_baseline(path: str) -> pl.DataFrame:
    """(fingerprint, field) pairs of an earlier scan-secrets report (json, jsonl or csv)."""
    try:
        if path.endswith(".csv"):
            frame = pl.read_csv(path, infer_schema=False)
        else:
            with open(path, "rb") as handle:
                text = handle.read()
            stripped = text.strip()
            records = (
                orjson.loads(stripped)
                if stripped.startswith(b"[")
                else [orjson.loads(line) for line in stripped.splitlines() if line.strip()]
            )
            frame = pl.DataFrame(records, infer_schema_length=None)
        return frame.select(pl.col("fingerprint").cast(pl.String), pl.col("field").cast(pl.String)).unique()
    except (OSError, orjson.JSONDecodeError, pl.exceptions.PolarsError) as exc:
        raise SecretsConfigError(f"cannot use baseline {path}: {exc}") from exc


def only_new(findings: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """Findings whose (fingerprint, field) the baseline does not have: survives rotation and renumbering."""
    return findings.join(baseline, on=["fingerprint", "field"], how="anti")
