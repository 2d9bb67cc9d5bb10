"""`apiforensics report`: every analysis once, written as one incident report (HTML, Markdown, JSON)."""

import os
import sys

import click

from forensics_cli.cli.commands import _inputs, _load
from forensics_cli.cli.options import CommonArgs, common_options
from forensics_cli.errors import InputError
from forensics_cli.render.machine import emit
from forensics_cli.render.report import print_hint, print_summary

REPORT_FORMATS = ("html", "md", "json")
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json"}

report_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS, case_sensitive=False),
    default=None,
    help="html, md or json. Default: from the -o extension (.html, .md, .json); md on stdout.",
)


def report_format(output: str | None, fmt: str | None) -> str:
    """--format wins, then the -o extension; Markdown on stdout. An unknown extension is an InputError."""
    if fmt:
        return fmt.lower()
    if not output or output == "-":
        return "md"
    extension = os.path.splitext(output)[1].lower()
    if extension not in EXTENSIONS:
        known = ", ".join(EXTENSIONS)
        raise InputError(f"-o {output}: a report is written as {known} (or give --format)")
    return EXTENSIONS[extension]


def charts_directory(output: str) -> str:
    """Where a Markdown report's charts go, named relative to the report: `incident.md` ->
    `incident-charts` beside it."""
    return os.path.splitext(os.path.basename(output))[0] + "-charts"


@click.command()
@common_options(formats=report_format_option)
@click.option(
    "--fingerprint-key",
    metavar="KEY",
    envvar="APIFORENSICS_FINGERPRINT_KEY",
    help="HMAC key of the secrets' fingerprints (default: a random per-user key file).",
)
def report(common: CommonArgs, fingerprint_key):
    """One incident report of every analysis: what was read, attacks, takeovers, secrets, coverage.

    Runs ingest, bruteforce, takeover, scan-secrets and gaps once over one reading of the logs (the
    cache is shared) with their default settings, and writes a self-contained HTML page (-o
    incident.html: no script, no network, charts inline), Markdown for a ticket (-o incident.md:
    charts as SVG files in incident-charts/ beside it; on stdout, text sparklines) or JSON (-o
    incident.json). Secrets are masked. Exit 1 when any section reports a finding, 0 when none does.
    """
    from forensics_cli.analyses.incident import build_incident

    fmt = report_format(common.output, common.fmt)
    to_file = bool(common.output) and common.output != "-"
    if to_file:
        _inputs_guard_early(common)
    result = _load(common)
    incident = build_incident(result, common.paths, fingerprint_key)
    guard = _inputs(common, result)
    target = common.output if to_file else None
    if fmt == "html":
        from forensics_cli.render.incident_html import incident_html

        documents = {target: incident_html(incident)}
    elif fmt == "json":
        from forensics_cli.render.incident_json import incident_json

        documents = {target: incident_json(incident)}
    else:
        from forensics_cli.render.incident_md import incident_markdown

        directory = charts_directory(common.output) if to_file else None
        text, charts = incident_markdown(incident, directory)
        documents = {}
        if charts:  # beside the report, under the name its links use
            base = os.path.dirname(os.path.abspath(common.output))
            guard.check_directory(os.path.join(base, directory))
            os.makedirs(os.path.join(base, directory), exist_ok=True)
            documents = {os.path.join(base, name): svg for name, svg in charts.items()}
        documents[target] = text
    for path, text in documents.items():
        emit(text, path, guard)
    if to_file and not common.quiet:
        print_hint(f"wrote the incident report to {common.output}")
    print_summary(result.reports, common.quiet)
    sys.exit(1 if incident.found_anything() else 0)


def _inputs_guard_early(common: CommonArgs) -> None:
    """Refuse an output inside the evidence before any log is read."""
    from forensics_cli.guard import EvidenceGuard

    EvidenceGuard(common.paths, []).check_file(common.output)
