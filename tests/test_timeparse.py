"""Timestamp parsing: the slow path's spellings, epoch magnitudes at their boundaries, python-dateutil."""

from datetime import UTC, datetime

import polars as pl
import pytest

from forensics_cli.timeparse import fill_with_dateutil, parse_timestamps, parse_user_time, timestamp_exprs

NOON_UTC = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def _slow(values: list[str], tz: str | None = None) -> list:
    expr, _ = timestamp_exprs(pl.col("t")) if tz is None else timestamp_exprs(pl.col("t"), tz)
    return pl.DataFrame({"t": values}, schema={"t": pl.String}).select(expr.alias("ts"))["ts"].to_list()


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-18 12:00:00,000Z",  # asctime with a comma, Z
        "2026-11-18t12:00:00z",  # RFC 3339 allows both letters in lower case
        "2026-11-18 14:00:00 +0200",  # offset without a colon, after a space
        "2026-11-18T14:00:00+0200",
        "2026-11-18T14:00:00 +02:00",  # offset with a colon, after a space
        "18/Nov/2026:14:00:00 +0200",  # Apache and nginx
        "1795003200",  # epoch seconds
        "1795003200000",  # epoch milliseconds
    ],
)
def test_the_slow_path_reads_each_spelling(written):
    assert _slow([written]) == [NOON_UTC]


def test_the_slow_path_reads_a_naive_time_in_utc_unless_told_otherwise():
    assert _slow(["2026-11-18 12:00:00"]) == [NOON_UTC]
    assert _slow(["2026-11-18 13:00:00"], "Europe/Berlin") == [NOON_UTC]


def test_the_slow_path_gives_no_time_for_text_and_does_not_fail_on_huge_epochs():
    assert _slow(["not a time", "100000000000000000000000", "1795003200"]) == [None, None, NOON_UTC]


@pytest.mark.parametrize(
    "written, expected",
    [
        ("99999999999", datetime(5138, 11, 16, 9, 46, 39, tzinfo=UTC)),  # under 1e11: seconds
        ("100000000000", datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # 1e11: milliseconds
        ("99999999999999", datetime(5138, 11, 16, 9, 46, 39, 999000, tzinfo=UTC)),  # exact, not via a float
        ("1795003200000.5", datetime(2026, 11, 18, 12, 0, 0, 500, tzinfo=UTC)),  # fractional milliseconds
        ("100000000000.0006", datetime(1973, 3, 3, 9, 46, 40, 1, tzinfo=UTC)),  # rounded to the microsecond
        ("100000000000000", datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # 1e14: microseconds
        ("100000000000000.6", datetime(1973, 3, 3, 9, 46, 40, 1, tzinfo=UTC)),
        ("1795003200123456789", datetime(2026, 11, 18, 12, 0, 0, 123456, tzinfo=UTC)),  # exact nanoseconds
        ("1795003200123456789.5", datetime(2026, 11, 18, 12, 0, 0, 123457, tzinfo=UTC)),  # rounded, not cut
        ("10000000000000001", datetime(2286, 11, 20, 17, 46, 40, 1, tzinfo=UTC)),  # exact, not via a float
        ("100000000000000000", datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # 1e17: nanoseconds
    ],
)
def test_epoch_numbers_are_told_apart_by_magnitude(written, expected):
    expr, _ = timestamp_exprs(pl.col("t"))
    (value,) = pl.DataFrame({"t": [written]}).select(expr)[:, 0].to_list()
    assert value == expected


def test_dateutil_fills_only_what_polars_left_and_reads_naive_times_in_the_zone():
    raw = pl.Series(["2026-11-18T12:00:00Z", "Wed Nov 18 07:00:00 2026", None, "no time"])
    parsed = pl.Series([NOON_UTC, None, None, None], dtype=pl.Datetime("us", "UTC"))
    filled = fill_with_dateutil(raw, parsed, "America/New_York").to_list()
    assert filled == [NOON_UTC, NOON_UTC, None, None]
    assert fill_with_dateutil(raw, parsed).to_list()[1] == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


def test_parse_timestamps_sends_odd_spellings_to_dateutil():
    ts, whole = parse_timestamps(pl.Series(["Wed Nov 18 12:00:00 2026", "2026-11-18T12:00:00.5Z"]))
    assert ts.to_list() == [NOON_UTC, NOON_UTC.replace(microsecond=500000)]
    assert whole.to_list() == [True, False]


def test_a_user_time_without_an_offset_is_utc_unless_a_zone_is_given():
    assert parse_user_time("2026-11-18 12:00") == NOON_UTC
    assert parse_user_time("2026-11-18 07:00", "America/New_York") == NOON_UTC
    assert parse_user_time("2026-11-18T13:00:00+01:00", "America/New_York") == NOON_UTC


def test_an_epoch_reader_gives_no_time_for_text_or_numbers_beyond_any_clock_and_never_fails():
    from forensics_cli.timeparse import _from_epoch

    values = ["abc", "1e26", "-1e30", "12345678901234567890123", "inf", "nan", "1795003200"]
    read = pl.DataFrame({"t": values}).select(_from_epoch(pl.col("t")))[:, 0].to_list()
    assert read == [None, None, None, None, None, None, NOON_UTC]
