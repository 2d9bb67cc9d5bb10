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
    with_id = attempts.filter(pl.col("request_id").is_not_null())
    # One request logged by several services (the gateway's 401, the app's auth event) is one attempt;
    # a request ID sent again on every try (a fixed X-Request-Id header) is not. Lines are the same
    # attempt only when (1) each comes from a different file or kind: the k-th line of an ID in one file,
    # of one kind, pairs only with the k-th line of that ID elsewhere; (2) they are within
    # SAME_ATTEMPT_S of each other; (3) their addresses and accounts, where both are known, agree.
    group = ["request_id", "_occurrence"]
    occurrence = pl.int_range(pl.len()).over(["request_id", "file", "_explicit"])
    first_known = {c: pl.col(c).drop_nulls().first().over(group) for c in ("ip", "user")}
    same_attempt = (
        (pl.col("ts") - pl.col("ts").first().over(group)).abs() <= timedelta(seconds=SAME_ATTEMPT_S)
    ) & pl.all_horizontal((pl.col(c).is_null() | (pl.col(c) == first_known[c])) for c in first_known)
    merged = (
        with_id.sort(["ts", "file_rank", "line"])
        .with_columns(occurrence.alias("_occurrence"))
        .sort(["_explicit", "ts", "file_rank", "line"], descending=[True, False, False, False])
        # a line that is not the same attempt as its group's first line stands alone
        .with_columns(
            pl.when(same_attempt).then(0).otherwise(pl.int_range(1, pl.len() + 1).over(group)).alias("_part")
        )
        .group_by("request_id", "_occurrence", "_part", maintain_order=True)
        .agg(
            pl.col("ts").first(),
            pl.col("ip").drop_nulls().first(),
            pl.col("user").drop_nulls().first(),
            pl.col("failed").first(),
            pl.col("file").first(),
            pl.col("line").first(),
            pl.col("file_rank").first(),
            pl.col("reason").drop_nulls().first(),
        )
        .with_columns(pl.len().over("request_id").cast(pl.UInt32).alias("request_id_attempts"))
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
