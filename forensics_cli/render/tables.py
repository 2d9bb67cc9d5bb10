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


WIDE = 100_000  # --wide: wider than any table, so no column is left out to fit


def render_text(renderables: Iterable, to_file: bool = False, wide: bool = False) -> str:
    """Render to a string: terminal width and colours on a terminal, plain 160 columns for a file;
    `wide`: every column, however wide the table gets."""
    console = stdout_console(WIDE if wide else None)
    if to_file:
        console = Console(
            markup=False,
            emoji=False,
            highlight=False,
            width=WIDE if wide else PIPE_WIDTH,
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


# Columns that are never left out to fit the terminal: the evidence, what a finding is, and when.
ESSENTIAL = {
    "evidence",
    "first_evidence",
    "severity",
    "kind",
    "rule",
    "timestamp",
    "first_seen",
    "start",
    "file",
}
# The others that may be left out, the first named first; columns in neither list (detail, reason)
# stay and fold.
DROPPED_FIRST = (
    "shape", "offset_ms", "fingerprint", "files", "first_success", "timed", "format", "raw", "field",
    "users", "ips", "ip", "user", "occurrences", "last_seen", "last_ts", "first_ts", "lines", "parsed",
    "service", "failures", "minutes", "subject", "status", "rejected", "privileged", "still_present",
    "redacted", "new_for_account", "got_in",
)  # fmt: skip
ESSENTIAL_WIDTH_CAP = 48  # an essential cell longer than this folds onto more lines (never cut)
FOLDED_MIN_WIDTH = 12  # the narrowest a kept column (detail, reason) is squeezed to
# the narrowest a column that may be left out is shown at (an IPv4 address, a time of day): narrower, it
# is left out instead


class FittedTable:
    """A table of the frame's rows that fits the width it is rendered at: essential columns keep their
    width, the others are left out in DROPPED_FIRST order until the table fits, and a line names the
    columns left out. Rendered at --wide's width, nothing is left out."""

    def __init__(self, frame, columns, title=None, styler=None, row_style=None, keep=()):
        self.frame, self.columns, self.title = frame, list(columns), title
        self.styler, self.row_style, self.keep = styler, row_style, set(keep)
        self.totals: dict[str, Text] | None = None  # a bold last row after a line (ingest's totals)
        self.caption: Text | None = None
        rows = frame.to_dicts()
        self.cells = [
            [cell(row[name], styler(name, row[name]) if styler else None) for name in self.columns]
            for row in rows
        ]
        self.styles = [row_style(row) if row_style else None for row in rows]

    def _natural(self, index: int) -> int:
        widths = [line.cell_len for line in (self.cells[r][index] for r in range(len(self.cells)))]
        if self.totals is not None and self.columns[index] in self.totals:
            widths.append(self.totals[self.columns[index]].cell_len)
        return max(widths + [min(len(self.columns[index]), 8)])

    def _essential(self, index: int) -> bool:
        return self.columns[index] in ESSENTIAL or self.columns[index] in self.keep

    def _minimum(self, index: int, natural: int) -> int:
        name = self.columns[index]
        if self._essential(index):
            return min(natural, ESSENTIAL_WIDTH_CAP)
        return min(
            natural, max(MIN_WIDTH.get(name, 0), FOLDED_MIN_WIDTH if name not in DROPPED_FIRST else 14)
        )

    def fitted(self, width: int) -> dict[int, int]:
        """Column index -> content width of the columns shown at `width`: essential columns get their
        natural width (up to ESSENTIAL_WIDTH_CAP), the rest share what is left, up to their own."""
        shown = list(range(len(self.columns)))
        droppable = sorted(
            (i for i in shown if self._droppable(i)), key=lambda i: DROPPED_FIRST.index(self.columns[i])
        )
        natural = [self._natural(i) for i in shown]  # each column's widest cell, measured once
        minimum = {i: self._minimum(i, natural[i]) for i in shown}
        while droppable and sum(minimum[i] for i in shown) + 3 * len(shown) + 1 > width:
            shown.remove(droppable.pop(0))
        widths = {i: minimum[i] for i in shown}
        room = width - (3 * len(shown) + 1) - sum(widths.values())
        if room < 0:  # even the essentials do not fit: fold, never crop (what is cut off is lost)
            return self._squeezed(widths, -room)
        # what is left goes to the kept columns first (detail, reason), then the last ones to be dropped
        growing = sorted(
            (i for i in shown if natural[i] > widths[i]),
            key=lambda i: DROPPED_FIRST.index(self.columns[i]) if self._droppable(i) else len(DROPPED_FIRST),
            reverse=True,
        )
        for i in growing:
            extra = min(natural[i] - widths[i], max(room, 0))
            widths[i] += extra
            room -= extra
        return widths

    def _squeezed(self, widths: dict[int, int], excess: int) -> dict[int, int]:
        """Widths narrowed by `excess` columns in all: the folding columns (detail) first, down to 8,
        then every column in proportion, down to 4; a cell then folds onto more lines."""
        for i in [i for i in widths if not self._essential(i)]:
            cut = min(excess, max(widths[i] - 8, 0))
            widths[i] -= cut
            excess -= cut
        while excess > 0 and any(w > 4 for w in widths.values()):
            widest = max(widths, key=lambda i: (widths[i], -i))
            widths[widest] -= 1
            excess -= 1
        return widths

    def _droppable(self, index: int) -> bool:
        return self.columns[index] in DROPPED_FIRST and self.columns[index] not in self.keep

    def __rich_console__(self, console, options):
        widths = self.fitted(options.max_width)
        shown = list(widths)
        # a title can hold a path from the evidence: never parsed as markup, escapes shown, not run
        title = Text(terminal_safe(self.title), style="italic") if self.title else None
        table = Table(title=title, header_style="bold", show_lines=False, expand=False)
        for index in shown:
            name = self.columns[index]
            justify = "right" if self.frame.schema[name].is_numeric() else "left"
            table.add_column(name, justify=justify, overflow="fold", width=widths[index])
        for cells, style in zip(self.cells, self.styles, strict=True):
            table.add_row(*(cells[i] for i in shown), style=style)
        if self.totals is not None:
            table.add_section()
            table.add_row(*(self.totals.get(self.columns[i], Text("")) for i in shown), style="bold")
        table.caption = self.caption
        yield table
        left_out = [self.columns[i] for i in range(len(self.columns)) if i not in shown]
        if left_out:
            yield Text(
                f"columns left out to fit {options.max_width} characters: {', '.join(left_out)} "
                "(--wide shows them; --format csv has every field)",
                style="dim",
            )


def frame_table(
    frame: pl.DataFrame,
    columns: Iterable[str] | None = None,
    title: str | None = None,
    styler: Styler | None = None,
    row_style: Callable[[dict], str | None] | None = None,
    keep: Iterable[str] = (),
) -> FittedTable:
    """A table of the frame's rows, fitted to the terminal when rendered (FittedTable; only for
    result-sized frames: rows are materialized). `keep`: columns never left out, besides ESSENTIAL."""
    return FittedTable(frame, list(columns or frame.columns), title, styler, row_style, keep)


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
