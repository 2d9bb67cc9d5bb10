"""Which events are authentication attempts, and whether each failed or succeeded (docs/bruteforce.md)."""

import re

import polars as pl

# 2xx on one of these paths is a successful login; add more with --login-path
DEFAULT_LOGIN_PATHS = [
    "*/login",
    "*/signin",
    "*/sign_in",
    "*/sign-in",
    "*/auth",
    "*/authenticate",
    "*/oauth/token",
    "*/token",
    "*/session",
    "*/sessions",
]
_AUTH_EVENT = r"(?i)auth|login|log_in|signin|sign_in|sign-in|credential|password"


def glob_regex(pattern: str) -> str:
    """A shell glob (`*`, `?`) as an anchored regex for Polars (Rust regex syntax)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return f"^{body}$"


def login_path_expr(patterns: list[str]) -> pl.Expr:
    """True where the path matches one of the glob patterns (case-insensitive)."""
    regex = "(?i)" + "|".join(f"(?:{glob_regex(p)})" for p in patterns)
    return pl.col("path").str.contains(regex).fill_null(False)


def auth_attempts(events: pl.LazyFrame | pl.DataFrame, login_paths: list[str] | None = None) -> pl.LazyFrame:
    """One row per authentication attempt: ts, ip, user, failed (bool), file, line, file_rank.

    Failures: an auth event with outcome failure (seed `authentication` events, ECS event.outcome), or any
    HTTP 401. Successes: an auth event with outcome success, or a 2xx on a login path. An attempt logged by
    several services under one request ID counts once, with the user and IP any of them knew.
    """
    on_login_path = login_path_expr(login_paths or DEFAULT_LOGIN_PATHS)
    auth_event = pl.col("event").str.contains(_AUTH_EVENT).fill_null(False) | on_login_path
    failed = ((pl.col("outcome") == "failure") & auth_event).fill_null(False) | (
        pl.col("status") == 401
    ).fill_null(False)
    succeeded = ((pl.col("outcome") == "success") & auth_event).fill_null(False) | (
        on_login_path & pl.col("status").is_between(200, 299).fill_null(False)
    )
    attempts = (
        events.lazy()
        .filter(pl.col("ts").is_not_null() & (failed | succeeded))
        .with_columns(
            failed.alias("failed"),
            # explicit auth events say more (user, reason) than the gateway's status line
            pl.col("outcome").is_not_null().alias("_explicit"),
        )
        .select(
            "ts", "ip", "user", "failed", "_explicit", "request_id", "file", "line", "file_rank", "reason"
        )
    )
    with_id = attempts.filter(pl.col("request_id").is_not_null())
    merged = (
        with_id.sort(["_explicit", "ts", "file_rank", "line"], descending=[True, False, False, False])
        .group_by("request_id", maintain_order=True)
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
    )
    without_id = attempts.filter(pl.col("request_id").is_null()).drop("_explicit")
    columns = ["ts", "ip", "user", "failed", "request_id", "file", "line", "file_rank", "reason"]
    return pl.concat([merged.select(columns), without_id.select(columns)]).sort(["ts", "file_rank", "line"])
