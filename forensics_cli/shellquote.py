"""Quoting log content for a shell command line, as a Polars expression (shlex.quote, vectorised)."""

import polars as pl

_SAFE = r"^[A-Za-z0-9@%+=:,./_-]+$"  # shlex's safe characters: such a word is left as it is


def shell_quoted(value: pl.Expr) -> pl.Expr:
    """`value` as one shell word: unchanged when every character is safe, else in single quotes with
    each `'` written as `'"'"'` (what shlex.quote returns), so a pasted hint never runs anything."""
    quoted = pl.lit("'") + value.str.replace_all("'", "'\"'\"'", literal=True) + pl.lit("'")
    return pl.when(value.str.contains(_SAFE)).then(value).otherwise(quoted)
