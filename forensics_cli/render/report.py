"""Progress, the ingest health summary on stderr, and the ingest table."""

import contextlib
import sys

import polars as pl

from forensics_cli.load import FileReport
from forensics_cli.render.safe import terminal_safe
from forensics_cli.render.tables import (
    TABLE_ROWS,
    FittedTable,
    cell,
    common_prefix,
    frame_table,
    more_rows,
    stderr_console,
    to_seconds,
)

STATUS_STYLES = {
    "ok": "green",
    "truncated": "bold red",
    "unreadable": "red",
    "empty": "dim",
    "not_a_log": "dim",
}


class ReadingProgress:
    """The reading's progress on stderr: files done of all, bytes read of all, rate and time left
    (load.LoadListener). Transient: the summary and the warnings print after it, never through it."""

    def __init__(self, console):
        # imported here: rich.progress costs start-up time to every scripted (non-terminal) run
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.bar = Progress(
            TextColumn("reading"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}", style="dim"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("logs", total=None, files="", current="")
        self.files = self.done = 0

    def planned(self, files: int, stored_bytes: int) -> None:
        self.files = files
        self.bar.update(self.task, total=max(stored_bytes, 1), files=f"0/{files} files")

    def file_done(self, report: FileReport, stored_bytes: int) -> None:
        self.done += 1
        name = terminal_safe(report.file)[-40:]
        self.bar.update(
            self.task, advance=stored_bytes, files=f"{self.done}/{self.files} files", current=name
        )


@contextlib.contextmanager
def progress(enabled: bool, console=None):
    """A ReadingProgress while files are read, only when stderr is a terminal (or on `console`)."""
    if not enabled or (console is None and not sys.stderr.isatty()):
        yield None
        return
    reading = ReadingProgress(console or stderr_console())
    with reading.bar:
        yield reading


def health_summary(reports: list[FileReport]) -> list[str]:
    """One line of totals, then one warning line per file that was not read whole."""
    logs = [r for r in reports if r.status not in ("not_a_log", "empty")]
    skipped = len(reports) - len(logs)
    totals = (
        f"{len(logs)} log files ({skipped} skipped), {sum(r.lines for r in reports):,} lines, "
        f"{sum(r.parsed for r in reports):,} parsed, {sum(r.rejected for r in reports):,} rejected, "
        f"{sum(r.status == 'truncated' for r in reports)} truncated"
    )
    lines = [totals]
    for r in reports:
        if r.status in ("truncated", "unreadable", "no_timestamps", "unmapped", "bad_timestamps"):
            lines.append(f"warning: {r.file}: {r.status}: {r.reason}")
        elif r.rejected:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(r.reject_reasons.items()))
            lines.append(f"warning: {r.file}: {r.rejected} lines rejected ({reasons})")
    untimed = [r for r in logs if r.parsed > r.timed]
    if untimed:
        named = ", ".join(f"{r.file} ({r.parsed - r.timed:,})" for r in untimed[:10])
        more = f" and {len(untimed) - 10} more files" if len(untimed) > 10 else ""
        total = sum(r.parsed - r.timed for r in untimed)
        lines.append(f"warning: {total:,} events without a time were not analysed by time: {named}{more}")
    return [terminal_safe(line) for line in lines]


def print_notes(notes: list[str], quiet: bool):
    """Warnings about the run itself (the cache could not be used), on stderr."""
    if notes and not quiet:
        console = stderr_console()
        for note in notes:
            console.print(terminal_safe(f"warning: {note}"), style="yellow", markup=False)


def print_summary(reports: list[FileReport], quiet: bool):
    if quiet:
        return
    console = stderr_console()
    for line in health_summary(reports):
        console.print(line, style="yellow" if line.startswith("warning") else "dim")


def ingest_table(report: pl.DataFrame) -> FittedTable:
    """One row per file (paths shortened to what differs; sha256 and compression are in csv/json). Over
    TABLE_ROWS files, the files that are not ok come first to fill the rows shown (in rotation order),
    and the last row says how many ok files were left out; the totals are over every file."""
    shown = _files_shown(report)
    shown = to_seconds(shown, ["first_ts", "last_ts"])
    prefix = common_prefix(shown["file"].to_list())
    shown = shown.with_columns(pl.col("file").str.strip_prefix(prefix))
    columns = [
        "file",
        "service",
        "format",
        "lines",
        "parsed",
        "timed",
        "rejected",
        "first_ts",
        "last_ts",
        "status",
        "reason",
    ]
    table = frame_table(
        shown,
        columns,
        title=f"Ingest health of {prefix or './'} (rotation order, oldest first)",
        styler=lambda column, value: STATUS_STYLES.get(value) if column == "status" else None,
        keep=("status",),
    )
    first, last = report["first_ts"].min(), report["last_ts"].max()
    table.totals = {
        "file": cell("total"),
        "service": cell(f"{report['service'].n_unique()} services"),
        "format": cell(f"{report['format'].n_unique()} formats"),
        "lines": cell(f"{report['lines'].sum():,}"),
        "parsed": cell(f"{report['parsed'].sum():,}"),
        "timed": cell(f"{report['timed'].sum():,}"),
        "rejected": cell(f"{report['rejected'].sum():,}"),
        "first_ts": cell(first.strftime("%Y-%m-%d %H:%M:%S") if first else None),
        "last_ts": cell(last.strftime("%Y-%m-%d %H:%M:%S") if last else None),
        "status": cell(f"{(report['status'] != 'ok').sum()} not ok"),
    }
    if report.height > shown.height:
        hidden_not_ok = (report["status"] != "ok").sum() - (shown["status"] != "ok").sum()
        table.caption = more_rows(report.height - shown.height, "files" if hidden_not_ok else "ok files")
    return table


def _files_shown(report: pl.DataFrame) -> pl.DataFrame:
    """The rows of the ingest table: every file, or TABLE_ROWS of them, those not ok first."""
    if report.height <= TABLE_ROWS:
        return report
    ranked = report.with_row_index("_order").with_columns((pl.col("status") == "ok").alias("_ok"))
    return ranked.sort("_ok", "_order").head(TABLE_ROWS).sort("_order").drop("_order", "_ok")


def rejects_table(rejects: pl.DataFrame, limit: int = 20) -> FittedTable:
    shown = rejects.head(limit).with_columns(pl.col("raw").str.slice(0, 80))
    title = f"Rejected lines (first {min(limit, rejects.height)} of {rejects.height}; --rejects FILE for all)"
    return frame_table(shown, ["file", "line", "reason", "detail", "raw"], title=title)


def print_hint(text: str):
    stderr_console().print(terminal_safe(text), style="yellow")
