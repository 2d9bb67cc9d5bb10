"""Detect brute force, password spraying, distributed brute force and credential stuffing.

Windows slide over event time: for every failure, the window is the `window` seconds ending at it, so
a burst is never split by a bucket edge. Windows over threshold that overlap merge into one episode.
Three time scales run by default (2 minutes, 1 hour, 1 day, each with its own thresholds), and an
attack seen at several is reported once, at the scale that explains the most of its failures.
Thresholds and their sources are in docs/bruteforce.md.
"""

from dataclasses import dataclass, field

import polars as pl

from forensics_cli.analyses.login_success import SUCCESS_COLUMNS, credit_successes, empty_success_columns
from forensics_cli.analyses.scales import LONG_SCALES, Scale, best_scale
from forensics_cli.analyses.sources import DEFAULT_V6_PREFIX, with_source
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
    *SUCCESS_COLUMNS[2:],  # success_user, success_ip, success_file, success_line
    "detail",
    "window",
]
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MAX_LISTED = 20
HISTOGRAM_BINS = 16
REUSED_ID_ATTEMPTS = 3  # a request id on this many attempts or more is named in `detail`


@dataclass
class Thresholds:
    """Defaults follow fail2ban (maxretry 5 / findtime 10m, scaled to 2m), Elastic's brute-force and
    spraying rules (10+ failures; 10+ accounts from one source) and Sigma's value_count correlations.
    `window_s` and the three counts set the short scale; `long_scales` run beside it."""

    window_s: float = 120.0
    threshold: int = 10  # failures in one window (brute_force, distributed_brute_force)
    min_users: int = 10  # distinct accounts from one source in one window (password_spray)
    min_sources: int = 5  # distinct sources against one account in one window (distributed)
    stuffing_surge: float = 10.0  # failures in a window vs the log's own average per window
    grace_s: float = 600.0  # a success this long after the episode still counts as "got in"
    by: str | None = None  # "ip" or "user": only that pivot
    long_scales: tuple[Scale, ...] = field(default=LONG_SCALES)
    v6_prefix: int = DEFAULT_V6_PREFIX  # IPv6 sources are grouped by this network prefix

    def scales(self) -> list[Scale]:
        """The short scale, then every long scale with a longer window."""
        short = Scale(self.window_s, self.threshold, self.min_users, self.min_sources, stuffing=True)
        return [short] + sorted(
            (s for s in self.long_scales if s.window_s > self.window_s), key=lambda s: s.window_s
        )


def _window(seconds: float) -> str:
    return f"{int(seconds * 1_000_000)}us"


# what a `hot` condition can read about the window ending at each failure
_WINDOW_COUNTS = {
    "n_failures": pl.len(),
    "n_users": pl.col("user").drop_nulls().n_unique(),
    "n_ips": pl.col("source").drop_nulls().n_unique(),
}


def _hot_intervals(failures: pl.DataFrame, key: str, window_s: float, hot: pl.Expr) -> pl.DataFrame:
    """[start, end] of every window (ending at a failure) where `hot` holds, merged when they overlap.
    `hot` reads the window's counts: n_failures, n_users, n_ips (_WINDOW_COUNTS)."""
    frame = failures.filter(pl.col(key).is_not_null()).sort([key, "ts"])
    if frame.is_empty():
        return pl.DataFrame(schema={key: pl.String, "start": TS_DTYPE, "end": TS_DTYPE})
    # only the counts `hot` reads: a distinct count per window costs ~5x the count of failures
    needed = set(hot.meta.root_names())
    counts = [count.alias(name) for name, count in _WINDOW_COUNTS.items() if name in needed]
    windows = frame.rolling(index_column="ts", period=_window(window_s), group_by=key).agg(
        *counts, pl.col("ts").first().alias("start")
    )
    windows = windows.filter(hot).select(key, "start", pl.col("ts").alias("end")).sort([key, "end"])
    return (
        windows.with_columns(
            (pl.col("start") > pl.col("end").cum_max().shift(1).over(key)).fill_null(True).alias("_new")
        )
        .with_columns(pl.col("_new").cum_sum().over(key).alias("_episode"))
        .group_by(key, "_episode", maintain_order=True)
        .agg(pl.col("start").min(), pl.col("end").max())
        .drop("_episode")
    )


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


