"""Which events are authentication attempts, and whether each failed or succeeded (docs/bruteforce.md)."""

from datetime import timedelta

import polars as pl

from forensics_cli.subsets import DEFAULT_LOGIN_PATHS, login_path_expr

SAME_ATTEMPT_S = 2.0  # a gateway line and an app line of one request are this close or closer
_AUTH_EVENT = r"(?i)auth|login|log_in|signin|sign_in|sign-in|credential|password"


def auth_attempts(events: pl.LazyFrame | pl.DataFrame, login_paths: list[str] | None = None) -> pl.LazyFrame:
    """One row per authentication attempt: ts, ip, user, failed (bool), request_id, file, line, file_rank,
    reason, request_id_attempts (how many attempts carry the same request ID).

    Failures: an auth event with outcome failure (seed `authentication` events, ECS event.outcome), or any
    HTTP 401. Successes: an auth event with outcome success, or a 2xx on a login path. An attempt logged by
    several services under one request ID counts once, with the user and IP any of them knew.
    """
    on_login_path = login_path_expr(login_paths or DEFAULT_LOGIN_PATHS)
    status_401 = (pl.col("status") == 401).fill_null(False)
    status_2xx = pl.col("status").is_between(200, 299).fill_null(False)
    # the log family's declaration decides where it makes one; elsewhere the event name or the path
    auth_event = pl.col("auth").fill_null(
        pl.col("event").str.contains(_AUTH_EVENT).fill_null(False) | on_login_path
    )
    timed = events.lazy().filter(pl.col("ts").is_not_null())
    # Two disjoint parts: lines with an outcome (explicit auth events), where the event name decides, and
    # the rest, where only a 401, or a 2xx on a login path, is an attempt (0.3 s instead of 0.7 s for the
    # single predicate over 3 M events: docs/performance.md).
    explicit = timed.filter(pl.col("outcome").is_not_null()).filter(auth_event | status_401)
    explicit = explicit.with_columns(
        (((pl.col("outcome") == "failure") & auth_event) | status_401).alias("failed"),
        pl.lit(True).alias("_explicit"),  # explicit auth events say more (user, reason) than a status line
    )
    implicit = (
        timed.filter(pl.col("outcome").is_null())
        .filter(status_401 | (status_2xx & on_login_path))
        .with_columns(status_401.alias("failed"), pl.lit(False).alias("_explicit"))
    )
    selected = [
        "ts",
        "ip",
        "user",
        "failed",
        "_explicit",
        "request_id",
        "file",
        "line",
        "file_rank",
        "reason",
    ]
    # collected once, here: left lazy, each of the two uses below would scan the logs again
    attempts = pl.concat([explicit.select(selected), implicit.select(selected)]).collect().lazy()
    merged = (
        merge_same_attempts(attempts.filter(pl.col("request_id").is_not_null()).collect())
        .lazy()
        .with_columns(pl.len().over("_id").cast(pl.UInt32).alias("request_id_attempts"))
    )
    without_id = attempts.filter(pl.col("request_id").is_null()).with_columns(
        pl.lit(None, pl.UInt32).alias("request_id_attempts")
    )
    columns = [
        "ts",
        "ip",
        "user",
        "failed",
        "request_id",
        "file",
        "line",
        "file_rank",
        "reason",
        "request_id_attempts",
    ]
    return pl.concat([merged.select(columns), without_id.select(columns)]).sort(["ts", "file_rank", "line"])


# what an attempt merged from several lines keeps: the first line's time, outcome, file and line; the
# first address, account and reason any of its lines knew
MERGED_VALUES = [
    pl.col("ts").first(),
    pl.col("ip").drop_nulls().first(),
    pl.col("user").drop_nulls().first(),
    pl.col("failed").first(),
    pl.col("file").first(),
    pl.col("line").first(),
    pl.col("file_rank").first(),
    pl.col("reason").drop_nulls().first(),
]


def _run_position(keys: list[str]) -> pl.Expr:
    """Each row's position in its run of equal `keys` (0 first), the frame being sorted by them."""
    row = pl.int_range(pl.len())
    starts = pl.any_horizontal([pl.col(key).ne_missing(pl.col(key).shift()) for key in keys])
    return row - pl.when(starts).then(row).forward_fill()


def hash_is_unique(request_ids: pl.Series, hashes: pl.Series) -> bool:
    """No two different request IDs share a hash (equal hashes are neighbours once sorted)."""
    frame = pl.DataFrame({"hash": hashes, "id": request_ids}).sort("hash")
    shared = (pl.col("hash") == pl.col("hash").shift()) & (pl.col("id") != pl.col("id").shift())
    return not frame.select(shared.any()).item()


def _request_keys(request_ids: pl.Series) -> pl.Series:
    """A UInt64 per request ID, equal only for equal IDs: its hash (sorting 64-bit integers is ~5x cheaper
    than sorting the text), or its dense rank in the rare run where two IDs share a hash."""
    hashes = request_ids.hash()
    return hashes if hash_is_unique(request_ids, hashes) else request_ids.rank("dense").cast(pl.UInt64)


def merge_same_attempts(with_id: pl.DataFrame) -> pl.DataFrame:
    """Lines of one request ID that are one attempt, merged (ts, ip, user, failed, request_id, file, line,
    file_rank, reason; the first line's file and line).

    One request logged by several services (the gateway's 401, the app's auth event) is one attempt; a
    request ID sent again on every try (a fixed X-Request-Id header) is not. Lines are the same attempt
    only when (1) each comes from a different file or kind: the k-th line of an ID in one file, of one
    kind, pairs only with the k-th line of that ID elsewhere; (2) they are within SAME_ATTEMPT_S of the
    group's first line (explicit auth events first, then time order); (3) their addresses and accounts,
    where both are known, agree with the first ones the group knows. Computed on runs of sorted rows,
    not windows (`over`), with integer keys (docs/performance.md).
    """
    keyed = with_id.with_columns(
        _request_keys(with_id["request_id"]).alias("_id"), pl.col("file").rank("dense").alias("_file")
    )
    occurrence_keys = ["_id", "_file", "_explicit"]
    group = ["_id", "_occurrence"]
    grouped = (
        keyed.sort([*occurrence_keys, "ts", "file_rank", "line"])
        .with_columns(_run_position(occurrence_keys).alias("_occurrence"))
        .sort(
            [*group, "_explicit", "ts", "file_rank", "line"],
            descending=[False, False, True, False, False, False],
        )
        .with_columns(
            pl.any_horizontal([pl.col(key).ne_missing(pl.col(key).shift()) for key in group])
            .cum_sum()
            .alias("_group"),
            _run_position(group).alias("_position"),
        )
    )
    firsts = grouped.group_by("_group").agg(
        pl.col("ts").first().alias("_first_ts"),
        pl.col("ip").drop_nulls().first().alias("_first_ip"),
        pl.col("user").drop_nulls().first().alias("_first_user"),
    )
    same_attempt = ((pl.col("ts") - pl.col("_first_ts")).abs() <= timedelta(seconds=SAME_ATTEMPT_S)) & (
        pl.all_horizontal(
            (pl.col(c).is_null() | (pl.col(c) == pl.col(f"_first_{c}"))) for c in ("ip", "user")
        )
    )
    # a line that is not the same attempt as its group's first line stands alone
    return (
        grouped.join(firsts, on="_group", how="left", maintain_order="left")
        .with_columns(pl.when(same_attempt).then(0).otherwise(pl.col("_position") + 1).alias("_part"))
        .group_by("_id", "_occurrence", "_part", maintain_order=True)
        .agg(pl.col("request_id").first(), *MERGED_VALUES)
    )
