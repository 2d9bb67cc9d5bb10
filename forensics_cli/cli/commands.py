"""The commands. Each one: load events, run one analysis, render, exit with the SPEC's code."""

import os
import sys
from datetime import timedelta

import click
import polars as pl

from forensics_cli.analyses.bruteforce import Thresholds, detect
from forensics_cli.analyses.gap_input import gap_input
from forensics_cli.analyses.gaps import GapOptions, coverage, find_gaps, gap_rows, parse_retention
from forensics_cli.analyses.ingest import all_read_whole, ingest_report
from forensics_cli.analyses.scales import LONG_SCALES
from forensics_cli.analyses.sources import DEFAULT_V6_PREFIX
from forensics_cli.analyses.timeline import Selection, build_timeline, closest_request_ids, summarize
from forensics_cli.cache import EventCache
from forensics_cli.cli.options import CommonArgs, Duration, common_options
from forensics_cli.durations import duration_label
from forensics_cli.export import write_events
from forensics_cli.guard import EvidenceGuard
from forensics_cli.render.machine import emit, format_for, serialize
from forensics_cli.render.report import (
    ingest_table,
    print_hint,
    print_notes,
    print_summary,
    progress,
    rejects_table,
)
from forensics_cli.render.tables import TABLE_ROWS, render_text
from forensics_cli.render.views import bruteforce_view, gaps_view, secrets_view, takeover_view, timeline_view
from forensics_cli.session import InputError, load_events
from forensics_cli.subsets import DEFAULT_LOGIN_PATHS


def _masked(rows: pl.DataFrame, columns: list[str], raw: str = "raw") -> pl.DataFrame:
    """The secrets of each row masked in `columns` (secrets.sanitize.redact_row_columns). Imported on use:
    loading the secret catalog takes ~0.1 s, which a command with no row to show, or `gaps`, need not pay."""
    if rows.is_empty():
        return rows
    from forensics_cli.secrets.sanitize import redact_row_columns

    return redact_row_columns(rows, columns, raw=raw)


def _load(common: CommonArgs, rehash: bool = False):
    if common.implicit_paths and not common.quiet:  # say what is read when nobody named it
        print_hint(f"no PATHS given: reading {os.path.abspath('.')} (not .git, node_modules, venvs, caches)")
    with progress(not common.quiet) as listener:
        result = load_events(
            common.paths,
            tz=common.tz,
            field_map=common.field_map,
            service=common.service,
            since=common.since,
            until=common.until,
            cache_dir=common.cache_dir,
            use_cache=not common.no_cache,
            listener=listener,
            rehash=rehash,
            follow_links=common.follow_links,
            skip_tool_dirs=common.implicit_paths,
        )
    print_notes(result.notes, common.quiet)
    common.inputs = [report.file for report in result.reports]  # what a --manifest lists
    return result


def _inputs(common: CommonArgs, result) -> EvidenceGuard:
    """What no output may touch: the PATHS given and every input file."""
    return EvidenceGuard(common.paths, [r.file for r in result.reports])


def _output(common: CommonArgs, result, frame, table_view) -> None:
    """The result as a table (table_view builds the renderables) or in a machine format."""
    fmt = format_for(common.output, common.fmt)
    if fmt == "table":
        text = render_text(table_view(), to_file=bool(common.output), wide=common.wide)
        emit(text, common.output, _inputs(common, result))
    else:
        emit(serialize(frame, fmt, raw_csv=common.raw_csv), common.output, _inputs(common, result))


@click.command()
@common_options
@click.option(
    "--events",
    "events_out",
    type=click.Path(),
    metavar="PATH",
    help="Also write the normalized events: FILE.parquet, FILE.csv, or a DIR for Hive-partitioned "
    "Parquet (service=/day=).",
)
@click.option(
    "--rejects",
    "rejects_out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write every rejected line (file, line, reason, detail, raw) as CSV or JSONL.",
)
def ingest(common: CommonArgs, events_out, rejects_out):
    """Read the logs and report the health of every file.

    One row per input file in rotation order (oldest first): the log format recognised, lines,
    parsed and rejected lines, events with a time, first and last timestamp, status (ok,
    truncated, unreadable, empty, not_a_log, no_timestamps, unmapped), the sha256 of the stored
    bytes, and the coverage of the canonical fields. Exit 0 when every log file was read whole
    and understood, 1 otherwise."""
    result = _load(common, rehash=True)  # the sha256 column is printed: never from the index alone
    report = ingest_report(result.reports)
    rejects = _masked(result.rejects, ["raw"])  # a traceback in a log must not leak a key again
    if events_out:
        write_events(result.events, events_out, _inputs(common, result))
    if rejects_out:
        fmt = format_for(rejects_out, None)
        emit(
            serialize(rejects, "jsonl" if fmt == "table" else fmt, common.raw_csv),
            rejects_out,
            _inputs(common, result),
        )

    def view():
        yield ingest_table(report)
        if rejects.height:
            yield rejects_table(rejects)

    _output(common, result, report, view)
    print_summary(result.reports, common.quiet)
    sys.exit(0 if all_read_whole(result.reports) else 1)


