"""Which successful login makes an episode `succeeded`: joined on the source or the account, then time.

An episode credits a success from one of its sources (every kind) or, for the kinds that aim at a few
accounts (`brute_force`, `distributed_brute_force`), for one of its accounts, between its first failure
and `grace` after its last. The join is an as-of join per key: for each (episode, key) the first success
at or after the start and the last one at or before the end, found by binary search inside the key's
successes. Cost and memory grow with the episodes' keys and the successes, never with their product
(benchmarks/run.py `success join`, docs/performance.md).
"""

from datetime import timedelta

import polars as pl

from forensics_cli.schema import TS_DTYPE

FEW_ACCOUNT_KINDS = ("brute_force", "distributed_brute_force")
SUCCESS_COLUMNS = ["successes", "first_success", "success_user", "success_ip", "success_file", "success_line"]
_WIN_COLUMNS = ["_win", "ts", "source", "ip", "user", "file", "line"]


def _keys(episodes: pl.DataFrame, by: list[str], grace_s: float) -> pl.DataFrame:
    """One row per (episode, key value) with the episode's [start, end]."""
    sets = {"source": "_source_set", "user": "_user_set"}
    frame = episodes.select(
        "_episode",
        pl.col("first_seen").alias("_start"),
        (pl.col("last_seen") + timedelta(seconds=grace_s)).alias("_end"),
        *[pl.col(sets[k]).alias(k) for k in by],
    )
    for k in by:
        frame = frame.explode(k)
    return frame.drop_nulls(by)


def _in_window(keys: pl.DataFrame, wins: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """For each key row: the first success in [start, end] (its `_win` number) and how many there are."""
    ranked = (
        wins.drop_nulls(by)
        .with_columns(pl.int_range(pl.len()).over(by).alias("_rank"))  # wins come sorted by time
        .select(*by, "ts", "_rank", "_win")
    )
    if keys.is_empty() or ranked.is_empty():
        return (
            keys.select("_episode")
            .with_columns(pl.lit(None, pl.UInt32).alias("_win"), pl.lit(0, pl.Int64).alias("_n"))
            .head(0)
        )
    first = keys.sort("_start").join_asof(
        ranked, left_on="_start", right_on="ts", by=by, strategy="forward", check_sortedness=False
    )
    last = keys.sort("_end").join_asof(
        ranked.select(*by, "ts", pl.col("_rank").alias("_last_rank")),
        left_on="_end",
        right_on="ts",
        by=by,
        strategy="backward",
        check_sortedness=False,
    )
    both = first.join(last.select("_episode", *by, "_last_rank"), on=["_episode", *by], how="left")
    return both.filter(pl.col("ts") <= pl.col("_end")).select(
        "_episode",
        "_win",
        (pl.col("_last_rank") - pl.col("_rank") + 1).cast(pl.Int64).alias("_n"),
    )


def credit_successes(episodes: pl.DataFrame, attempts: pl.DataFrame, grace_s: float) -> pl.DataFrame:
    """Add SUCCESS_COLUMNS to the episodes (`_episode`, kind, first_seen, last_seen, _source_set,
    _user_set): how many successes, and who and where the first one was."""
    wins = (
        attempts.filter(~pl.col("failed"))
        .sort(["ts", "file_rank", "line"])
        .with_row_index("_win")
        .select(_WIN_COLUMNS)
    )
    few = episodes.filter(pl.col("kind").is_in(FEW_ACCOUNT_KINDS))
    by_source = _in_window(_keys(episodes, ["source"], grace_s), wins, ["source"])
    by_user = _in_window(_keys(few, ["user"], grace_s), wins, ["user"])
    # a success matching both a source and an account of the episode was counted twice: once less
    by_both = _in_window(_keys(few, ["source", "user"], grace_s), wins, ["source", "user"])
    matched = pl.concat([by_source, by_user, by_both.with_columns(-pl.col("_n"))], how="vertical_relaxed")
    credited = matched.group_by("_episode").agg(
        pl.col("_n").sum().alias("successes"), pl.col("_win").min().alias("_win")
    )
    first = wins.select(
        "_win",
        pl.col("ts").alias("first_success"),
        pl.col("user").alias("success_user"),
        pl.col("ip").alias("success_ip"),
        pl.col("file").alias("success_file"),
        pl.col("line").alias("success_line"),
    )
    credited = credited.join(first, on="_win", how="left").drop("_win")
    result = episodes.join(credited, on="_episode", how="left")
    return result.with_columns(pl.col("successes").fill_null(0).cast(pl.UInt32))


def empty_success_columns() -> dict[str, pl.DataType]:
    """The dtypes of SUCCESS_COLUMNS, for an empty result."""
    return {
        "successes": pl.UInt32,
        "first_success": TS_DTYPE,
        "success_user": pl.String,
        "success_ip": pl.String,
        "success_file": pl.String,
        "success_line": pl.Int64,
    }
