"""What an attacker did after getting in: the events that follow each success `bruteforce` credits.

For every account and address that got in (an episode's `success_user` / `success_ip`), the first
`limit` events within `window` of the success, across services: the account's events, the address's
events, and every line of the successful login's own request. Each row says whether it is a privileged
or persistence action (privileged.py) and whether its address or user agent is new for the account,
compared with the account's own events before the attack began; `bytes_sent` is the response size
where the log writes one (the data that left).
"""

from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from forensics_cli.analyses.privileged import privileged_expr
from forensics_cli.analyses.timeline import ORDER, detail_expr
from forensics_cli.geoip import Locator
from forensics_cli.schema import TS_DTYPE

TAKEOVER_COLUMNS = [
    "account",
    "address",
    "timestamp",
    "offset_ms",
    "service",
    "file",
    "line",
    "event",
    "method",
    "path",
    "status",
    "bytes_sent",
    "ip",
    "user",
    "country",
    "asn",
    "privileged",
    "first_seen",
    "detail",
]
REQUEST_LEAD_S = 60.0  # how far before the success the login request's first line may be


@dataclass(frozen=True)
class TakeoverOptions:
    limit: int = 50  # events shown per compromise
    window_s: float = 3600.0  # how long after the success events are followed


def compromises(episodes: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct success that made an episode `succeeded`: account, address, when, where."""
    return (
        episodes.filter(pl.col("succeeded"))
        # one success record: file:line alone is not one inside a one-line JSON document
        .group_by("success_file", "success_line", "first_success", "success_user", "success_ip")
        .agg(pl.col("first_seen").min().alias("attack_start"))
        .rename({"success_user": "account", "success_ip": "address"})
        .sort("first_success", "success_file", "success_line")  # compromises in the order they happened
        .with_row_index("_compromise")
    )


def _anchored(events: pl.LazyFrame, found: pl.DataFrame) -> pl.DataFrame:
    """Each compromise with `_request` (the success line's request id) and `_anchor`: the first line of
    that request (the login's request_started line), or the success itself."""
    lines = events.filter(
        pl.col("file").is_in(found["success_file"].unique().implode())
        & pl.col("line").is_in(found["success_line"].unique().implode())
    )
    # a JSON document on one line (a CloudTrail file) holds many records on the same file:line: the
    # success is the record with its time and account there
    candidates = lines.select("file", "line", "ts", "user", pl.col("request_id").alias("_request")).collect()
    success_lines = (
        found.join(
            candidates,
            left_on=["success_file", "success_line", "first_success"],
            right_on=["file", "line", "ts"],
            how="left",
        )
        .sort(pl.col("user").eq_missing(pl.col("account")), descending=True, maintain_order=True)
        .unique("_compromise", keep="first", maintain_order=True)
        .drop("user")
        .sort("_compromise")
    )
    requests = success_lines["_request"].drop_nulls().unique()
    lead = timedelta(seconds=REQUEST_LEAD_S)
    request_lines = (
        events.filter(pl.col("request_id").is_in(requests.implode()))
        .select(pl.col("request_id").alias("_request"), "ts")
        .collect()
    )
    starts = (
        success_lines.join(request_lines, on="_request", how="left")
        .filter(pl.col("ts").is_between(pl.col("first_success") - lead, pl.col("first_success")))
        .group_by("_compromise")
        .agg(pl.col("ts").min().alias("_anchor"))
    )
    anchored = success_lines.join(starts, on="_compromise", how="left")
    return anchored.with_columns(pl.coalesce("_anchor", "first_success").alias("_anchor"))


def _followed(events: pl.LazyFrame, found: pl.DataFrame, window_s: float) -> pl.DataFrame:
    """Events of the account, the address or the login request in [anchor, anchor + window]."""
    bounds = found.select(
        "_compromise",
        "_anchor",
        (pl.col("_anchor") + timedelta(seconds=window_s)).alias("_until"),
        "account",
        "address",
        "_request",
    )
    low, high = bounds["_anchor"].min(), bounds["_until"].max()
    concerned = (
        pl.col("user").is_in(bounds["account"].drop_nulls().unique().implode()).fill_null(False)
        | pl.col("ip").is_in(bounds["address"].drop_nulls().unique().implode()).fill_null(False)
        | pl.col("request_id").is_in(bounds["_request"].drop_nulls().unique().implode()).fill_null(False)
    )
    span = events.filter(pl.col("ts").is_between(low, high) & concerned).collect()
    parts = [
        span.join(bounds.drop_nulls(key), left_on=column, right_on=key, how="inner")
        for column, key in (("user", "account"), ("ip", "address"), ("request_id", "_request"))
    ]
    joined = pl.concat([p.select(span.columns + ["_compromise", "_anchor", "_until"]) for p in parts])
    # the same row found by account and by address stays once
    return (
        joined.filter(pl.col("ts").is_between(pl.col("_anchor"), pl.col("_until")))
        .unique(["_compromise", "_row"], keep="first")
        .sort(["_compromise", *ORDER, "_row"])
    )


def _history(events: pl.LazyFrame, found: pl.DataFrame) -> pl.DataFrame:
    """Each compromised account's addresses and user agents before its attack began."""
    accounts = found.select("_compromise", "account", "attack_start").drop_nulls("account")
    before = (
        events.filter(pl.col("user").is_in(accounts["account"].unique().implode()))
        .select("user", "ts", "ip", "user_agent")
        .collect()
        .join(accounts, left_on="user", right_on="account")
        # the attack's own first requests start a moment before its first failure
        .filter(pl.col("ts") < pl.col("attack_start") - timedelta(seconds=REQUEST_LEAD_S))
    )
    return before.select("_compromise", "ip", "user_agent")


# what is told "new" for an account: (column, how a row says it)
FIRST_SEEN_FACTS = (
    ("ip", "new address"),
    ("user_agent", "new user agent"),
    ("country", "new country"),
    ("asn", "new network"),
)


def _with_location(frame: pl.DataFrame, locate: Locator | None) -> pl.DataFrame:
    """Add `country` and `asn` of each row's address (null without a --geoip database)."""
    if locate is None:
        return frame.with_columns(
            pl.lit(None, pl.String).alias("country"), pl.lit(None, pl.String).alias("asn")
        )
    return frame.join(locate(frame["ip"]), on="ip", how="left")


def _first_seen(rows: pl.DataFrame, history: pl.DataFrame) -> pl.Expr:
    """On the first row of a compromise showing it: each address, user agent, country or network the
    account never had in its events before the attack."""
    facts = []
    for column, label in FIRST_SEEN_FACTS:
        known = (
            history.select("_compromise", column).drop_nulls().unique().with_columns(pl.lit(True).alias("_k"))
        )
        seen = rows.join(known, on=["_compromise", column], how="left")["_k"].is_not_null()
        new = pl.col(column).is_not_null() & ~pl.lit(seen) & pl.col("account").is_not_null()
        first = new & pl.col(column).is_first_distinct().over("_compromise")
        facts.append((first, pl.format(f"{label} {{}}", pl.col(column))))
    no_history = pl.when(~pl.col("_compromise").is_in(history["_compromise"].unique().implode())).then(
        pl.format("(no events of {} before the attack)", pl.col("account"))
    )
    any_new = pl.any_horizontal(first for first, _ in facts)
    text = pl.concat_str(
        [pl.when(first).then(said) for first, said in facts] + [pl.when(any_new).then(no_history)],
        separator="; ",
        ignore_nulls=True,
    )
    return pl.when(text != "").then(text)


def takeover(
    events: pl.LazyFrame | pl.DataFrame,
    episodes: pl.DataFrame,
    options: TakeoverOptions | None = None,
    raw: bool = False,
    locate: Locator | None = None,
) -> pl.DataFrame:
    """TAKEOVER_COLUMNS (and `raw` when asked) for every compromise in `episodes` (bruteforce.detect's
    result), each compromise's events in time order. `locate` (geoip.open_locator) adds country and
    network, and makes a new one a first-seen fact."""
    options = options or TakeoverOptions()
    lazy = events.lazy().with_row_index("_row")  # file:line is not unique inside a one-line JSON document
    found = compromises(episodes)
    if found.is_empty():
        return empty_takeover(raw)
    found = _anchored(lazy, found)
    rows = _followed(lazy, found, options.window_s)
    rows = rows.filter(pl.int_range(pl.len()).over("_compromise") < options.limit)
    rows = rows.join(found.select("_compromise", "account", "address"), on="_compromise", how="left")
    rows = _with_location(rows.sort(["_compromise", *ORDER, "_row"]), locate)
    history = _with_location(_history(lazy, found), locate)
    rows = rows.with_columns(_first_seen(rows, history).alias("first_seen")).with_columns(
        pl.col("ts").alias("timestamp"),
        ((pl.col("ts") - pl.col("_anchor")).dt.total_microseconds() / 1000).round(3).alias("offset_ms"),
        privileged_expr(),
        detail_expr(),
    )
    privileged_note = pl.when(pl.col("privileged").is_not_null()).then(
        pl.format("{} after the success: {}", pl.col("privileged"), pl.col("detail"))
    )
    rows = rows.with_columns(pl.coalesce(privileged_note, pl.col("detail")).alias("detail"))
    return rows.select(TAKEOVER_COLUMNS + (["raw"] if raw else []))


def empty_takeover(raw: bool = False) -> pl.DataFrame:
    """A zero-row takeover result."""
    schema = {
        "account": pl.String,
        "address": pl.String,
        "timestamp": TS_DTYPE,
        "offset_ms": pl.Float64,
        "service": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "event": pl.String,
        "method": pl.String,
        "path": pl.String,
        "status": pl.Int32,
        "bytes_sent": pl.Int64,
        "ip": pl.String,
        "user": pl.String,
        "country": pl.String,
        "asn": pl.String,
        "privileged": pl.String,
        "first_seen": pl.String,
        "detail": pl.String,
    }
    return pl.DataFrame(schema=schema | ({"raw": pl.String} if raw else {}))
