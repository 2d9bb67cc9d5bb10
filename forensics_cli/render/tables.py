"""Rich tables and console helpers shared by every command's table view."""

import io
import os
import sys
from collections.abc import Callable, Iterable
from datetime import datetime

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from forensics_cli.render.safe import terminal_safe

Styler = Callable[[str, object], str | None]  # (column, value) -> rich style or None
PIPE_WIDTH = 160  # table width when stdout is not a terminal (rich would fold every cell at 80)
MIN_WIDTH = {"severity": 8, "status": 6, "kind": 10, "evidence": 12, "detail": 16}


def stdout_console(width: int | None = None) -> Console:
    # markup off: nothing from the logs is ever parsed as markup
    if width is None and not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        width = PIPE_WIDTH  # piped into less or a file: rich's 80-column default folds every cell
    return Console(markup=False, emoji=False, highlight=False, width=width)


def render_text(renderables: Iterable, to_file: bool = False) -> str:
    """Render to a string: terminal width and colours on a terminal, plain 160 columns for a file."""
    console = stdout_console()
    if to_file:
        console = Console(
            markup=False,
            emoji=False,
            highlight=False,
            width=PIPE_WIDTH,
            no_color=True,
            force_terminal=False,
            file=io.StringIO(),
        )
    with console.capture() as capture:
        for renderable in renderables:
            console.print(renderable)
    return capture.get()


def stderr_console() -> Console:
    return Console(stderr=True, markup=False, emoji=False, highlight=False)


def cell(value: object, style: str | None = None) -> Text:
    """A table cell: log text is escaped and wrapped in Text, so markup and escapes stay inert."""
    if value is None:
        return Text("")
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    elif isinstance(value, float):
        text = f"{value:,.1f}"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    return Text(terminal_safe(text), style=style or "")


def frame_table(
    frame: pl.DataFrame,
    columns: Iterable[str] | None = None,
    title: str | None = None,
    styler: Styler | None = None,
    row_style: Callable[[dict], str | None] | None = None,
) -> Table:
    """A rich Table of the frame's rows (only for result-sized frames: rows are materialized)."""
    columns = list(columns or frame.columns)
    # a title can hold a path from the evidence: never parsed as markup, escapes shown, not run
    shown_title = Text(terminal_safe(title), style="italic") if title else None
    table = Table(title=shown_title, header_style="bold", show_lines=False, expand=False)
    for name in columns:
        dtype = frame.schema[name]
        justify = "right" if dtype.is_numeric() else "left"
        # short codes keep a readable minimum; everything else folds to the terminal's width
        table.add_column(name, justify=justify, overflow="fold", min_width=MIN_WIDTH.get(name))
    for row in frame.to_dicts():
        table.add_row(
            *(cell(row[name], styler(name, row[name]) if styler else None) for name in columns),
            style=row_style(row) if row_style else None,
        )
    return table


TABLE_ROWS = 200  # rows a table view shows: rendering is per row, and 20,000 rows take minutes


def bounded_table(
    frame: pl.DataFrame,
    columns: Iterable[str],
    noun: str,
    title: str | None = None,
    styler: Styler | None = None,
    row_style: Callable[[dict], str | None] | None = None,
    limit: int = TABLE_ROWS,
):
    """frame_table of the first `limit` rows (most severe first, where the frame is sorted so), then a
    line saying how many `noun` were left out and how to get them all."""
    yield frame_table(frame.head(limit), columns, title=title, styler=styler, row_style=row_style)
    if frame.height > limit:
        yield more_rows(frame.height - limit, noun)


def more_rows(hidden: int, noun: str) -> Text:
    """'… 19,800 more findings not shown (--format csv or -o FILE.csv has them all)'."""
    return Text(
        f"… {hidden:,} more {noun} not shown (--format csv or -o FILE.csv has them all)", style="yellow"
    )


def common_prefix(files: list[str]) -> str:
    """The directory (with its trailing slash) that all these paths share, or ''."""
    files = [f for f in set(files) if f]
    if not files:
        return ""
    common = os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0])
    return common.rstrip("/") + "/" if common else ""


def top_with_count(column: str, count: str, separator: str = " ") -> pl.Expr:
    """'a;b;c;d;e' with 5 distinct -> 'a b c (+2)': a spraying episode's hundred accounts stay one cell."""
    values = pl.col(column).str.split(";")
    more = pl.col(count) - values.list.len().clip(upper_bound=3)
    return (
        values.list.head(3).list.join(separator)
        + pl.when(more > 0).then(pl.format(" (+{})", more)).otherwise(pl.lit(""))
    ).alias(column)


def to_seconds(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Datetime columns as 'YYYY-MM-DD HH:MM:SS' text, for tables where milliseconds only add width."""
    return frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S") for c in columns if c in frame.columns
    )


def with_evidence(frame: pl.DataFrame) -> pl.DataFrame:
    """An `evidence` column, `file:line` (the file alone for a finding about a whole file), with the
    directory all the files share left out (for tables)."""
    prefix = common_prefix(frame["file"].drop_nulls().to_list()) if "file" in frame.columns else ""
    file = pl.col("file").str.strip_prefix(prefix)
    return frame.with_columns(pl.coalesce(pl.format("{}:{}", file, pl.col("line")), file).alias("evidence"))


def status_style(status: object) -> str | None:
    """Colour for an HTTP status: 2xx green, 3xx cyan, 4xx yellow (401/403 red), 5xx magenta."""
    if not isinstance(status, int):
        return None
    if status in (401, 403):
        return "bold red"
    return {2: "green", 3: "cyan", 4: "yellow", 5: "magenta"}.get(status // 100)


SEVERITY_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def severity_style(column: str, value: object) -> str | None:
    return SEVERITY_STYLES.get(value) if column == "severity" else None


def sparkline(counts: list[int]) -> str:
    """Counts as a line of block characters (▁▂▃▄▅▆▇█)."""
    blocks = "▁▂▃▄▅▆▇█"
    top = max(counts) if counts else 0
    if not top:
        return ""
    return "".join(blocks[min(len(blocks) - 1, (c * (len(blocks) - 1) + top - 1) // top)] for c in counts)
