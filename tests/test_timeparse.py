"""Timestamp parsing: the slow path's spellings, epoch magnitudes at their boundaries, python-dateutil."""

from datetime import UTC, datetime, timedelta

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


def test_a_user_time_comes_back_in_utc_whatever_the_machines_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        moment = parse_user_time("2026-11-18 14:00+02:00")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert moment == NOON_UTC and moment.utcoffset() == timedelta(0)


def test_an_epoch_reader_gives_no_time_for_text_or_numbers_beyond_any_clock_and_never_fails():
    from forensics_cli.timeparse import _from_epoch

    values = ["abc", "1e26", "-1e30", "12345678901234567890123", "inf", "nan", "1795003200"]
    read = pl.DataFrame({"t": values}).select(_from_epoch(pl.col("t")))[:, 0].to_list()
    assert read == [None, None, None, None, None, None, NOON_UTC]


def _refuse_the_slow_path(monkeypatch):
    import forensics_cli.timeparse as timeparse

    def refuse(*args, **kwargs):
        raise AssertionError("a value in a direct format reached the slow path")

    monkeypatch.setattr(timeparse, "timestamp_exprs", refuse)
    monkeypatch.setattr(timeparse, "fill_with_dateutil", refuse)


def test_values_in_a_direct_format_never_reach_the_slow_path(monkeypatch):
    # the regex normalization and python-dateutil cost ~50x a direct format: a file in one must not pay it
    _refuse_the_slow_path(monkeypatch)
    written = [
        "1795003200",
        "2026-11-18T12:00:00Z",
        None,
        "18/Nov/2026:12:00:00 +0000",
        "Wed, 18 Nov 2026 12:00:00 GMT",
        "2026-11-18 12:00:00,000",
        "1795003200000",
        "2026-11-18T13:00:00+01:00",
    ]
    ts, _ = parse_timestamps(pl.Series(written, dtype=pl.String))
    assert ts.to_list() == [NOON_UTC, NOON_UTC, None, NOON_UTC, NOON_UTC, NOON_UTC, NOON_UTC, NOON_UTC]
    naive, _ = parse_timestamps(pl.Series(["2026-11-18 13:00:00.000", "1795003200"]), "Europe/Berlin")
    assert naive.to_list() == [NOON_UTC, NOON_UTC]  # epoch numbers are UTC whatever the zone
    text_only, _ = parse_timestamps(pl.Series(["18/Nov/2026:12:00:00 +0000"]))  # no epoch rows to skip
    assert text_only.to_list() == [NOON_UTC]


def test_the_formats_are_ordered_by_the_text_values_only(monkeypatch):
    import forensics_cli.timeparse as timeparse

    samples: list[list] = []
    real_order = timeparse._attempt_order
    monkeypatch.setattr(
        timeparse,
        "_attempt_order",
        lambda sample, attempts: samples.append(sample.to_list()) or real_order(sample, attempts),
    )
    parse_timestamps(pl.Series(["1795003200", None, "18/Nov/2026:12:00:00 +0000", "1795003201"]))
    assert samples == [["18/Nov/2026:12:00:00 +0000"]]  # not the epoch numbers, not the missing values


def test_the_format_most_of_the_sample_is_written_in_is_tried_first():
    from forensics_cli.timeparse import _APACHE, _DIRECT_AWARE, _attempt_order, _attempts

    attempts = _attempts("UTC")
    sample = pl.Series(["18/Nov/2026:12:00:00 +0000"] * 3 + ["2026-11-18T12:00:00Z"])
    apache = 1 + _DIRECT_AWARE.index(_APACHE)
    # epoch numbers first (their own rows), then by hits; ties keep the listed (fastest first) order
    assert _attempt_order(sample, attempts) == [0, apache] + [
        i for i in range(1, len(attempts)) if i != apache
    ]


@pytest.mark.parametrize(
    "written, whole",
    [
        ("1795003200", True),  # epoch seconds
        ("-179500320", True),  # nine digits, before 1970
        ("1795003200.5", False),
        ("1795003200000", False),  # milliseconds
        ("18/Nov/2026:12:00:00 +0000", True),
        ("2026-11-18T12:00:00Z", True),
        ("2026-11-18 12:00:00,5", False),
        ("2026-11-18T12:00:00.000Z", False),  # a fraction written, even if zero
        (None, False),
    ],
)
def test_whole_seconds_is_true_only_where_the_source_wrote_no_fraction(written, whole):
    _, flags = parse_timestamps(pl.Series([written], dtype=pl.String))
    assert flags.to_list() == [whole]


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2026-11-01 01:30:00.0", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # the repeated hour: the first
        ("2026-11-01t01:30:00", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # the same through the slow path
        ("2026-03-08 02:30:00.0", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # skipped hour: the offset before
        ("2026-11-18t07:00:00", NOON_UTC),  # lower-case t: the regex path, in the zone
        ("Wed Nov 18 07:00:00 2026", NOON_UTC),  # python-dateutil, in the zone
    ],
)
def test_local_times_at_a_daylight_saving_change_and_on_the_slow_paths(written, expected):
    ts, _ = parse_timestamps(pl.Series([written]), "America/New_York")
    assert ts.to_list() == [expected]


@pytest.mark.parametrize(
    "written, kept",
    [
        ("1899-12-31T23:59:59Z", False),
        ("1900-01-01T00:00:00Z", True),
        ("2199-12-31T23:59:59.999999Z", True),
        ("2200-01-01T00:00:00Z", False),
    ],
)
def test_times_outside_1900_to_2200_are_no_time(written, kept):
    ts, _ = parse_timestamps(pl.Series([written]))
    assert (ts.item() is not None) is kept


def test_dateutil_reads_each_distinct_missing_value_once_and_nothing_else(monkeypatch):
    from dateutil import parser as dateutil_parser

    read: list[str] = []
    real_parse = dateutil_parser.parse
    monkeypatch.setattr(dateutil_parser, "parse", lambda value: read.append(value) or real_parse(value))
    raw = pl.Series(["2026-11-18T12:00:00Z", "Wed Nov 18 12:00:00 2026", None, "Wed Nov 18 12:00:00 2026"])
    parsed = pl.Series([NOON_UTC, None, None, None], dtype=pl.Datetime("us", "UTC"))
    assert fill_with_dateutil(raw, parsed).to_list() == [NOON_UTC, NOON_UTC, None, NOON_UTC]
    assert read == ["Wed Nov 18 12:00:00 2026"]
