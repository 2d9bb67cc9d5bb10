"""The commands. Each one: load events, run one analysis, render, exit with the SPEC's code."""

import os
import sys

import click

from forensics_cli.analyses.ingest import all_read_whole, ingest_report
from forensics_cli.cli.options import CommonArgs, common_options
from forensics_cli.export import write_events
from forensics_cli.render.machine import emit, format_for, serialize
from forensics_cli.render.report import ingest_table, print_summary, progress, rejects_table
from forensics_cli.render.tables import render_text
from forensics_cli.session import load_events


def _load(common: CommonArgs):
    with progress("logs", not common.quiet) as on_file:
        result = load_events(common.paths, tz=common.tz, field_map=common.field_map, service=common.service,
                             since=common.since, until=common.until, cache_dir=common.cache_dir,
                             use_cache=not common.no_cache, on_file=on_file)
    return result


def _inputs(result) -> set[str]:
    return {os.path.realpath(r.file) for r in result.reports}


def _output(common: CommonArgs, result, frame, table_view) -> None:
    """The result as a table (table_view builds the renderables) or in a machine format."""
    fmt = format_for(common.output, common.fmt)
    if fmt == "table":
        text = render_text(table_view(), to_file=bool(common.output))
        emit(text, common.output, _inputs(result))
    else:
        emit(serialize(frame, fmt, raw_csv=common.raw_csv), common.output, _inputs(result))


@click.command()
@common_options
@click.option("--events", "events_out", type=click.Path(), metavar="PATH",
              help="Also write the normalized events: FILE.parquet, FILE.csv, or a DIR for Hive-partitioned "
                   "Parquet (service=/day=).")
@click.option("--rejects", "rejects_out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write every rejected line (file, line, reason, detail, raw) as CSV or JSONL.")
def ingest(common: CommonArgs, events_out, rejects_out):
    """Read the logs and report the health of every file.

    One row per input file in rotation order (oldest first): lines, parsed and rejected
    lines, first and last timestamp, status (ok, truncated, unreadable, empty, not_a_log)
    and the sha256 of the stored bytes. Exit 0 when every log file was read whole, 1 otherwise.
    """
    result = _load(common)
    report = ingest_report(result.reports)
    if events_out:
        write_events(result.events, events_out, _inputs(result))
    if rejects_out:
        fmt = format_for(rejects_out, None)
        emit(serialize(result.rejects, "jsonl" if fmt == "table" else fmt, common.raw_csv), rejects_out,
             _inputs(result))

    def view():
        yield ingest_table(report)
        if result.rejects.height:
            yield rejects_table(result.rejects)

    _output(common, result, report, view)
    print_summary(result.reports, common.quiet)
    sys.exit(0 if all_read_whole(result.reports) else 1)


def register(group: click.Group):
    for command in (ingest,):
        group.add_command(command)
