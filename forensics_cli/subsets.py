"""Row subsets stored beside each file's events when it is parsed, so that an analysis that needs a few
percent of the lines does not read them all on every run.

`auth-*` parts: every line that can be an authentication attempt under the default login paths (an
outcome, a 401, or a 2xx on a login path). `bruteforce` reads only these unless --login-path adds paths.
The defaults are part of the cache key (load.LoadOptions.settings_key), so changing them re-parses.
"""

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


def glob_regex(pattern: str) -> str:
    """A shell glob (`*`, `?`) as an anchored regex for Polars (Rust regex syntax). A leading `*` leaves
    the start unanchored instead of `^.*`: same matches, and a suffix search is several times faster."""
    unanchored = pattern.startswith("*")
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("*"))
    return f"(?s){body}$" if unanchored else f"(?s)^{body}$"


def login_path_expr(patterns: list[str]) -> pl.Expr:
    """True where the path matches one of the glob patterns (case-insensitive)."""
    regex = "(?i)" + "|".join(f"(?:{glob_regex(p)})" for p in patterns)
    return pl.col("path").str.contains(regex).fill_null(False)


def auth_candidates() -> pl.Expr:
    """Lines that can be authentication attempts with the default login paths (analyses/auth.py decides
    which ones are): a superset, so that the attempts found in it are those found in all the events."""
    status = pl.col("status")
    return pl.col("ts").is_not_null() & (
        pl.col("outcome").is_not_null()
        | (status == 401).fill_null(False)
        | (status.is_between(200, 299).fill_null(False) & login_path_expr(DEFAULT_LOGIN_PATHS))
    )