def _episodes(failures: pl.DataFrame, intervals: pl.DataFrame, key: str, kind: pl.Expr) -> pl.DataFrame:
    """Aggregate the failures inside each interval into one episode row (intervals of one key never
    overlap, so each failure belongs to the last interval starting at or before it, if it ends after)."""
    ids = intervals.with_row_index("_episode").sort("start")
    inside = (
        failures.filter(pl.col(key).is_not_null())
        .sort("ts")
        .join_asof(ids, left_on="ts", right_on="start", by=key, strategy="backward", check_sortedness=False)
        .filter(pl.col("ts") <= pl.col("end"))
    )
    reused = pl.col("request_id_attempts") >= REUSED_ID_ATTEMPTS
    grouped = (
        inside.sort(["ts", "file_rank", "line"])
        .group_by("_episode", maintain_order=True)
        .agg(
            pl.col(key).first().alias("_key"),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
            pl.len().alias("failures"),
            pl.col("ip").drop_nulls().n_unique().alias("distinct_ips"),
            pl.col("user").drop_nulls().n_unique().alias("distinct_users"),
            _counts("ip"),
            _counts("user"),
            pl.col("file").first(),
            pl.col("line").first(),
            pl.col("ts").alias("_times"),
            pl.col("source").drop_nulls().unique().alias("_source_set"),
            pl.col("user").drop_nulls().unique().alias("_user_set"),
            pl.col("source")
            .filter(pl.col("source").str.contains("/", literal=True))
            .first()
            .alias("_network"),
            pl.col("request_id")
            .filter(reused)
            .sort_by(pl.col("request_id_attempts").filter(reused), descending=True)
            .first()
            .alias("_reused_id"),
            pl.col("request_id_attempts").filter(reused).max().alias("_reused_n"),
        )
    )
    return grouped.with_columns(_top("ip"), _top("user"), kind.alias("kind"), pl.lit(key).alias("_pivot"))


def _at_scale(failures: pl.DataFrame, t: Thresholds, scale: Scale) -> pl.DataFrame | None:
    """Every pivot's episodes at one time scale, or None when none is over threshold."""
    parts: list[pl.DataFrame] = []
    if t.by in (None, "ip"):
        hot = pl.col("n_failures") >= scale.threshold
        # otherwise implied: a window has no more accounts than failures
        if scale.min_users < scale.threshold:
            hot = hot | (pl.col("n_users") >= scale.min_users)
        intervals = _hot_intervals(failures, "source", scale.window_s, hot)
        kind = (
            pl.when(
                (pl.col("distinct_users") >= scale.min_users)
                & (pl.col("failures") <= 3 * pl.col("distinct_users"))
            )
            .then(pl.lit("password_spray"))
            .otherwise(pl.lit("brute_force"))
        )
        parts.append(_episodes(failures, intervals, "source", kind))
    if t.by in (None, "user"):
        # Failures against one account are an attack whatever the number of sources: none (Teleport
        # logs no address), several, or many (distributed). One source is the source pivot's episode.
        hot = pl.col("n_failures") >= scale.threshold
        intervals = _hot_intervals(failures, "user", scale.window_s, hot)
        sources = pl.col("_source_set").list.len()
        kind = (
            pl.when(sources >= scale.min_sources)
            .then(pl.lit("distributed_brute_force"))
            .otherwise(pl.lit("brute_force"))
        )
        parts.append(_episodes(failures, intervals, "user", kind).filter(sources != 1))
    if scale.stuffing and t.by is None and failures.height:
        span = (failures["ts"].max() - failures["ts"].min()).total_seconds()
        expected = failures.height * scale.window_s / max(span, scale.window_s)
        hot = (
            (pl.col("n_failures") >= max(scale.threshold, t.stuffing_surge * expected))
            & (pl.col("n_users") >= scale.min_users)
            & (pl.col("n_ips") >= scale.min_sources)
            & (pl.col("n_failures") <= 2.5 * pl.col("n_users"))
        )
        everything = failures.with_columns(pl.lit("*").alias("_all"))
        intervals = _hot_intervals(everything, "_all", scale.window_s, hot)
        parts.append(_episodes(everything, intervals, "_all", pl.lit("credential_stuffing")))
    parts = [p.with_columns(pl.col("_episode").cast(pl.Int64) + 1_000_000 * i) for i, p in enumerate(parts)]
    episodes = pl.concat(parts) if parts else pl.DataFrame()
    if episodes.is_empty():
        return None
    return episodes.with_columns(
        pl.lit(scale.name).alias("window"), pl.lit(scale.threshold).alias("_threshold")
    )


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
    """Episodes from an attempt frame (ts, ip, user, failed, request_id, file, line, file_rank)."""
    if "request_id_attempts" not in attempts.columns:
        attempts = attempts.with_columns(pl.lit(None, pl.UInt32).alias("request_id_attempts"))
    attempts = with_source(attempts, t.v6_prefix)
    failures = attempts.filter(pl.col("failed"))
    found = [f for f in (_at_scale(failures, t, s) for s in t.scales()) if f is not None]
    if not found:
        return _empty()
    # episode numbers unique across scales
    found = [f.with_columns(pl.col("_episode") + 10_000_000 * i) for i, f in enumerate(found)]
    episodes = best_scale(found)
    episodes = credit_successes(episodes, attempts, t.grace_s)
    return _finish(episodes, t)


