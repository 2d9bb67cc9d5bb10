"""`apiforensics formats`: the log families known, and which one each file is read as."""

import json
import sys

import click

from forensics_cli.cli.options import default_paths


@click.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def formats(ctx: click.Context, fmt: str):
    """List the log families read without configuration (docs/formats.md)."""
    if ctx.invoked_subcommand is not None:
        return
    from forensics_cli.families import FAMILIES
    from forensics_cli.formats import load_user_formats

    rows = [
        {
            "name": family.name,
            "title": family.title,
            "recognised_by": ", ".join(family.recogniser.keys + tuple(p for p, _ in family.recogniser.values))
            or "(fallback)",
            "authentication": bool(family.auth_when),
            "origin": "user" if user else "built-in",
        }
        for user, family in [(True, f) for f in load_user_formats()] + [(False, f) for f in FAMILIES]
    ]
    _print(rows, fmt, "Log families (most specific first)")


@formats.command("detect")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--propose", type=click.Path(dir_okay=False), help="Write the proposed field map (TOML) here.")
def detect(paths, fmt, propose):
    """Say per file which family matched and how much of each canonical field it fills; for a file no
    family recognises, propose a field map from its keys."""
    import polars as pl

    from forensics_cli.analyses.ingest import ingest_report
    from forensics_cli.families.propose import as_toml, propose_field_map
    from forensics_cli.ingest_file import sample_records
    from forensics_cli.parse import SAMPLE_LINES
    from forensics_cli.session import InputError, load_events

    try:
        result = load_events(default_paths(paths), use_cache=False)
    except InputError as exc:
        raise click.UsageError(str(exc)) from exc
    report = ingest_report(result.reports)
    rows, proposals = [], []
    for row, file_report in zip(report.to_dicts(), sorted(result.reports, key=lambda r: r.rank), strict=True):
        if file_report.status in ("not_a_log", "empty", "unreadable"):
            continue
        entry = {k: row[k] for k in ("file", "format", "parsed", "timed", "status", "coverage")}
        if file_report.family == "json" or file_report.status in ("unmapped", "no_timestamps"):
            # the lines this run already read (archive members and documents included), not the file again
            raws = result.events.filter(pl.col("file") == file_report.file).select("raw").head(SAMPLE_LINES)
            records = sample_records(raws.collect()["raw"])
            proposal = propose_field_map(records)
            entry["proposed_field_map"] = proposal
            if proposal:
                proposals.append(as_toml(proposal, file_report.file))
        rows.append(entry)
    _print(rows, fmt, "Formats detected")
    if propose and proposals:
        with open(propose, "x", encoding="utf-8") as out:  # never over an existing file
            out.write("\n".join(proposals))
        click.echo(f"proposed field map written to {propose}", err=True)
    elif proposals and fmt == "table":
        click.echo("\n".join(proposals), err=True)
    sys.exit(0)


def _print(rows: list[dict], fmt: str, title: str):
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    import polars as pl

    from forensics_cli.render.tables import frame_table, render_text

    frame = pl.DataFrame([{k: v for k, v in row.items() if not isinstance(v, dict)} for row in rows])
    click.echo(render_text([frame_table(frame, frame.columns, title=title)]), nl=False)
