"""Table views of the analysis commands (header panels, coloured rows, strips)."""

import polars as pl
from rich.panel import Panel
from rich.text import Text

from forensics_cli.analyses.gaps import problem_slots
from forensics_cli.render.tables import (
    TABLE_ROWS,
    bounded_table,
    cell,
    frame_table,
    more_rows,
    severity_style,
    sparkline,
    status_style,
    to_seconds,
    top_with_count,
    with_evidence,
)


def _line(label: str, value: object) -> Text:
    text = Text(f"{label:<14}", style="bold")
    text.append_text(cell(value))
    return text


def timeline_view(timeline: pl.DataFrame, summary: dict, limit: int | None):
    """Header panel, then the events: status codes coloured, auth failures red, context rows dim."""
    selection = summary["selection"]
    asked = (
        [f"request {r}" for r in selection.request_ids]
        + [f"ip {i}" for i in selection.ips]
        + [f"user {u}" for u in selection.users]
        + [f"grep {g!r}" for g in selection.grep]
    )
    duration = summary["duration_ms"]
    lines = [
        _line("selected", ", ".join(asked)),
        _line("events", f"{summary['events']} (+{summary['context_events']} context)"),
        _line("first seen", summary["first_seen"]),
        _line("last seen", summary["last_seen"]),
        _line("duration", f"{duration:,.1f} ms" if duration is not None else ""),
        _line("services", ", ".join(summary["services"])),
        _line("final status", summary["final_status"]),
        _line("users", ", ".join(summary["users"])),
        _line("ips", ", ".join(summary["ips"])),
    ]
    if summary["auth_failures"]:
        lines.append(Text(f"{'auth failures':<14}{summary['auth_failures']}", style="bold red"))
    yield Panel(Text("\n").join(lines), title="timeline", expand=False)
    shown = timeline if limit is None else timeline.head(limit)

    def styler(column, value):
        return status_style(value) if column == "status" else None

    def row_style(row):
        if row["role"] == "context":
            return "dim"
        if (row["detail"] or "").startswith("auth failure"):
            return "red"
        return None

    # the table shows file:line as one column; method and path are in the detail already
    columns = ["timestamp", "offset_ms", "service", "evidence", "status", "ip", "user", "detail"]
    columns += ["raw"] if "raw" in timeline.columns else []
    yield frame_table(with_evidence(shown), columns, styler=styler, row_style=row_style)
    if limit is not None and timeline.height > limit:
        yield Text(
            f"… {timeline.height - limit} more events (raise --limit, or use --format csv)", style="yellow"
        )


def bruteforce_view(episodes: pl.DataFrame, short_window: str = "2m"):
    """One row per episode with a sparkline of failures over its span; then what to run next. An
    episode found at a longer time scale than `short_window` shows it beside its kind."""
    head = episodes.head(TABLE_ROWS)  # most severe first: the table shows these (bounded_table)
    shown = head.with_columns(
        pl.Series("shape", [sparkline(list(h)) for h in head["histogram"].to_list()], dtype=pl.String),
        top_with_count("ips", "distinct_ips"),
        top_with_count("users", "distinct_users"),
        # to the second: the sparkline shows the shape, csv/json keep the microseconds
        pl.col("first_seen").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("first_success").dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.when(pl.col("succeeded")).then(_got_in()).alias("got_in"),
        # the time scale only where it is not the short window's: "brute_force 1d"
        pl.when(pl.col("window") == short_window)
        .then(pl.col("kind"))
        .otherwise(pl.format("{} {}", pl.col("kind"), pl.col("window"))),
    )
    shown = with_evidence(shown)
    columns = [
        "severity",
        "kind",
        "first_seen",
        "failures",
        "shape",
        "ips",
        "users",
        "first_success",
        "got_in",
        "evidence",
    ]
    yield frame_table(
        shown,
        columns,
        title="Authentication attack episodes",
        styler=severity_style,
        row_style=lambda row: "bold" if row["succeeded"] else None,
    )
    if episodes.height > head.height:
        yield more_rows(episodes.height - head.height, "episodes")
    kinds = episodes.group_by("kind").len().sort("kind")
    text = ", ".join(f"{k} {n}" for k, n in kinds.iter_rows()) or "no episodes"
    summary = Text(f"{episodes.height} episodes ({text})")
    got_in = (
        episodes.filter(pl.col("succeeded"))
        .select(_got_in().alias("who"))
        .unique()
        .sort("who")["who"]
        .to_list()
    )
    if got_in:
        summary.append(" — got in: ", style="bold red")
        summary.append_text(cell(", ".join(got_in), "bold red"))
    yield summary
    for detail in episodes.filter(pl.col("succeeded"))["detail"].to_list():
        yield cell(detail, "red")
    if got_in:
        yield Text("what they did next: apiforensics takeover PATHS", style="dim")


def _got_in(account: str = "success_user", address: str = "success_ip") -> pl.Expr:
    """'admin from 203.0.113.66': the account and address of the success that made an episode succeed."""
    user = pl.col(account).fill_null("(unknown account)")
    return (
        pl.when(pl.col(address).is_not_null())
        .then(pl.format("{} from {}", user, pl.col(address)))
        .otherwise(user)
    )


