"""The tables of the incident report, the same in HTML and Markdown: for each, its (column, heading)
pairs and the frame it is drawn from."""

import polars as pl

from forensics_cli.render.tables import top_with_count, with_evidence

Columns = list[tuple[str, str]]

FILES: Columns = [
    ("file", "file"),
    ("service", "service"),
    ("format", "format"),
    ("lines", "lines"),
    ("parsed", "parsed"),
    ("rejected", "rejected"),
    ("first_ts", "first"),
    ("last_ts", "last"),
    ("status", "status"),
    ("coverage", "fields present"),
    ("reason", "reason"),
]
EPISODES: Columns = [
    ("severity", "severity"),
    ("kind", "kind"),
    ("window", "window"),
    ("first_seen", "first"),
    ("last_seen", "last"),
    ("failures", "failures"),
    ("ips", "sources"),
    ("users", "accounts"),
    ("got_in", "got in"),
    ("evidence", "evidence"),
    ("detail", "detail"),
]
TAKEOVER: Columns = [
    ("timestamp", "time"),
    ("service", "service"),
    ("evidence", "evidence"),
    ("status", "status"),
    ("privileged", "privileged"),
    ("ip", "ip"),
    ("detail", "detail"),
]
EXPOSURE: Columns = [
    ("severity", "severity"),
    ("rule", "rule"),
    ("redacted", "value (masked)"),
    ("fingerprint", "fingerprint"),
    ("first_seen", "exposed from"),
    ("last_seen", "to"),
    ("occurrences", "occurrences"),
    ("still_present", "still present"),
    ("evidence", "first seen at"),
]
OCCURRENCES: Columns = [
    ("severity", "severity"),
    ("rule", "rule"),
    ("timestamp", "time"),
    ("evidence", "evidence"),
    ("field", "field"),
    ("redacted", "value (masked)"),
    ("detail", "detail"),
]
GAPS: Columns = [
    ("severity", "severity"),
    ("kind", "kind"),
    ("service", "service"),
    ("start", "start"),
    ("minutes", "minutes"),
    ("evidence", "evidence"),
    ("detail", "detail"),
]


def episode_rows(episodes: pl.DataFrame) -> pl.DataFrame:
    """Episodes with their evidence, the first three sources and accounts, and who got in."""
    got_in = pl.format(
        "{} from {}", pl.col("success_user").fill_null("?"), pl.col("success_ip").fill_null("?")
    )
    return with_evidence(episodes).with_columns(
        top_with_count("ips", "distinct_ips", ", "),
        top_with_count("users", "distinct_users", ", "),
        pl.when(pl.col("succeeded")).then(got_in).alias("got_in"),
    )


def gap_rows(gaps: pl.DataFrame) -> pl.DataFrame:
    """Gaps with their evidence and their length in minutes."""
    return with_evidence(gaps).with_columns((pl.col("duration_s") / 60).round(1).alias("minutes"))
