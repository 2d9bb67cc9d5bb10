"""Reconstruct what one request (or one address, or one account) did, in order, with evidence."""

from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl

TIMELINE_COLUMNS = [
    "timestamp",
    "offset_ms",
    "service",
    "file",
    "line",
    "event",
    "method",
    "path",
    "status",
    "ip",
    "user",
    "detail",
]
ORDER = ["ts", "file_rank", "line"]  # time, then rotation order of the file, then line: deterministic


@dataclass
class Selection:
    """What the user asked to see. Every given criterion selects (they are OR-ed)."""

    request_ids: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    grep: list[str] = field(default_factory=list)  # literal substrings of the raw line

    def is_empty(self) -> bool:
        return not (self.request_ids or self.ips or self.users or self.grep)


def selection_filter(selection: Selection) -> pl.Expr:
    """Exact matches on the normalized fields; --grep is the only substring search."""
    conditions = []
    if selection.request_ids:
        conditions.append(pl.col("request_id").is_in(selection.request_ids))
    if selection.ips:
        conditions.append(pl.col("ip").is_in(selection.ips))
    if selection.users:
        conditions.append(pl.col("user").is_in(selection.users))
    for text in selection.grep:
        conditions.append(pl.col("raw").str.contains(text, literal=True))
    return pl.any_horizontal(conditions).fill_null(False)


def detail_expr() -> pl.Expr:
    """A short human summary of each event: auth outcome, audit action, or status/method/path/duration."""
    duration = (
        pl.when(pl.col("duration_ms").is_not_null())
        .then(pl.lit(" ") + pl.col("duration_ms").round(0).cast(pl.Int64).cast(pl.String) + pl.lit(" ms"))
        .otherwise(pl.lit(""))
    )
    # "401 POST /api/login 12 ms" for a response; "request_started POST /api/login" before one
    request = (
        pl.concat_str(
            [
                pl.when(pl.col("status").is_null()).then(pl.col("event")),
                pl.col("status").cast(pl.String),
                pl.col("method"),
                pl.col("path"),
            ],
            separator=" ",
            ignore_nulls=True,
        )
        + duration
    )
    auth = pl.col("event").str.contains("(?i)auth|login") | pl.col("outcome").is_not_null()
    summary = (
        pl.when(auth & (pl.col("outcome") == "failure"))
        .then(pl.lit("auth failure: ") + pl.col("reason").fill_null("unknown reason"))
        .when(auth & (pl.col("outcome") == "success"))
        .then(pl.lit("auth success"))
        .when(pl.col("action").is_not_null() & pl.col("event").str.contains("(?i)audit"))
        .then(
            pl.concat_str(
                [pl.lit("audit"), pl.col("action"), pl.col("target")], separator=" ", ignore_nulls=True
            )
            + pl.when(pl.col("reason").is_not_null())
            .then(pl.lit(" → ") + pl.col("reason"))
            .otherwise(pl.lit(""))
        )
        .when(pl.col("status").is_not_null() | pl.col("method").is_not_null() | pl.col("path").is_not_null())
        .then(request)
        .otherwise(pl.coalesce(pl.col("event"), pl.col("level")).fill_null(""))
    )
    coarse = pl.when(pl.col("ts_whole_seconds")).then(pl.lit(" (time to the second)")).otherwise(pl.lit(""))
    return (summary + coarse).alias("detail")


def build_timeline(
    events: pl.LazyFrame | pl.DataFrame,
    selection: Selection,
    context: timedelta | None = None,
    raw: bool = False,
) -> pl.DataFrame:
    """Rows of the selected events (and, with `context`, the same IPs' and users' events around them).

    Columns: TIMELINE_COLUMNS, then `role` ('match' or 'context'), then `raw` when asked.
    """
    lazy = events.lazy()
    matched = lazy.filter(selection_filter(selection)).with_columns(pl.lit("match").alias("role")).collect()
    if context is not None and matched.height:
        matched = _with_context(lazy, matched, context)
    matched = matched.sort(ORDER, nulls_last=True)
    # offsets count from the first selected event: context before it is negative
    first = matched.filter(pl.col("role") == "match")["ts"].drop_nulls().min() if matched.height else None
    offset = ((pl.col("ts") - first).dt.total_microseconds() / 1000).round(3) if first is not None else None
    rows = matched.with_columns(
        pl.col("ts").alias("timestamp"),
        (offset if offset is not None else pl.lit(None, dtype=pl.Float64)).alias("offset_ms"),
        detail_expr(),
    )
    return rows.select(TIMELINE_COLUMNS + ["role"] + (["raw"] if raw else []))


def _with_context(lazy: pl.LazyFrame, matched: pl.DataFrame, context: timedelta) -> pl.DataFrame:
    """Add events of the matched IPs and users within `context` of the matched span, marked 'context'."""
    times = matched["ts"].drop_nulls()
    if times.is_empty():
        return matched
    low, high = times.min() - context, times.max() + context
    ips = matched["ip"].drop_nulls().unique().to_list()
    users = matched["user"].drop_nulls().unique().to_list()
    around = (
        lazy.filter(pl.col("ts").is_between(low, high))
        .filter(pl.col("ip").is_in(ips).fill_null(False) | pl.col("user").is_in(users).fill_null(False))
        .with_columns(pl.lit("context").alias("role"))
        .collect()
    )
    seen = matched.select("file", "line")
    around = around.join(seen, on=["file", "line"], how="anti")
    return pl.concat([matched, around])


def summarize(timeline: pl.DataFrame, selection: Selection) -> dict:
    """The header panel: what was asked, first/last seen, duration, services, final status, users, IPs."""
    matches = timeline.filter(pl.col("role") == "match")
    times = matches["timestamp"].drop_nulls()
    statuses = matches["status"].drop_nulls()
    return {
        "selection": selection,
        "events": matches.height,
        "context_events": timeline.height - matches.height,
        "first_seen": times.min() if len(times) else None,
        "last_seen": times.max() if len(times) else None,
        "duration_ms": (times.max() - times.min()).total_seconds() * 1000 if len(times) else None,
        "services": sorted(matches["service"].drop_nulls().unique().to_list()),
        "final_status": statuses[-1] if len(statuses) else None,
        "users": sorted(matches["user"].drop_nulls().unique().to_list()),
        "ips": sorted(matches["ip"].drop_nulls().unique().to_list()),
        "auth_failures": int(matches["detail"].str.starts_with("auth failure").sum()),
    }


def closest_request_ids(events: pl.LazyFrame | pl.DataFrame, wanted: list[str], limit: int = 5) -> list[str]:
    """Known request IDs sharing the longest prefix with what was asked (a typo or a cut-off paste)."""
    ids = events.lazy().select(pl.col("request_id").drop_nulls().unique()).collect().to_series()
    suggestions: list[str] = []
    for target in wanted:
        for length in range(min(len(target), 12), 3, -1):
            found = ids.filter(ids.str.starts_with(target[:length])).sort().head(limit).to_list()
            if found:
                suggestions.extend(found)
                break
    return list(dict.fromkeys(suggestions))[:limit]
