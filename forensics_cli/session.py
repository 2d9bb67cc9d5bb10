"""What every command does before its analysis: load the events the user asked for."""

from datetime import datetime

import polars as pl

from forensics_cli.errors import InputError
from forensics_cli.families import BY_NAME
from forensics_cli.formats import load_field_map, load_user_formats
from forensics_cli.load import LoadListener, LoadOptions, LoadResult, load
from forensics_cli.timeparse import parse_user_time


def time_bounds(since: str | None, until: str | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """--since and --until as times; an error a user can fix when one cannot be read, or when the range
    they make is empty (an inverted range would report "nothing found", exit 0)."""
    try:
        start = parse_user_time(since, tz) if since else None
        end = parse_user_time(until, tz) if until else None
    except (ValueError, OverflowError) as exc:
        raise InputError(f"cannot read the time {since if since else until!r}: {exc}") from exc
    if start is not None and end is not None and start >= end:
        raise InputError(f"--since {since} is not before --until {until}: the range holds no time")
    return start, end


def within(events: pl.DataFrame, since: datetime | None, until: datetime | None) -> pl.DataFrame:
    """Events in [since, until); events without a timestamp are kept only when no bound is given."""
    if since is None and until is None:
        return events
    keep = pl.lit(True)
    if since is not None:
        keep = keep & (pl.col("ts") >= since)
    if until is not None:
        keep = keep & (pl.col("ts") < until)
    return events.filter(keep.fill_null(False))


def load_events(
    paths: list[str],
    tz: str = "UTC",
    field_map: str | None = None,
    service: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cache_dir: str | None = None,
    use_cache: bool = True,
    listener: LoadListener | None = None,
    rehash: bool = False,
    follow_links: bool = False,
    skip_tool_dirs: bool = False,
) -> LoadResult:
    """Load, then keep [since, until). Raises InputError for what the user must fix."""
    try:
        user_format = load_field_map(field_map)
        families = {f.name: f for f in load_user_formats()} | dict(BY_NAME)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    _check_zone(tz)
    low, high = time_bounds(since, until, tz)
    options = LoadOptions(
        user_format=user_format,
        families=families,
        tz=tz,
        service=service,
        cache_dir=cache_dir,
        use_cache=use_cache,
        rehash=rehash,
        follow_links=follow_links,
        skip_tool_dirs=skip_tool_dirs,
    )
    try:
        result = load(paths, options, listener)
    except FileNotFoundError as exc:
        raise InputError(f"no such file or directory: {exc.args[0]}") from exc
    if not any(r.status not in ("not_a_log", "unreadable", "empty") for r in result.reports):
        searched = ", ".join(paths)
        raise InputError(f"no log file found under {searched} ({len(result.reports)} files looked at)")
    _check_field_map_matched(field_map, user_format, result)
    result.events = within(result.events, low, high)
    result.auth_candidates = within(result.auth_candidates, low, high)
    result.per_file = [within(events, low, high) for events in result.per_file]
    return result


def _check_zone(tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Berlin)") from exc


def _check_field_map_matched(field_map: str | None, user_format, result: LoadResult) -> None:
    """A --field-map none of whose paths has a value in any line read maps nothing: a mistyped key would
    otherwise give an analysis over unmapped events that silently finds nothing (exit 2)."""
    if user_format is None or not user_format.paths():
        return  # no map, or one that only declares a [chain] for verify
    parsed = [r for r in result.reports if r.parsed]
    if parsed and not any(r.field_map_paths for r in parsed):
        named = ", ".join(user_format.paths()[:5]) + (", …" if len(user_format.paths()) > 5 else "")
        raise InputError(
            f"--field-map {field_map}: none of its paths ({named}) has a value in the {len(parsed)} log "
            "files read (check the key names; `apiforensics formats detect` proposes a map)"
        )
