"""Property tests: the parser never loses or duplicates a line; timestamps round-trip; order is stable."""

import gzip
import json
import random
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensics_cli.analyses.timeline import Selection, build_timeline
from forensics_cli.load import LoadOptions, load
from forensics_cli.timeparse import timestamp_exprs
from tests.conftest import events_frame

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
valid_objects = st.dictionaries(
    st.sampled_from(["time", "message", "user", "status", "ip", "request_id", "level", "x"]),
    json_values,
    max_size=6,
).map(json.dumps)
broken = st.one_of(
    valid_objects.map(lambda s: s[: max(1, len(s) // 2)]),  # cut short
    st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),
    st.just("Traceback (most recent call last):"),
    st.just("{bad json}"),
    st.just('{"a": 1} trailing'),
    st.just("[1, 2]"),
)
hostile = st.sampled_from(
    [
        '{"u": "\\u001b[31mred"}',
        '{"a": "\\u0000"}',
        '{"a": "' + "[bold]x[/]" + '"}',
        '{"a": "\\ud800"}',
        '{"k": ' * 50 + "1" + "}" * 50,
    ]
)
lines = st.lists(st.one_of(valid_objects, broken, hostile), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines, st.booleans())
def test_every_line_is_parsed_or_rejected_exactly_once(tmp_path_factory, content, compressed):
    directory = tmp_path_factory.mktemp("prop")
    data = ("\n".join(content) + "\n").encode("utf-8", "surrogatepass")
    path = directory / ("x.log.gz" if compressed else "x.log")
    path.write_bytes(gzip.compress(data) if compressed else data)
    result = load([str(directory)], LoadOptions(use_cache=False))
    (report,) = result.reports
    if report.status in ("not_a_log", "empty"):
        return  # skipped whole (no JSON object among its first lines): counted as a file, not lines
    parsed = result.events.collect()["line"].to_list()
    rejected = result.rejects["line"].to_list()
    assert sorted(parsed + rejected) == list(range(1, len(content) + 1))
    assert report.lines == len(content) == report.parsed + report.rejected


# epoch units are told apart by magnitude, which is unambiguous from 1973 to 5138 for seconds/ms/us
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(
    moments,
    st.sampled_from(
        ["iso_z", "iso_offset", "iso_nanos", "asctime", "apache", "epoch_s", "epoch_ms", "epoch_us"]
    ),
)
def test_timestamps_round_trip_in_every_supported_format(moment, style):
    moment = (
        moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if style in ("asctime", "epoch_ms")
        else moment
    )
    moment = moment.replace(microsecond=0) if style in ("apache", "epoch_s") else moment
    plus2 = moment.astimezone(__import__("datetime").timezone(timedelta(hours=2)))
    text = {
        "iso_z": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "iso_offset": plus2.isoformat(),
        "iso_nanos": moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123+00:00",
        "asctime": moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}",
        "apache": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "epoch_s": str(int(moment.timestamp())),
        "epoch_ms": str(int(moment.timestamp()) * 1000 + moment.microsecond // 1000),
        "epoch_us": str(int(moment.timestamp()) * 1_000_000 + moment.microsecond),
    }[style]
    parsed, _ = timestamp_exprs(pl.col("t"))
    assert pl.DataFrame({"t": [text]}).select(parsed).item() == moment


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(1, 50)),
        min_size=1,
        max_size=30,
        unique_by=lambda t: (t[1], t[2]),
    ),
    st.randoms(),
)
def test_timeline_order_does_not_depend_on_input_order(rows, rng):
    base = datetime(2026, 11, 18, tzinfo=UTC)
    records = [
        {
            "ts": base + timedelta(seconds=s),
            "file": f"f{rank}",
            "file_rank": rank,
            "line": line,
            "request_id": "r",
        }
        for s, rank, line in rows
    ]
    shuffled = records[:]
    rng.shuffle(shuffled)
    first = build_timeline(events_frame(records), Selection(request_ids=["r"]))
    second = build_timeline(events_frame(shuffled), Selection(request_ids=["r"]))
    assert first.equals(second)
    keys = first.select("timestamp", pl.col("file").str.slice(1).cast(pl.Int32), "line").rows()
    assert keys == sorted(keys)


def test_parallel_reading_is_deterministic(tmp_path):
    rng = random.Random(5)
    for n in range(8):
        lines = [
            json.dumps({"time": f"2026-11-18T10:00:{rng.randint(0, 59):02d}Z", "request_id": "r", "n": i})
            for i in range(200)
        ]
        (tmp_path / f"s{n}.log").write_text("\n".join(lines) + "\n")
    runs = [
        build_timeline(
            load([str(tmp_path)], LoadOptions(use_cache=False, workers=w)).events,
            Selection(request_ids=["r"]),
        )
        for w in (1, 4, 2)
    ]
    assert runs[0].equals(runs[1]) and runs[1].equals(runs[2])
