"""Detect brute force, password spraying, distributed brute force and credential stuffing.

Windows slide over event time: for every failure, the window is the `window` seconds ending at it, so
a burst is never split by a bucket edge. Windows over threshold that overlap merge into one episode.
Thresholds and their sources are in docs/bruteforce.md.
"""

from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from forensics_cli.schema import TS_DTYPE
from forensics_cli.shellquote import shell_quoted

BRUTEFORCE_COLUMNS = [
    "kind",
    "severity",
    "first_seen",
    "last_seen",
    "failures",
    "successes",
    "distinct_ips",
    "distinct_users",
    "ips",
    "users",
    "succeeded",
    "first_success",
    "file",
    "line",
    "detail",
]
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MAX_LISTED = 20
HISTOGRAM_BINS = 16


@dataclass
class Thresholds:
    """Defaults follow fail2ban (maxretry 5 / findtime 10m, scaled to 2m), Elastic's brute-force and
    spraying rules (10+ failures; 10+ accounts from one source) and Sigma's value_count correlations."""

    window_s: float = 120.0
    threshold: int = 10  # failures in one window (brute_force, distributed_brute_force)
    min_users: int = 10  # distinct accounts from one source in one window (password_spray)
    min_sources: int = 5  # distinct sources against one account in one window (distributed)
    stuffing_surge: float = 10.0  # failures in a window vs the log's own average per window
    grace_s: float = 600.0  # a success this long after the episode still counts as "got in"
    by: str | None = None  # "ip" or "user": only that pivot


def _window(seconds: float) -> str:
    return f"{int(seconds * 1_000_000)}us"


def _hot_intervals(failures: pl.DataFrame, key: str | None, window_s: float, hot: pl.Expr) -> pl.DataFrame:
    """[start, end] of every window (ending at a failure) where `hot` holds, merged when they overlap."""
    frame = failures if key else failures.with_columns(pl.lit("*").alias("_all"))
    key = key or "_all"
    frame = frame.filter(pl.col(key).is_not_null()).sort([key, "ts"])
    if frame.is_empty():
        return pl.DataFrame(schema={key: pl.String, "start": TS_DTYPE, "end": TS_DTYPE})
    windows = frame.rolling(index_column="ts", period=_window(window_s), group_by=key).agg(
        pl.len().alias("n_failures"),
        pl.col("user").n_unique().alias("n_users"),
        pl.col("ip").n_unique().alias("n_ips"),
        pl.col("ts").first().alias("start"),
    )
    windows = windows.filter(hot).select(key, "start", pl.col("ts").alias("end")).sort([key, "end"])
    merged = (
        windows.with_columns(
            (pl.col("start") > pl.col("end").cum_max().shift(1).over(key)).fill_null(True).alias("_new")
        )
        .with_columns(pl.col("_new").cum_sum().over(key).alias("_episode"))
        .group_by(key, "_episode", maintain_order=True)
        .agg(pl.col("start").min(), pl.col("end").max())
        .drop("_episode")
    )
    return merged


def _counts(column: str) -> pl.Expr:
    """Inside an aggregation: the value counts of a column (turned into a list by _top)."""
    return pl.col(column).drop_nulls().value_counts(sort=False).alias(f"_{column}_counts")


def _top(column: str) -> pl.Expr:
    """The most active values, ';'-separated: by count, then by value for a deterministic order."""
    element = pl.element()
    ordered = element.sort_by(
        element.struct.field("count"), element.struct.field(column), descending=[True, False]
    )
    return (
        pl.col(f"_{column}_counts")
        .list.eval(ordered.struct.field(column).head(MAX_LISTED))
        .list.join(";")
        .alias(column + "s")
    )


