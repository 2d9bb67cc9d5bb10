"""Neutralize attacker-controlled log text before it reaches a terminal or a spreadsheet."""

import re
from datetime import datetime

import polars as pl

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and line separators
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# OWASP's list (= + - @ tab CR) plus NUL and LF, and a formula behind leading blanks or controls:
# spreadsheets skip those when they decide whether a cell is a formula (' =1+1', '\n=1+1', '\x00=1+1')
_FORMULA_START = r"^(?:[\x00-\x20]*[=+\-@]|[\x00\t\r\n])"


def terminal_safe(text: str) -> str:
    """Control, escape and bidi characters shown as visible escapes (`\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


# what JSON may carry raw but a terminal would act on: C1 controls, DEL, bidi and zero-width characters
# (C0 controls are escaped by every JSON writer already)
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def json_terminal_safe(text: str) -> str:
    """JSON text with the characters a terminal would act on written as \\uXXXX escapes: the same
    JSON values, nothing that reorders or hides text when the output is read on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_cells_terminal_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells with control, escape and bidi characters shown as `\\x1b`, `\\u202e` (CSV has no
    escapes of its own; --raw-csv keeps the bytes as logged)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    holding = frame.select(pl.col(text_columns).str.contains(_UNSAFE.pattern).any()).row(0, named=True)
    # per row in Python, so only in the columns that hold such a character (rare: result-sized frames)
    return frame.with_columns(
        pl.col(name).map_elements(terminal_safe, return_dtype=pl.String)
        for name, has in holding.items()
        if has
    )


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote (OWASP advice)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


def display_text(value: object) -> str:
    """A value as the reports show it: times to the second, yes/no, one decimal, text with control and
    bidi characters made visible (each report escapes its own markup on top of this)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return terminal_safe(str(value))
