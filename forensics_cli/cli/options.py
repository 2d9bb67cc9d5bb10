"""Options every analysis command shares, and the run context built from them."""

import functools
import os
from dataclasses import dataclass

import click

from forensics_cli.durations import parse_duration
from forensics_cli.guard import EvidenceGuard
from forensics_cli.render.machine import FORMATS, format_for
from forensics_cli.session import InputError, time_bounds

FORMAT_CHOICE = click.Choice(FORMATS, case_sensitive=False)


@dataclass
class CommonArgs:
    paths: list[str]
    fmt: str | None
    output: str | None
    since: str | None
    until: str | None
    tz: str
    field_map: str | None
    quiet: bool
    service: str | None
    raw_csv: bool
    no_cache: bool
    cache_dir: str | None
    follow_links: bool = False
    implicit_paths: bool = False  # no PATHS and no $APIFORENSICS_LOGS: the current directory is crawled
    manifest: str | None = None  # --manifest FILE: what the result rests on, written when the command ends
    inputs: list[str] | None = None  # the files the command read (set once the logs are loaded)
    wide: bool = False  # --wide: tables keep every column


def _env_paths() -> list[str]:
    return [p for p in os.environ.get("APIFORENSICS_LOGS", "").split(os.pathsep) if p]


def implicit_paths(paths: tuple[str, ...]) -> bool:
    """No PATHS and no $APIFORENSICS_LOGS: the current directory is crawled, without tool directories."""
    return not paths and not _env_paths()


def default_paths(paths: tuple[str, ...]) -> list[str]:
    """PATHS, else $APIFORENSICS_LOGS (os.pathsep-separated), else the current directory."""
    if paths:
        return list(paths)
    return _env_paths() or ["."]


# options that every command writing a result shares (the analysis commands through common_options, verify)
format_option = click.option(
    "--format",
    "fmt",
    type=FORMAT_CHOICE,
    default=None,
    help="table (default), csv, json or jsonl. Default: from the -o extension, else table.",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the result to FILE (atomically; never over an input file).",
)
raw_csv_option = click.option(
    "--raw-csv",
    is_flag=True,
    help="CSV cells exactly as logged: no formula prefix, control and bidi characters not escaped.",
)
follow_links_option = click.option(
    "--follow-links",
    is_flag=True,
    help="Read files behind symbolic links that point outside PATHS (by default they are listed as "
    "unreadable, not read).",
)
wide_option = click.option(
    "--wide",
    is_flag=True,
    help="Tables show every column, however wide (by default, lower-value columns are left out to fit "
    "the terminal; file:line, severity, kind and time never are).",
)
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress display and no summary on stderr."
)


def common_options(command=None, *, formats=None):
    """PATHS and the options of the SPEC that every analysis command accepts. `formats`: a command's own
    --format option (`report`: html, md, json), which then also checks its -o extension itself."""
    if command is None:
        return functools.partial(common_options, formats=formats)

    @click.argument("paths", nargs=-1, type=click.Path())
    @(formats or format_option)
    @output_option
    @click.option(
        "--since", metavar="TIME", help="Keep events at or after TIME (UTC unless it has an offset)."
    )
    @click.option("--until", metavar="TIME", help="Keep events before TIME.")
    @click.option(
        "--tz",
        default="UTC",
        show_default=True,
        metavar="ZONE",
        help="Time zone of timestamps written without an offset in the logs.",
    )
    @click.option(
        "--field-map",
        type=click.Path(exists=True, dir_okay=False),
        metavar="FILE",
        help="TOML file mapping canonical fields to JSON keys or dotted paths.",
    )
    @click.option("--service", metavar="NAME", help="Use NAME as the service of every file.")
    @raw_csv_option
    @click.option(
        "--no-cache",
        is_flag=True,
        help="Read every file again; do not use or fill the cache (parsed events go to a temporary "
        "directory, removed at exit).",
    )
    @click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        metavar="DIR",
        help="Normalized-event cache directory (default: the user cache directory).",
    )
    @follow_links_option
    @wide_option
    @click.option(
        "--manifest",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Also write an evidence manifest: tool version, command line, settings, every input's size, "
        "mtime and SHA-256, every output's SHA-256 (and FILE.sha256sum). `verify --manifest FILE` re-checks.",
    )
    @quiet_option
    @functools.wraps(command)
    def wrapper(
        paths,
        fmt,
        output,
        since,
        until,
        tz,
        field_map,
        service,
        raw_csv,
        no_cache,
        cache_dir,
        follow_links,
        wide,
        manifest,
        quiet,
        **kwargs,
    ):
        if output and not fmt and formats is None:
            try:
                format_for(output, None)  # before any log is read: the mistake costs nothing
            except ValueError as exc:
                raise InputError(f"-o {output}: {exc}") from exc
        time_bounds(since, until, tz)  # an inverted or unreadable range, before any log is read
        common = CommonArgs(
            default_paths(paths),
            fmt.lower() if fmt else None,
            output,
            since,
            until,
            tz,
            field_map,
            quiet,
            service,
            raw_csv,
            no_cache,
            cache_dir,
            follow_links,
            implicit_paths=implicit_paths(paths),
            manifest=manifest,
            wide=wide,
        )
        if manifest:  # refused before any log is read when it would land in the evidence
            EvidenceGuard(common.paths, []).check_file(manifest)
        ended = False
        try:
            outcome = command(common, **kwargs)
            ended = True
            return outcome
        except SystemExit as exc:
            ended = exc.code in (0, 1, None)  # ran (nothing found, or findings): what it rests on is known
            raise
        finally:
            if ended and manifest and common.inputs is not None:
                _write_manifest(common)

    return wrapper


def _write_manifest(common: CommonArgs) -> None:
    """The evidence manifest of the command that just ran (integrity/manifest.py)."""
    from datetime import UTC, datetime

    from forensics_cli.formats import user_format_files
    from forensics_cli.guard import outputs_written
    from forensics_cli.integrity.manifest import RunRecord, build_manifest, write_manifest
    from forensics_cli.load import PARSER_VERSION
    from forensics_cli.subsets import DEFAULT_LOGIN_PATHS

    context = click.get_current_context(silent=True)
    argv = list(context.meta.get("argv", [])) if context else []
    run = RunRecord(
        argv=argv,
        paths=common.paths,
        settings={
            "tz": common.tz,
            "since": common.since,
            "until": common.until,
            "service": common.service,
            "follow_links": common.follow_links,
            "skip_tool_dirs": common.implicit_paths,
            "parser_version": PARSER_VERSION,
            "login_paths": list(DEFAULT_LOGIN_PATHS),
        },
        setting_files={"field_map": common.field_map}
        | {f"user_format:{path.name}": str(path) for path in user_format_files()},
    )
    document = build_manifest(run, common.inputs or [], outputs_written(), datetime.now(UTC))
    write_manifest(common.manifest, document, EvidenceGuard(common.paths, common.inputs or []))


class Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value, param, ctx):
        if isinstance(value, float | int):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