def _episodes(
    attempts: pl.DataFrame, intervals: pl.DataFrame, key: str | None, kind: str | pl.Expr
) -> pl.DataFrame:
    """Aggregate the failures inside each interval into one episode row."""
    failures = attempts.filter(pl.col("failed"))
    ids = intervals.with_row_index("_episode")
    if key:
        joined = failures.join(ids, on=key, how="inner")
    else:
        joined = failures.join(ids.drop("_all", strict=False), how="cross")
    inside = joined.filter(pl.col("ts").is_between(pl.col("start"), pl.col("end")))
    grouped = (
        inside.sort(["ts", "file_rank", "line"])
        .group_by("_episode", maintain_order=True)
        .agg(
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
            pl.len().alias("failures"),
            pl.col("ip").n_unique().alias("distinct_ips"),
            pl.col("user").n_unique().alias("distinct_users"),
            _counts("ip"),
            _counts("user"),
            pl.col("file").first(),
            pl.col("line").first(),
            pl.col("ts").alias("_times"),
            pl.col("ip").drop_nulls().unique().alias("_ip_set"),
            pl.col("user").drop_nulls().unique().alias("_user_set"),
        )
    )
    grouped = grouped.with_columns(_top("ip"), _top("user"))
    return grouped.with_columns(
        kind.alias("kind") if isinstance(kind, pl.Expr) else pl.lit(kind).alias("kind")
    )


def _successes(episodes: pl.DataFrame, attempts: pl.DataFrame, grace_s: float) -> pl.DataFrame:
    """successes and first_success of each episode: a success from an attacking source, or (for attacks
    on a few accounts) for an attacked account, from the first failure until `grace` after the last."""
    wins = attempts.filter(~pl.col("failed")).select("ts", "ip", "user")
    if episodes.is_empty():
        return episodes.with_columns(
            pl.lit(0, pl.UInt32).alias("successes"), pl.lit(None, TS_DTYPE).alias("first_success")
        )
    few_accounts = pl.col("kind").is_in(["brute_force", "distributed_brute_force"])
    matched = (
        episodes.select("_episode", "kind", "first_seen", "last_seen", "_ip_set", "_user_set")
        .join(wins, how="cross")
        .filter(
            pl.col("ts").is_between(pl.col("first_seen"), pl.col("last_seen") + timedelta(seconds=grace_s))
        )
        .filter(
            pl.col("_ip_set").list.contains(pl.col("ip")).fill_null(False)
            | (few_accounts & pl.col("_user_set").list.contains(pl.col("user")).fill_null(False))
        )
        .group_by("_episode")
        .agg(
            pl.len().alias("successes"),
            pl.col("ts").min().alias("first_success"),
            pl.col("ip").sort_by("ts").first().alias("_success_ip"),
            pl.col("user").sort_by("ts").first().alias("_success_user"),
        )
    )
    return episodes.join(matched, on="_episode", how="left").with_columns(pl.col("successes").fill_null(0))


def detect(
    events: pl.LazyFrame | pl.DataFrame,
    thresholds: Thresholds | None = None,
    login_paths: list[str] | None = None,
) -> pl.DataFrame:
    """One row per attack episode (BRUTEFORCE_COLUMNS, plus `histogram` for the table view)."""
    from forensics_cli.analyses.auth import auth_attempts

    t = thresholds or Thresholds()
    attempts = auth_attempts(events, login_paths).collect()
    return detect_in_attempts(attempts, t)


def detect_in_attempts(attempts: pl.DataFrame, t: Thresholds) -> pl.DataFrame:
    """Episodes from an attempt frame (ts, ip, user, failed, file, line, file_rank)."""
    failures = attempts.filter(pl.col("failed"))
    parts: list[pl.DataFrame] = []
    if t.by in (None, "ip"):
        hot = (pl.col("n_failures") >= t.threshold) | (pl.col("n_users") >= t.min_users)
        intervals = _hot_intervals(failures, "ip", t.window_s, hot)
        kind = (
            pl.when(
                (pl.col("distinct_users") >= t.min_users)
                & (pl.col("failures") <= 3 * pl.col("distinct_users"))
            )
            .then(pl.lit("password_spray"))
            .otherwise(pl.lit("brute_force"))
        )
        parts.append(_episodes(attempts, intervals, "ip", kind))
    if t.by in (None, "user"):
        # Failures against one account are an attack whatever the number of sources: none (Teleport
        # logs no address), several, or many (distributed). One source is the source pivot's episode.
        hot = pl.col("n_failures") >= t.threshold
        intervals = _hot_intervals(failures, "user", t.window_s, hot)
        sources = pl.col("_ip_set").list.len()
        kind = (
            pl.when(sources >= t.min_sources)
            .then(pl.lit("distributed_brute_force"))
            .otherwise(pl.lit("brute_force"))
        )
        account_episodes = _episodes(attempts, intervals, "user", kind).filter(sources != 1)
        parts.append(account_episodes)
    if t.by is None and failures.height:
        span = (failures["ts"].max() - failures["ts"].min()).total_seconds()
        expected = failures.height * t.window_s / max(span, t.window_s)
        hot = (
            (pl.col("n_failures") >= max(t.threshold, t.stuffing_surge * expected))
            & (pl.col("n_users") >= t.min_users)
            & (pl.col("n_ips") >= t.min_sources)
            & (pl.col("n_failures") <= 2.5 * pl.col("n_users"))
        )
        intervals = _hot_intervals(failures, None, t.window_s, hot)
        parts.append(_episodes(attempts, intervals, None, "credential_stuffing"))
    parts = [p.with_columns(pl.col("_episode").cast(pl.Int64) + 1_000_000 * i) for i, p in enumerate(parts)]
    episodes = pl.concat(parts) if parts else pl.DataFrame()
    if episodes.is_empty():
        return _empty()
    episodes = _successes(episodes, attempts, t.grace_s)
    return _finish(episodes, t)