@click.command()
@common_options
@click.option(
    "--request-id",
    "request_ids",
    multiple=True,
    metavar="ID",
    help="Events whose correlation ID is exactly ID (request_id, X-Request-Id, auditID, trace.id, "
    "traceparent trace-id). Repeatable.",
)
@click.option("--ip", "ips", multiple=True, metavar="ADDR", help="Everything this client address did.")
@click.option("--user", "users", multiple=True, metavar="NAME", help="Everything this account did.")
@click.option("--grep", multiple=True, metavar="TEXT", help="Events whose raw line contains TEXT (literal).")
@click.option(
    "--context",
    type=Duration(),
    metavar="DURATION",
    help="Add the same IPs' and users' events this long before and after, marked as context.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N events (table default: 200).")
@click.option("--raw", "show_raw", is_flag=True, help="Add the raw log line as a column.")
def timeline(common: CommonArgs, request_ids, ips, users, grep, context, limit, show_raw):
    """What one request (or address, or account) did, in time order, across services and files.

    Ties are broken by the rotation order of the file, then the line. Exit 0 when events
    matched, 1 when none did.
    """
    selection = Selection(list(request_ids), list(ips), list(users), list(grep))
    if selection.is_empty():
        raise click.UsageError("give at least one of --request-id, --ip, --user or --grep")
    result = _load(common)
    window = timedelta(seconds=context) if context else None
    rows = build_timeline(result.events, selection, window, raw=True)
    # a secret of the line is masked wherever it shows: the user (API-key logins), path, event, detail
    shown = ["event", "path", "detail", "user", "ip"] + (["raw"] if show_raw else [])
    rows = _masked(rows, shown)
    rows = rows if show_raw else rows.drop("raw")
    fmt = format_for(common.output, common.fmt)
    if limit is None and fmt == "table":
        limit = TABLE_ROWS
    summary = summarize(rows, selection)
    machine_rows = rows.head(limit) if limit else rows
    _output(common, result, machine_rows, lambda: timeline_view(rows, summary, limit))
    print_summary(result.reports, common.quiet)
    if rows.height == 0:
        _no_match_hint(result, selection, common.quiet)
        sys.exit(1)
    sys.exit(0)


def _no_match_hint(result, selection: Selection, quiet: bool):
    if quiet:
        return
    searched = sum(r.status not in ("not_a_log", "empty") for r in result.reports)
    hint = f"no event matched in {searched} log files"
    if selection.request_ids:
        close = closest_request_ids(result.events, selection.request_ids)
        if close:
            hint += "; request IDs with the same prefix: " + ", ".join(close)
    print_hint(hint)


