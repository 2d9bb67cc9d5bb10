"""The incident report as one self-contained HTML page: styles inline, charts as data: images, no
script, and a Content-Security-Policy that forbids every fetch, so it opens offline and the page
itself cannot reach the network. Every value from a log is escaped (HTML, then control and bidi
characters made visible)."""

import base64
import html
from collections.abc import Iterable

import polars as pl

from forensics_cli import __version__
from forensics_cli.analyses.gaps import problem_slots
from forensics_cli.analyses.incident import Incident, next_commands, summary
from forensics_cli.render import incident_columns as columns
from forensics_cli.render.charts import bar_chart_svg
from forensics_cli.render.safe import display_text
from forensics_cli.render.tables import TABLE_ROWS, with_evidence

EPISODE_CHARTS = 12  # episodes drawn one chart each (the table lists every episode)
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SECTIONS = ("summary", "read", "attacks", "takeover", "secrets", "coverage")
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:12.5px}th,td{border:1px solid #ddd;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}
code,pre{font:12px ui-monospace,monospace}pre{background:#f6f6f6;padding:.6rem;overflow-x:auto}
.critical{background:#c0392b;color:#fff}.high{color:#c0392b;font-weight:600}.medium{color:#b9770e}
.low{color:#2471a3}.info{color:#777}.ok{color:#1e8449}.bad{color:#c0392b;font-weight:600}
.summary li{margin:.2rem 0}.more{color:#b9770e}.strip{font:11px ui-monospace,monospace;line-height:1.1}
.strip span{display:inline-block;width:9px;height:12px;margin-right:1px}.on{background:#27ae60}
.off{background:#e5e5e5}.hit{background:#c0392b}.muted{color:#777}
"""


def _text(value: object) -> str:
    """A value from the logs as HTML text: escaped, control and bidi characters shown as escapes."""
    return html.escape(display_text(value), quote=True)


def _table(frame: pl.DataFrame, shown: list[tuple[str, str]], noun: str, klass: str | None = None) -> str:
    """An HTML table of (column, heading) pairs, at most TABLE_ROWS rows, then how many more."""
    head = "".join(f"<th>{html.escape(heading)}</th>" for _, heading in shown)
    rows = []
    for row in frame.head(TABLE_ROWS).iter_rows(named=True):
        cells = []
        for name, _ in shown:
            value = row[name]
            style = f' class="{row[klass]}"' if klass and name == klass and row[klass] in _CLASSES else ""
            numeric = ' class="n"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
            cells.append(f"<td{style or numeric}>{_text(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="more">… {frame.height - TABLE_ROWS:,} more {noun} not shown (the JSON report and the '
        "command's --format csv have them all)</p>"
        if frame.height > TABLE_ROWS
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


_CLASSES = {"critical", "high", "medium", "low", "info"}


def _image(svg: str, alt: str) -> str:
    encoded = base64.b64encode(svg.encode()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{encoded}">'


def _summary(incident: Incident) -> Iterable[str]:
    yield '<section id="summary"><h2>Summary</h2><ul class="summary">'
    for line in summary(incident):
        yield f"<li>{_text(line)}</li>"
    yield "</ul><p>To dig further:</p><pre><code>"
    yield "\n".join(_text(command) for command in next_commands(incident))
    yield "</code></pre></section>"


def _read(incident: Incident) -> Iterable[str]:
    files = incident.files
    yield '<section id="read"><h2>What was read</h2>'
    if files.height:
        yield (
            f"<p>{files.height} files, {int(files['lines'].sum()):,} lines, {int(files['parsed'].sum()):,} "
            f"events, {int(files['rejected'].sum()):,} rejected lines.</p>"
        )
        shown = files.with_columns(
            pl.when(pl.col("status") == "ok").then(pl.lit("ok")).otherwise(pl.lit("bad")).alias("_class")
        )
        yield _table(shown, columns.FILES, "files")
    for note in incident.notes:
        yield f'<p class="medium">{_text(note)}</p>'
    yield "</section>"


def _attacks(incident: Incident) -> Iterable[str]:
    yield '<section id="attacks"><h2>Authentication attacks</h2>'
    failures = incident.failures
    if failures.height:
        chart = bar_chart_svg(
            failures["failures"].to_list(),
            "Authentication failures (red) and successes (green) over the whole span",
            failures["start"].to_list(),
            failures["successes"].to_list(),
        )
        yield _image(chart, "authentication failures and successes over time")
    episodes = incident.episodes
    if not episodes.height:
        yield '<p class="ok">No brute force, password spraying or credential stuffing episode.</p></section>'
        return
    shown = columns.episode_rows(episodes)
    yield _table(shown, columns.EPISODES, "episodes", klass="severity")
    for index, row in enumerate(episodes.head(EPISODE_CHARTS).iter_rows(named=True), 1):
        title = f"Episode {index} ({row['kind']}, {row['window']}): failures over its span"
        title += f", {row['first_seen']:%Y-%m-%d %H:%M:%S} to {row['last_seen']:%H:%M:%S}"
        yield _image(bar_chart_svg(list(row["histogram"]), title, size=(6, 1.5)), f"episode {index} failures")
    yield "</section>"


def _takeover(incident: Incident) -> Iterable[str]:
    yield '<section id="takeover"><h2>After the success</h2>'
    rows = incident.takeover
    if not rows.height:
        yield '<p class="ok">No attack succeeded: nobody to follow.</p></section>'
        return
    shown = with_evidence(rows)
    for (account, address), part in shown.group_by(["account", "address"], maintain_order=True):
        yield f"<h3>{_text(account or '(unknown account)')} from {_text(address or '?')}</h3>"
        yield _table(part, columns.TAKEOVER, "events")
    yield "</section>"


def _secrets(incident: Incident) -> Iterable[str]:
    yield '<section id="secrets"><h2>Secrets in the logs (masked)</h2>'
    if not incident.secrets.height:
        yield '<p class="ok">No secret found.</p></section>'
        return
    exposure = with_evidence(incident.exposure)
    yield "<h3>Each distinct secret and its exposure window (rotate these)</h3>"
    yield _table(exposure, columns.EXPOSURE, "secrets", klass="severity")
    occurrences = with_evidence(incident.secrets)
    yield "<h3>Every occurrence</h3>"
    yield _table(occurrences, columns.OCCURRENCES, "occurrences", klass="severity")
    yield "</section>"


def _coverage(incident: Incident) -> Iterable[str]:
    yield '<section id="coverage"><h2>Coverage and integrity</h2>'
    low, high, strips = incident.coverage
    if strips:
        yield f'<p class="muted">{low:%Y-%m-%d %H:%M} to {high:%Y-%m-%d %H:%M} UTC; green: logged, grey: '
        yield 'silent, red: a reported problem</p><div class="strip">'
        for service, counts in strips.items():
            bad = problem_slots(incident.gaps, service, low, high, len(counts))
            cells = "".join(
                f'<span class="{"hit" if hit else ("on" if count else "off")}"></span>'
                for count, hit in zip(counts, bad, strict=True)
            )
            yield f"<div>{cells} {_text(service)}</div>"
        yield "</div>"
    gaps = incident.gaps
    if not gaps.height:
        yield '<p class="ok">No gap, missing rotation, truncation or out-of-order line found.</p></section>'
        return
    shown = columns.gap_rows(gaps)
    yield _table(shown, columns.GAPS, "problems", klass="severity")
    yield "</section>"


def incident_html(incident: Incident) -> str:
    """The whole page (deterministic: the same logs give the same bytes)."""
    read = ", ".join(_text(path) for path in incident.paths)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Incident report: {read}</title><style>{_STYLE}</style></head><body>",
        f'<h1>Incident report</h1><p class="muted">apiforensics {__version__}, logs read from {read}</p>',
    ]
    for section in (_summary, _read, _attacks, _takeover, _secrets, _coverage):
        parts.extend(section(incident))
    parts.append("</body></html>\n")
    return "\n".join(parts)