def _finish(episodes: pl.DataFrame, t: Thresholds) -> pl.DataFrame:
    succeeded = pl.col("first_success").is_not_null()
    severity = (
        pl.when(succeeded)
        .then(pl.lit("critical"))
        .when(pl.col("kind") == "brute_force")
        .then(pl.when(pl.col("failures") >= 5 * t.threshold).then(pl.lit("high")).otherwise(pl.lit("medium")))
        .otherwise(pl.lit("high"))
    )
    pivot = (
        pl.when(pl.col("_success_ip").is_not_null())
        .then(pl.lit("apiforensics timeline --ip ") + shell_quoted(pl.col("_success_ip")))
        .otherwise(pl.lit("apiforensics timeline --user ") + shell_quoted(pl.col("_success_user")))
    )
    since = pl.col("first_success").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    detail = (
        pl.when(succeeded)
        .then(pl.lit("success after failures; next: ") + pivot + pl.lit(" --since ") + since)
        .otherwise(
            pl.format(
                "{} failures in {} s",
                pl.col("failures"),
                (pl.col("last_seen") - pl.col("first_seen")).dt.total_seconds(),
            )
        )
    )
    result = episodes.with_columns(
        severity.alias("severity"), succeeded.alias("succeeded"), detail.alias("detail")
    )
    result = result.join(_histograms(episodes), on="_episode", how="left")
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int8)
    return result.sort([order, "first_seen", "kind", "ips", "users"]).select(
        BRUTEFORCE_COLUMNS + ["histogram"]
    )


def _histograms(episodes: pl.DataFrame) -> pl.DataFrame:
    """Failures per slice of each episode (HISTOGRAM_BINS slices), for the table's sparkline."""
    span = (pl.col("last_seen") - pl.col("first_seen")).dt.total_microseconds() + 1
    offset = (pl.col("_times") - pl.col("first_seen")).dt.total_microseconds()
    counted = (
        episodes.select("_episode", "first_seen", "last_seen", "_times")
        .explode("_times")
        .with_columns((offset * HISTOGRAM_BINS // span).alias("bin"))
        .group_by("_episode", "bin")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    slots = pl.DataFrame({"bin": list(range(HISTOGRAM_BINS))}, schema={"bin": pl.Int64})
    return (
        episodes.select("_episode")
        .join(slots, how="cross")
        .join(counted, on=["_episode", "bin"], how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort("_episode", "bin")
        .group_by("_episode", maintain_order=True)
        .agg(pl.col("n").alias("histogram"))
    )


def _empty() -> pl.DataFrame:
    schema = {
        "kind": pl.String,
        "severity": pl.String,
        "first_seen": TS_DTYPE,
        "last_seen": TS_DTYPE,
        "failures": pl.UInt32,
        "successes": pl.UInt32,
        "distinct_ips": pl.UInt32,
        "distinct_users": pl.UInt32,
        "ips": pl.String,
        "users": pl.String,
        "succeeded": pl.Boolean,
        "first_success": TS_DTYPE,
        "file": pl.String,
        "line": pl.Int64,
        "detail": pl.String,
        "histogram": pl.List(pl.Int64),
    }
    return pl.DataFrame(schema=schema)
