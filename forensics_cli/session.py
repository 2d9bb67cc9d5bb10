"""What every command does before its analysis: load the events the user asked for."""

from collections.abc import Callable
from datetime import datetime

import polars as pl

from forensics_cli.errors import InputError
from forensics_cli.families import BY_NAME
from forensics_cli.formats import load_field_map, load_user_formats
from forensics_cli.load import FileReport, LoadOptions, LoadResult, load
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
    on_file: Callable[[FileReport], None] | None = None,
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
        result = load(paths, options, on_file)
    except FileNotFoundError as exc:
        raise InputError(f"no such file or directory: {exc.args[0]}") from exc
    if not any(r.status not in ("not_a_log", "unreadable", "empty") for r in result.reports):
        searched = ", ".join(paths)
        raise InputError(f"no log file found under {searched} ({len(result.reports)} files looked at)")
    result.events = within(result.events, low, high)
    result.auth_candidates = within(result.auth_candidates, low, high)
    return result


def _check_zone(tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Berlin)") from exc