def takeover_view(rows: pl.DataFrame):
    """One table per compromise: what the account and address did after the success."""
    if rows.is_empty():
        yield Text("No attack succeeded: nobody to follow.", style="green")
        return
    shown = rows.with_columns(
        pl.col("timestamp").dt.strftime("%H:%M:%S%.3f"),
        # the privileged kind has its own column: the table's detail is the event's
        pl.col("detail").str.replace(r"^\S+ after the success: ", ""),
    )
    # takeover's first_seen says what the account had never used before (not a time): its own header
    shown = with_evidence(shown.with_columns(_got_in("account", "address").alias("_who")))
    shown = shown.rename({"first_seen": "new_for_account"})
    # account and address are the table's title (ip and user are in csv/json)
    columns = [
        "offset_ms",
        "timestamp",
        "service",
        "evidence",
        "status",
        "privileged",
        "new_for_account",
        "detail",
    ]
    for (who,), part in shown.group_by(["_who"], maintain_order=True):
        sent = part["bytes_sent"].sum() if part["bytes_sent"].null_count() < part.height else None
        who += f" — {sent:,} bytes sent in {part.height} events" if sent is not None else ""
        yield frame_table(
            part,
            columns,
            title=f"After the success: {who}",
            styler=lambda column, value: "bold red" if column == "privileged" and value else None,
            row_style=lambda row: "bold" if row["privileged"] else None,
        )
    marked = rows.filter(pl.col("privileged").is_not_null())
    summary = Text(f"{rows.height} events after {rows.select('account', 'address').n_unique()} successes")
    if marked.height:
        summary.append(f" — {marked.height} privileged: ", style="bold red")
        summary.append_text(cell(", ".join(sorted(set(marked["privileged"].to_list()))), "bold red"))
    yield summary


def secrets_view(findings: pl.DataFrame, exposure: pl.DataFrame, grouped: bool):
    """Occurrences (or, with --group, one row per secret), then the exposure summary."""
    if findings.is_empty():
        yield Text("No secrets found.", style="green")
        return
    if not grouped:
        shown = with_evidence(findings.with_columns(pl.col("fingerprint").str.slice(0, 8)))
        shown = to_seconds(shown, ["timestamp"])
        columns = ["severity", "rule", "timestamp", "evidence", "field", "redacted", "fingerprint", "detail"]
        columns += ["secret"] if "secret" in findings.columns else []
        yield from bounded_table(
            shown, columns, "occurrences", title="Secrets in the logs (values masked)", styler=severity_style
        )
    if exposure.height:
        shown = with_evidence(exposure.with_columns(pl.col("fingerprint").str.slice(0, 8)))
        shown = to_seconds(shown, ["first_seen", "last_seen"]).rename({"evidence": "first_evidence"})
        columns = [
            "severity",
            "rule",
            "redacted",
            "fingerprint",
            "first_seen",
            "last_seen",
            "occurrences",
            "files",
            "still_present",
            "first_evidence",
        ]
        yield from bounded_table(
            shown,
            columns,
            "secrets",
            title="Exposure: each distinct secret (rotate these)",
            styler=severity_style,
            row_style=lambda row: "bold" if row["still_present"] else None,
        )
    live = int(exposure["still_present"].sum()) if exposure.height else 0
    yield Text(
        f"{findings.height} occurrences of {exposure.height} distinct secrets; "
        f"{live} still present in the newest log file of their service",
        style="bold red" if live else "",
    )


def gaps_view(rows: pl.DataFrame, coverage: tuple):
    """A coverage strip per service (red where a reported problem lies), then one row per problem."""
    low, high, strips = coverage
    if strips:
        width = len(next(iter(strips.values())))
        strip_text = Text()
        label = max(len(s) for s in strips) + 2
        strip_text.append(
            f"{'':<{label}}{low:%Y-%m-%d %H:%M}".ljust(label + width - 16) + f"{high:%Y-%m-%d %H:%M}\n",
            style="dim",
        )
        for service, counts in strips.items():
            bad = problem_slots(rows, service, low, high, width)
            strip_text.append_text(cell(service.ljust(label)))
            for count, problem in zip(counts, bad, strict=True):
                strip_text.append(
                    "█" if count else "·", style="red" if problem else ("green" if count else "dim")
                )
            strip_text.append("\n")
        yield Panel(strip_text, title="coverage (█ logged, · silent, red: reported problem)", expand=False)
    shown = with_evidence(rows.with_columns((pl.col("duration_s") / 60).round(1).alias("minutes")))
    shown = to_seconds(shown, ["start"])
    columns = ["severity", "kind", "service", "start", "minutes", "evidence", "detail"]
    yield from bounded_table(
        shown, columns, "problems", title="Coverage and integrity problems", styler=severity_style
    )


def verify_view(rows: pl.DataFrame, checked: list[str]):
    """What was checked (a clean result is only as good as that), then one row per integrity problem."""
    yield Panel(Text("\n").join(cell(line) for line in checked), title="verified", expand=False)
    if rows.is_empty():
        yield Text("no integrity problem found in what was checked", style="green")
        return
    shown = with_evidence(rows).with_columns(  # file-level findings have no line: the file alone
        pl.col("subject").str.extract(r"([^/!]*)$"),  # an S3 key's file name: the full key is in csv/json
    )
    columns = ["severity", "kind", "start", "evidence", "subject", "detail"]
    yield from bounded_table(shown, columns, "problems", title="Integrity problems", styler=severity_style)
