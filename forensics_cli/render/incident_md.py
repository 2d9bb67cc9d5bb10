"""The incident report as Markdown for a ticket: GitHub-flavoured tables, charts as SVG files beside the
report (relative links), or text sparklines when the report goes to stdout. Every value from a log is
escaped: Markdown and HTML punctuation backslash-escaped, control and bidi characters made visible."""

import re
from datetime import datetime

import polars as pl

from forensics_cli import __version__
from forensics_cli.analyses.incident import Incident, next_commands, summary
from forensics_cli.render.charts import bar_chart_svg
from forensics_cli.render.safe import terminal_safe
from forensics_cli.render.tables import TABLE_ROWS, sparkline, top_with_count, with_evidence

EPISODE_CHARTS = 12
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&])")  # what can start inline markup or HTML


def md_text(value: object) -> str:
    """A value from the logs as inline Markdown text that renders as exactly that text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    text = terminal_safe(str(value))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def _table(frame: pl.DataFrame, columns: list[tuple[str, str]], noun: str) -> list[str]:
    lines = [
        "| " + " | ".join(heading for _, heading in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in frame.head(TABLE_ROWS).iter_rows(named=True):
        lines.append("| " + " | ".join(md_text(row[name]) for name, _ in columns) + " |")
    if frame.height > TABLE_ROWS:
        lines.append("")
        lines.append(f"… {frame.height - TABLE_ROWS:,} more {noun} not shown (the JSON report has them all)")
    return lines + [""]


class _Charts:
    """Charts written as SVG files under `directory` (named relative to the report), or, without a
    directory, text sparklines in the report itself."""

    def __init__(self, directory: str | None):
        self.directory = directory
        self.files: dict[str, str] = {}  # relative path -> SVG document, for the caller to write

    def chart(self, name: str, title: str, counts: list[int], starts=None, successes=None) -> str:
        if self.directory is None:
            return f"`{sparkline(counts) or '(none)'}` {md_text(title)}"
        path = f"{self.directory}/{name}.svg"
        self.files[path] = bar_chart_svg(counts, title, starts, successes)
        return f"![{md_text(title)}]({path})"


def incident_markdown(incident: Incident, charts_directory: str | None = None) -> tuple[str, dict[str, str]]:
    """(the Markdown text, {relative path: SVG document} of the charts it links to)."""
    charts = _Charts(charts_directory)
    paths = ", ".join(md_text(p) for p in incident.paths)
    out = [
        "# Incident report",
        "",
        f"apiforensics {__version__}, logs read from {paths}",
        "",
        "## Summary",
        "",
    ]
    out += [f"- {md_text(line)}" for line in summary(incident)]
    # indented code, not a fence: a value from a log cannot close an indented block
    out += ["", "To dig further:", ""] + [f"    {terminal_safe(c)}" for c in next_commands(incident)] + [""]
    out += ["## What was read", ""]
    files = incident.files
    columns = [("file", "file"), ("service", "service"), ("format", "format"), ("lines", "lines")]
    columns += [("parsed", "parsed"), ("rejected", "rejected"), ("first_ts", "first"), ("last_ts", "last")]
    columns += [("status", "status"), ("reason", "reason")]
    out += _table(files, columns, "files")
    out += [f"> {md_text(note)}" for note in incident.notes] + ([""] if incident.notes else [])
    out += ["## Authentication attacks", ""]
    failures = incident.failures
    if failures.height:
        out += [
            charts.chart(
                "failures",
                "Authentication failures (red) and successes (green) over the whole span",
                failures["failures"].to_list(),
                failures["start"].to_list(),
                failures["successes"].to_list(),
            ),
            "",
        ]
    episodes = incident.episodes
    if episodes.height:
        columns = [("severity", "severity"), ("kind", "kind"), ("window", "window"), ("first_seen", "first")]
        columns += [("failures", "failures"), ("ips", "sources"), ("users", "accounts")]
        columns += [("success_user", "got in as"), ("success_ip", "from"), ("evidence", "evidence")]
        shown = with_evidence(episodes).with_columns(
            top_with_count("ips", "distinct_ips", ", "), top_with_count("users", "distinct_users", ", ")
        )
        out += _table(shown, columns, "episodes")
        for index, row in enumerate(episodes.head(EPISODE_CHARTS).iter_rows(named=True), 1):
            title = (
                f"Episode {index} ({row['kind']}, {row['window']}) from {row['first_seen']:%Y-%m-%d %H:%M:%S}"
            )
            out += [charts.chart(f"episode-{index}", title, list(row["histogram"])), ""]
    else:
        out += ["No brute force, password spraying or credential stuffing episode.", ""]
    out += ["## After the success", ""]
    if incident.takeover.height:
        shown = with_evidence(incident.takeover)
        columns = [("account", "account"), ("address", "from"), ("timestamp", "time"), ("service", "service")]
        columns += [("evidence", "evidence"), ("status", "status"), ("privileged", "privileged")]
        columns += [("detail", "detail")]
        out += _table(shown, columns, "events")
    else:
        out += ["No attack succeeded: nobody to follow.", ""]
    out += ["## Secrets in the logs (masked)", ""]
    if incident.exposure.height:
        columns = [("severity", "severity"), ("rule", "rule"), ("redacted", "value (masked)")]
        columns += [("fingerprint", "fingerprint"), ("first_seen", "exposed from"), ("last_seen", "to")]
        columns += [
            ("occurrences", "occurrences"),
            ("still_present", "still present"),
            ("evidence", "first at"),
        ]
        out += _table(with_evidence(incident.exposure), columns, "secrets")
        columns = [("severity", "severity"), ("rule", "rule"), ("evidence", "evidence"), ("field", "field")]
        columns += [("redacted", "value (masked)")]
        out += ["Every occurrence:", ""] + _table(with_evidence(incident.secrets), columns, "occurrences")
    else:
        out += ["No secret found.", ""]
    out += ["## Coverage and integrity", ""]
    low, _, strips = incident.coverage
    if strips:
        width = max(len(terminal_safe(service)) for service in strips)
        out += [f"    {'':<{width}}  from {low:%Y-%m-%d %H:%M} UTC (█ logged, · silent)"]
        out += [
            f"    {terminal_safe(s):<{width}}  " + "".join("█" if c else "·" for c in v)
            for s, v in strips.items()
        ]
        out += [""]
    if incident.gaps.height:
        columns = [("severity", "severity"), ("kind", "kind"), ("service", "service"), ("start", "start")]
        columns += [("duration_s", "seconds"), ("evidence", "evidence"), ("detail", "detail")]
        out += _table(with_evidence(incident.gaps), columns, "problems")
    else:
        out += ["No gap, missing rotation, truncation or out-of-order line found.", ""]
    return "\n".join(out), charts.files
