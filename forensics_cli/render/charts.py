"""Static SVG bar charts for the incident report, drawn with matplotlib (no script, no network, the
same bytes for the same data: fixed hash salt, no date, text kept as text so a chart stays small).

Labels are made here from times and counts only, never from log content.
"""

import io
from datetime import datetime

FAILURE_COLOUR = "#c0392b"
SUCCESS_COLOUR = "#27ae60"


def bar_chart_svg(
    counts: list[int],
    title: str,
    starts: list[datetime] | None = None,
    successes: list[int] | None = None,
    size: tuple[float, float] = (7.5, 1.9),
) -> str:
    """An SVG document: `counts` as red bars (failures), `successes` stacked green on them; the x axis
    labelled with a few of `starts` (HH:MM, or the date when the span is days)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.hashsalt"] = "apiforensics"  # element ids the same on every run
    matplotlib.rcParams["svg.fonttype"] = "none"
    figure = Figure(figsize=size)
    axes = figure.add_subplot()
    slots = list(range(len(counts)))
    axes.bar(slots, counts, width=0.9, color=FAILURE_COLOUR, label="failures")
    if successes and any(successes):
        axes.bar(slots, successes, width=0.9, bottom=counts, color=SUCCESS_COLOUR, label="successes")
        axes.legend(loc="upper left", fontsize=7, frameon=False)
    axes.set_title(title, fontsize=9, loc="left")
    axes.tick_params(labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlim(-0.6, max(len(counts), 1) - 0.4)
    if starts and len(starts) == len(counts):
        days = (starts[-1] - starts[0]).total_seconds() > 2 * 86400
        ticks = slots[:: max(1, len(slots) // 6)]
        axes.set_xticks(ticks, [starts[i].strftime("%m-%d %H:%M" if days else "%H:%M") for i in ticks])
    else:
        axes.set_xticks([])
    figure.tight_layout(pad=0.4)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def svg_body(document: str) -> str:
    """The <svg> element of an SVG document (no XML declaration or DOCTYPE), for inline use."""
    return document[document.index("<svg") :]
