"""The incident report as Markdown for a ticket: GitHub-flavoured tables, charts as SVG files beside the
report (relative links), or text sparklines when the report goes to stdout. Every value from a log is
escaped: Markdown and HTML punctuation backslash-escaped, control and bidi characters made visible."""

import re

import polars as pl

from forensics_cli import __version__
from forensics_cli.analyses.incident import Incident, next_commands, summary
from forensics_cli.render import incident_columns as columns
from forensics_cli.render.charts import bar_chart_svg
from forensics_cli.render.safe import display_text, terminal_safe
from forensics_cli.render.tables import TABLE_ROWS, sparkline, with_evidence

EPISODE_CHARTS = 12
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&])")  # what can start inline markup or HTML


def md_text(value: object) -> str:
    """A value from the logs as inline Markdown text that renders as exactly that text."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", display_text(value))


def _table(frame: pl.DataFrame, shown: list[tuple[str, str]], noun: str) -> list[str]:
    lines = [
        "| " + " | ".join(heading for _, heading in shown) + " |",
        "|" + "|".join("---" for _ in shown) + "|",
    ]
    for row in frame.head(TABLE_ROWS).iter_rows(named=True):
        lines.append("| " + " | ".join(md_text(row[name]) for name, _ in shown) + " |")
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
    out += _table(files, columns.FILES, "files")
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
        shown = columns.episode_rows(episodes)
        out += _table(shown, columns.EPISODES, "episodes")
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
        who = [("account", "account"), ("address", "from")]
        out += _table(shown, who + columns.TAKEOVER, "events")
    else:
        out += ["No attack succeeded: nobody to follow.", ""]
    out += ["## Secrets in the logs (masked)", ""]
    if incident.exposure.height:
        out += _table(with_evidence(incident.exposure), columns.EXPOSURE, "secrets")
        occurrences = with_evidence(incident.secrets)
        out += ["Every occurrence:", ""] + _table(occurrences, columns.OCCURRENCES, "occurrences")
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
        out += _table(columns.gap_rows(incident.gaps), columns.GAPS, "problems")
    else:
        out += ["No gap, missing rotation, truncation or out-of-order line found.", ""]
    return "\n".join(out), charts.files