def detection_options(command):
    """The options that decide what an attack episode is (bruteforce and takeover share them)."""
    options = [
        click.option(
            "--window",
            type=Duration(),
            default="2m",
            show_default=True,
            help="The short sliding window over event time (90s, 2m, 1h); 1h and 1d windows run beside it "
            "unless --single-window.",
        ),
        click.option(
            "--single-window",
            is_flag=True,
            help="Only the --window scale: no 1-hour and 1-day windows for low-and-slow attacks.",
        ),
        click.option(
            "--threshold",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="Failures in one short window that make brute force (one source, or one account).",
        ),
        click.option(
            "--min-users",
            type=click.IntRange(min=2),
            default=10,
            show_default=True,
            help="Distinct accounts from one source in one short window that make password spraying.",
        ),
        click.option(
            "--min-sources",
            type=click.IntRange(min=2),
            default=5,
            show_default=True,
            help="Distinct sources against one account in one short window that make distributed "
            "brute force.",
        ),
        click.option(
            "--v6-prefix",
            type=click.IntRange(min=1, max=128),
            default=DEFAULT_V6_PREFIX,
            show_default=True,
            help="IPv6 addresses in one network of this prefix length are one source (128: every address).",
        ),
        click.option(
            "--grace",
            type=Duration(),
            default="10m",
            show_default=True,
            help="A success this long after an episode still counts as the attacker getting in.",
        ),
        click.option(
            "--by", type=click.Choice(["ip", "user"]), help="Only pivot on the source (ip) or the account."
        ),
        click.option(
            "--login-path",
            "login_paths",
            multiple=True,
            metavar="GLOB",
            help="A path whose 2xx answers are successful logins (e.g. '/api/v2/auth/*'); repeatable, "
            "added to the defaults.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _episodes(result, options: dict):
    """bruteforce.detect with the detection options as given on the command line."""
    thresholds = Thresholds(
        window_s=options["window"],
        threshold=options["threshold"],
        min_users=options["min_users"],
        min_sources=options["min_sources"],
        grace_s=options["grace"],
        by=options["by"],
        long_scales=() if options["single_window"] else LONG_SCALES,
        v6_prefix=options["v6_prefix"],
    )
    login_paths = options["login_paths"]
    # the stored subset holds every possible attempt under the default login paths, not under others
    source = result.events if login_paths else result.auth_candidates
    return detect(source, thresholds, DEFAULT_LOGIN_PATHS + list(login_paths))


@click.command()
@common_options
@detection_options
def bruteforce(common: CommonArgs, **options):
    """Auth-failure bursts: brute force, password spraying, distributed brute force, credential stuffing.

    Windows of 2 minutes, 1 hour and 1 day run together, so low-and-slow attacks are found too; each
    episode is reported once, at the window that shows most of it. Each says whether a success
    followed (succeeded=true, severity critical), who got in (success_user, success_ip) and which
    timeline command shows what that session did next. Exit 1 when any episode is reported.
    """
    result = _load(common)
    # an API key or token used as the account name is a secret: masked, as scan-secrets would show it
    episodes = _masked(_episodes(result, options), ["users", "success_user", "detail"], raw="users")
    short = duration_label(options["window"])
    _output(common, result, episodes.drop("histogram"), lambda: bruteforce_view(episodes, short))
    print_summary(result.reports, common.quiet)
    sys.exit(1 if episodes.height else 0)


@click.command()
@common_options
@detection_options
@click.option(
    "--next-events",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Events shown after each success that made an attack succeed.",
)
@click.option(
    "--next-window",
    type=Duration(),
    default="1h",
    show_default=True,
    help="How long after the success its account and address are followed.",
)
@click.option(
    "--geoip",
    "geoip_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE.mmdb",
    help="A MaxMind-format database (GeoLite2 Country/City/ASN; never downloaded): adds country and "
    "network, and tells a new one for the account. Repeatable.",
)
def takeover(common: CommonArgs, next_events, next_window, geoip_files, **options):
    """What each account that got in did next: the events after the success, across services.

    For every bruteforce episode that succeeded: the account's and the address's events (and the
    login request's own lines) after the success, privileged and persistence actions marked (role and
    policy changes, new keys, MFA changes, OAuth consent, new users, password changes, logging turned
    off), and addresses, user agents, countries or networks (with --geoip) the account never used
    before the attack. Exit 1 when any account got in, 0 when none did.
    """
    from forensics_cli.analyses.takeover import TakeoverOptions
    from forensics_cli.analyses.takeover import takeover as follow
    from forensics_cli.geoip import GeoIPError, open_locator

    try:
        locate = open_locator(list(geoip_files)) if geoip_files else None
    except GeoIPError as exc:
        raise InputError(str(exc)) from exc
    result = _load(common)
    episodes = _episodes(result, options)
    options = TakeoverOptions(limit=next_events, window_s=next_window)
    rows = follow(result.events, episodes, options, raw=True, locate=locate)
    # a secret of the line is masked wherever it shows, as in timeline
    rows = _masked(rows, ["event", "path", "detail", "user", "ip", "account", "address"]).drop("raw")
    _output(common, result, rows, lambda: takeover_view(rows))
    print_summary(result.reports, common.quiet)
    sys.exit(1 if rows.height else 0)


@click.command("scan-secrets")
@common_options
@click.option(
    "--group",
    "grouped",
    is_flag=True,
    help="One row per distinct secret (fingerprint): first/last seen, occurrences, still present.",
)
@click.option("--show-secrets", is_flag=True, help="Add the secret values in full (never the default).")
@click.option(
    "--fingerprint-key",
    metavar="KEY",
    envvar="APIFORENSICS_FINGERPRINT_KEY",
    help="HMAC key of the fingerprints (default: a random per-user key file).",
)
@click.option(
    "--allowlist",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="TOML [[allow]] entries (rule, field glob, value_regex, fingerprint) that are not findings.",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="An earlier scan-secrets report (json, jsonl, csv): report only findings not in it.",
)
@click.option(
    "--write-sanitized",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write a copy of the logs with the secret values replaced by [REDACTED:rule:fingerprint].",
)
def scan_secrets(
    common: CommonArgs, grouped, show_secrets, fingerprint_key, allowlist, baseline, write_sanitized
):
    """Credentials, tokens, keys and card numbers that leaked into the logs, masked.

    Field-aware on JSON (sensitive keys, Authorization, cookies, URLs, query strings,
    embedded JSON) and format rules on every line, JSON or not. Exit 1 when anything is found.
    """
    from forensics_cli.analyses import secrets_report
    from forensics_cli.secrets.exposure import SecretsConfigError
    from forensics_cli.secrets.scan import SECRET_COLUMNS

    result = _load(common)
    try:
        findings = secrets_report.find(result, fingerprint_key, allowlist, baseline)
    except SecretsConfigError as exc:
        raise InputError(str(exc)) from exc
    print_notes(findings.notes, common.quiet)
    if write_sanitized:
        copies = secrets_report.sanitize(
            result, findings.all_after_allowlist, write_sanitized, _inputs(common, result)
        )
        if not common.quiet:
            print_hint(f"wrote {len(copies)} sanitized files under {write_sanitized}")
    rows = findings.rows if show_secrets else findings.rows.drop("secret")
    rows = rows.drop("needles")
    if grouped:
        machine = findings.exposure
    else:
        machine = rows.select([c for c in SECRET_COLUMNS + ["secret"] if c in rows.columns])
    _output(common, result, machine, lambda: secrets_view(rows, findings.exposure, grouped))
    print_summary(result.reports, common.quiet)
    sys.exit(1 if findings.rows.height else 0)


@click.command()
@common_options
@click.option(
    "--min-gap",
    type=Duration(),
    default="60s",
    show_default=True,
    help="Shortest silence worth judging; longer ones are reported only when improbable.",
)
@click.option(
    "--max-skew",
    type=Duration(),
    default="5m",
    show_default=True,
    help="A line this far from both neighbours' times is out of order.",
)
@click.option(
    "--retention",
    metavar="DURATION|PCI|SOC2|HIPAA",
    help="Report whether the logs reach back this far (PCI, SOC2: 1y; HIPAA: 6y).",
)
def gaps(common: CommonArgs, min_gap, max_skew, retention):
    """Stretches of time the logs do not cover, and signs of tampering or damage, per service.

    Kinds: time_gap (an improbable silence, learnt from the service's own rate), missing_rotation,
    truncated_file, out_of_order, overlap, retention, stopped_early, unsigned (CloudTrail events no
    digest among PATHS covers). Exit 1 when anything is reported.
    """
    try:
        retention_s = parse_retention(retention) if retention else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--retention") from None
    result = _load(common)
    options = GapOptions(min_gap_s=min_gap, max_skew_s=max_skew, retention_s=retention_s)
    data = gap_input(result.events, result.reports, options.max_skew_s, result.per_file)
    rows = find_gaps(data, result.reports, options)
    unsigned = _unsigned(result)
    if unsigned:
        rows = gap_rows(rows.to_dicts() + unsigned)
    _output(common, result, rows, lambda: gaps_view(rows, coverage(data.active)))
    print_summary(result.reports, common.quiet)
    sys.exit(1 if rows.height else 0)


def _unsigned(result) -> list[dict]:
    """gaps' `unsigned` rows: CloudTrail events of log files that no digest among the inputs lists."""
    from forensics_cli.analyses.unsigned import unsigned_stretches
    from forensics_cli.discover import CLOUDTRAIL_DIGEST
    from forensics_cli.integrity.cloudtrail_digest import unlisted_by_trail

    digests = [r.file for r in result.reports if r.reason == CLOUDTRAIL_DIGEST]
    if not digests:
        return []
    return unsigned_stretches(result.events, unlisted_by_trail([r.file for r in result.reports], digests))


@click.group()
def cache():
    """Manage the normalized-event cache (Parquet per input file, in the user cache directory)."""


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", help="The cache to clear.")
def cache_clear(cache_dir):
    """Remove every cached file."""
    store = EventCache(cache_dir, "")
    removed = store.clear()
    click.echo(f"removed {removed} cached files from {store.root}", err=True)


@cache.command("path")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR")
def cache_path(cache_dir):
    """Print where the cache lives."""
    click.echo(str(EventCache(cache_dir, "").root))