def _detail(t: Thresholds) -> pl.Expr:
    succeeded = pl.col("first_success").is_not_null()
    pivot = (
        pl.when(pl.col("success_ip").is_not_null())
        .then(pl.lit("apiforensics timeline --ip ") + shell_quoted(pl.col("success_ip")))
        .otherwise(pl.lit("apiforensics timeline --user ") + shell_quoted(pl.col("success_user")))
    )
    since = pl.col("first_success").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    who = (
        pl.when(pl.col("success_user").is_not_null())
        .then(pl.format(" as {}", pl.col("success_user")))
        .otherwise(pl.lit(""))
    )
    where = (
        pl.when(pl.col("success_ip").is_not_null())
        .then(pl.format(" from {}", pl.col("success_ip")))
        .otherwise(pl.lit(""))
    )
    notes = pl.concat_str(
        pl.when(pl.col("_network").is_not_null()).then(
            pl.format("; IPv6 sources grouped by network {}", pl.col("_network"))
        ),
        pl.when(pl.col("_reused_id").is_not_null()).then(
            pl.format(
                "; request id {} on {} attempts (not merged)", pl.col("_reused_id"), pl.col("_reused_n")
            )
        ),
        ignore_nulls=True,
    )
    return (
        pl.when(succeeded)
        .then(
            pl.concat_str(
                pl.lit("success after failures"),
                who,
                where,
                notes,
                pl.lit("; next: "),
                pivot,
                pl.lit(" --since "),
                since,
            )
        )
        .otherwise(
            pl.format(
                "{} failures in {} s{}",
                pl.col("failures"),
                (pl.col("last_seen") - pl.col("first_seen")).dt.total_seconds(),
                notes,
            )
        )
    )


def _finish(episodes: pl.DataFrame, t: Thresholds) -> pl.DataFrame:
    succeeded = pl.col("first_success").is_not_null()
    severity = (
        pl.when(succeeded)
        .then(pl.lit("critical"))
        .when(pl.col("kind") == "brute_force")
        .then(
            pl.when(pl.col("failures") >= 5 * pl.col("_threshold"))
            .then(pl.lit("high"))
            .otherwise(pl.lit("medium"))
        )
        .otherwise(pl.lit("high"))
    )
    result = episodes.with_columns(
        severity.alias("severity"), succeeded.alias("succeeded"), _detail(t).alias("detail")
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
        .join(slots, how="cross")  # every episode × 16 slots: the histogram's own shape, not a filter
        .join(counted, on=["_episode", "bin"], how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort("_episode", "bin")
        .group_by("_episode", maintain_order=True)
        .agg(pl.col("n").alias("histogram"))
    )


def _empty() -> pl.DataFrame:
    success = empty_success_columns()
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
        **{c: success[c] for c in SUCCESS_COLUMNS[2:]},
        "detail": pl.String,
        "window": pl.String,
        "histogram": pl.List(pl.Int64),
    }
    return pl.DataFrame(schema=schema)
