"""`gaps`: every kind, and the ordinary patterns that must not raise an alarm."""

import random
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forensics_cli.analyses.gap_input import shared_spans
from forensics_cli.analyses.gaps import GapOptions, find_gaps
from forensics_cli.load import FileReport
from tests.conftest import T0, at, events_frame, nginx_line, rows_of, seed_line, write_log


def steady(service, start_s, end_s, every_s, file="f.log", rank=0, jitter=0.0, seed=1):
    rng = random.Random(seed)
    rows, t = [], start_s
    while t < end_s:
        rows.append(
            {"ts": at(t + rng.uniform(-jitter, jitter)), "service": service, "file": file, "file_rank": rank}
        )
        t += every_s
    return rows


def kinds(frame):
    return frame["kind"].to_list()


def gaps_of(rows, reports=(), **options):
    """Gaps of rows listed in file order (line numbers are counted per file here)."""
    counters: dict[str, int] = {}
    for row in rows:
        counters[row["file"]] = counters.get(row["file"], 0) + 1
        row["line"] = counters[row["file"]]
    return find_gaps(events_frame(rows), list(reports), GapOptions(**options))


def test_busy_service_silent_for_eight_minutes_is_a_gap():
    rows = steady("app", 0, 3600, 0.5) + steady("app", 4080, 7200, 0.5)
    rows = [r for r in rows if not 3600 <= (r["ts"] - T0).total_seconds() < 4080]
    found = gaps_of(rows)
    assert kinds(found) == ["time_gap"]
    assert found["duration_s"].item() >= 480 and "expected about" in found["detail"].item()


def test_quiet_night_silence_of_ten_minutes_is_not_a_gap():
    rows = steady("app", 0, 4 * 3600, 240, jitter=100)  # a line every ~4 minutes
    rows = [r for r in rows if not 7200 <= (r["ts"] - T0).total_seconds() < 7800]
    assert gaps_of(rows).is_empty()


def test_subsecond_interleaving_of_workers_is_not_out_of_order():
    rows = steady("app", 0, 600, 0.1, jitter=0.4, seed=3)  # lines written up to 0.8 s out of order
    assert gaps_of(rows).is_empty()


def test_backdated_inserted_line_is_out_of_order_with_its_line_number():
    rows = steady("app", 0, 600, 1)
    rows[300]["ts"] = at(300) - timedelta(hours=6)
    found = gaps_of(rows, max_skew_s=300)
    assert kinds(found) == ["out_of_order"]
    assert (found["file"].item(), found["line"].item()) == ("f.log", 301)
    assert "6.0 h older" in found["detail"].item()


def test_service_that_starts_later_is_not_a_gap():
    rows = steady("gateway", 0, 7200, 1) + steady("app", 3600, 7200, 1, file="g.log", rank=1)
    assert gaps_of(rows).is_empty()


def test_silence_while_the_front_service_keeps_logging_is_high_severity():
    app = [
        r
        for r in steady("app", 0, 7200, 1, file="a.log")
        if not 3000 <= (r["ts"] - T0).total_seconds() < 3600
    ]
    gateway = steady("gateway", 0, 7200, 2, file="g.log", rank=1)
    found = gaps_of(app + gateway)
    assert kinds(found) == ["time_gap"]
    assert found["severity"].item() == "high" and "gateway logged" in found["detail"].item()


def test_rotation_boundary_itself_is_not_a_gap():
    rows = steady("app", 0, 3600, 1, file="x.log.1", rank=0) + steady(
        "app", 3600.5, 7200, 1, file="x.log", rank=1
    )
    assert gaps_of(rows).is_empty()


def _report(file, rank, first, last, status="ok", base="logs/app/api-audit.log"):
    return FileReport(
        file,
        "app",
        "gzip",
        rank,
        lines=10,
        parsed=10,
        first_ts=first,
        last_ts=last,
        status=status,
        rotation_base=base,
        reason="compressed stream ends early" if status != "ok" else "",
    )


def test_missing_rotation_spans_the_neighbours():
    reports = [
        _report("logs/app/api-audit.log.5.gz", 0, at(0), at(100)),
        _report("logs/app/api-audit.log.3.gz", 1, at(300), at(400)),
        _report("logs/app/api-audit.log.2.gz", 2, at(400), at(500)),
    ]
    found = find_gaps(events_frame([]), reports)
    assert kinds(found) == ["missing_rotation"]
    row = found.row(0, named=True)
    assert (row["start"], row["end"]) == (at(100), at(300))
    assert "api-audit.log.4" in row["detail"]


def test_missing_day_in_dateext_names():
    reports = [
        _report("logs/gw/access.log-20261116.gz", 0, at(0), at(10), base="logs/gw/access.log"),
        _report("logs/gw/access.log-20261118.gz", 1, at(20), at(30), base="logs/gw/access.log"),
    ]
    found = find_gaps(events_frame([]), reports)
    assert kinds(found) == ["missing_rotation"] and "access.log-20261117" in found["detail"].item()


def test_truncated_file_runs_to_the_next_file():
    reports = [
        _report("logs/app/api-audit.log.2.gz", 0, at(0), at(100), status="truncated"),
        _report("logs/app/api-audit.log.1.gz", 1, at(500), at(900)),
    ]
    found = find_gaps(events_frame([]), reports)
    assert kinds(found) == ["truncated_file"]
    assert (found["start"].item(), found["end"].item()) == (at(100), at(500))


def test_repeated_lines_across_a_rotation_are_an_overlap():
    rows = [
        {"ts": at(i), "file": "x.log.1", "file_rank": 0, "line": i + 1, "raw": f'{{"n": {i}}}'}
        for i in range(10)
    ]
    rows += [
        {"ts": at(i), "file": "x.log", "file_rank": 1, "line": i - 7, "raw": f'{{"n": {i}}}'}
        for i in range(8, 14)
    ]
    reports = [
        _report("x.log.1", 0, at(0), at(9), base="x.log"),
        _report("x.log", 1, at(8), at(13), base="x.log"),
    ]
    found = find_gaps(events_frame(rows), reports)
    assert set(kinds(found)) == {"overlap"}
    assert found.filter(pl.col("file") == "x.log")["detail"].item().startswith("2 lines")


def test_retention_presets(tmp_path, run):
    write_log(tmp_path / "a.log", [seed_line(at(0)), seed_line(at(86400 * 30))])
    rows = rows_of(run("gaps", "--retention", "PCI", "--format", "jsonl", "-q", tmp_path))
    assert [r["kind"] for r in rows] == ["retention"]
    assert run("gaps", "--retention", "20d", "-q", tmp_path).exit_code == 0
    assert run("gaps", "--retention", "often", "-q", tmp_path).exit_code == 2


def test_cli_columns_exit_code_and_coverage_strip(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(logs / "gw" / "access.log", [nginx_line(at(i)) for i in range(0, 7200, 2)])
    write_log(logs / "app" / "app.log", [seed_line(at(i)) for i in range(0, 7200) if not 3000 <= i < 3600])
    result = run("gaps", "--format", "jsonl", "-q", logs)
    assert result.exit_code == 1
    (row,) = rows_of(result)
    assert list(row) == [
        "kind",
        "severity",
        "start",
        "end",
        "duration_s",
        "service",
        "file",
        "line",
        "detail",
    ]
    table = run("gaps", "-q", logs).stdout
    assert "coverage" in table and "app" in table and "·" in table
    clean = tmp_path / "clean"
    write_log(clean / "a.log", [seed_line(at(i)) for i in range(600)])
    assert run("gaps", "-q", clean).exit_code == 0


def test_copytruncate_repeats_are_found_from_the_files_through_the_cache(tmp_path, run):
    logs = tmp_path / "logs"
    lines = [seed_line(at(i), request_id=f"r{i}") for i in range(0, 600)]
    # copytruncate race: the last 5 lines of the rotated file were written again to the live file
    write_log(logs / "api.log.1", lines[:300])
    write_log(logs / "api.log", lines[295:])
    for attempt in ("cold", "warm"):
        rows = rows_of(run("gaps", "--format", "jsonl", "-q", logs))
        overlaps = [r for r in rows if r["kind"] == "overlap"]
        assert sorted((r["file"].rsplit("/", 1)[-1], r["line"]) for r in overlaps) == [
            ("api.log", 1),
            ("api.log.1", 296),
        ], attempt
        assert all(r["detail"].startswith("5 lines") for r in overlaps)


def test_gaps_holds_one_row_per_active_second_not_per_line():
    from forensics_cli.analyses.gap_input import gap_input

    rows = [{"ts": at(i / 100), "service": "app", "file": "f.log", "line": i + 1} for i in range(10_000)]
    data = gap_input(events_frame(rows), [], max_skew_s=300)
    assert data.active.height == 100 and data.active["lines"].sum() == 10_000
    assert data.active["ts"].to_list()[:2] == [at(0), at(1)]


def test_out_of_order_is_the_same_whatever_the_batching(monkeypatch):
    from forensics_cli.analyses import gap_input as gap_input_module

    rows = []
    for rank, name in enumerate(["a.log.1", "a.log"]):
        times = [at(rank * 7200 + i) for i in range(300)]
        times[150] = times[150] - timedelta(hours=1)  # a backdated insert in each file
        rows += [
            {"ts": t, "service": "app", "file": name, "file_rank": rank, "line": i + 1}
            for i, t in enumerate(times)
        ]
    reports = [
        _report(name, rank, at(rank * 7200), at(rank * 7200 + 299), base="a.log")
        for rank, name in enumerate(["a.log.1", "a.log"])
    ]
    found = {}
    for batch_lines in (10_000, 1):  # both files in one query; one query per file
        monkeypatch.setattr(gap_input_module, "BATCH_LINES", batch_lines)
        result = find_gaps(events_frame(rows), reports)
        found[batch_lines] = result.filter(pl.col("kind") == "out_of_order").select("file", "line").rows()
    assert found[10_000] == found[1] == [("a.log.1", 151), ("a.log", 151)]


def test_an_empty_first_file_and_files_without_lines_do_not_break_gaps(tmp_path, run):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_bytes(b"")  # discovered first
    write_log(logs / "b.log", [seed_line(at(i)) for i in range(10)])
    (logs / "c.log").write_bytes(b"not json\n")
    result = run("gaps", "--format", "jsonl", "-q", logs)
    assert result.exit_code == 0 and rows_of(result) == []


def test_out_of_order_does_not_depend_on_the_order_rows_arrive_in():
    from forensics_cli.analyses.gap_input import misplaced_lines

    # a line a minute in two files: read in any other order than (file, line), most lines would be far
    # from their neighbours
    rows = []
    for rank in (0, 1):
        times = [at(rank * 7200 + i * 60) for i in range(100)]
        times[50] -= timedelta(hours=2)
        rows += [
            {"ts": t, "service": "app", "file": f"f{rank}.log", "file_rank": rank, "line": i + 1}
            for i, t in enumerate(times)
        ]
    ordered = events_frame(rows)
    shuffled = ordered.sample(fraction=1.0, shuffle=True, seed=7)
    for frame in (ordered, shuffled):
        found = misplaced_lines(frame.lazy(), 300, None)
        assert found.select("file_rank", "line").rows() == [(0, 51), (1, 51)]


def _active(before: int, after: int) -> pl.DataFrame:
    """One service active every second for `before` seconds, silent an hour, then `after` seconds."""
    seconds = list(range(before)) + [before + 3600 + i for i in range(after)]
    return pl.DataFrame(
        {"service": ["api"] * len(seconds), "ts": [T0 + timedelta(seconds=s) for s in seconds]}
    ).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))


def test_a_silence_is_judged_only_on_enough_evidence_around_it():
    from forensics_cli.analyses.silences import improbable_silences

    enough = improbable_silences(_active(15, 15), 60, 15, 3600, min_evidence=30)
    assert enough.height == 1 and enough["evidence"].to_list() == [30]
    too_little = improbable_silences(_active(14, 15), 60, 15, 3600, min_evidence=30)
    assert too_little.is_empty()


def _ranged(rank: int, first: float | None, last: float | None) -> FileReport:
    report = FileReport(f"app.log.{rank}", "app", "none", rank, rotation_base="app.log")
    report.first_ts, report.last_ts = (
        (at(first) if first is not None else None),
        (at(last) if last is not None else None),
    )
    return report


def _reference_shared(files):
    """Pair by pair, the way the spans were first found (quadratic, for the comparison only)."""
    found = {}
    for file in files:
        if file.first_ts is None:
            continue
        moments = set()
        for other in files:
            if other is file or other.first_ts is None:
                continue
            low, high = max(file.first_ts, other.first_ts), min(file.last_ts, other.last_ts)
            if low <= high:
                moments.add((low, high))
        if moments:
            found[file.rank] = moments
    return found


def _covers(spans, moment):
    return any(low <= moment <= high for low, high in spans)


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 20)), min_size=2, max_size=12))
def test_shared_spans_hold_exactly_the_moments_two_files_share(ranges):
    files = [_ranged(rank, start, start + length) for rank, (start, length) in enumerate(ranges)]
    files.append(_ranged(len(files), None, None))  # a file without times shares nothing by time
    fast, slow = shared_spans(files), _reference_shared(files)
    assert set(fast) == set(slow)
    for rank in fast:
        for second in range(0, 72):
            assert _covers(fast[rank], at(second)) == _covers(slow[rank], at(second))


def test_two_hundred_overlapping_files_make_one_span_each():
    files = [_ranged(rank, rank, rank + 100) for rank in range(200)]
    spans = shared_spans(files)
    assert len(spans) == 200 and all(len(s) == 1 for s in spans.values())
    assert spans[0] == [(at(1), at(100))] and spans[199] == [(at(199), at(298))]


def test_files_that_only_touch_share_that_moment():
    assert shared_spans([_ranged(0, 0, 10), _ranged(1, 10, 20), _ranged(2, 30, 40)]) == {
        0: [(at(10), at(10))],
        1: [(at(10), at(10))],
    }


def _rotated_set(base, *files):
    """Reports of one rotated set, oldest first: (suffix, first second, last second) per file."""
    return [
        _report(f"{base}{suffix}", rank, at(first), at(last), base=base)
        for rank, (suffix, first, last) in enumerate(files)
    ]


def test_a_deleted_newest_rotation_between_the_live_file_and_the_rest_is_missing():
    base = "logs/app/api-audit.log"
    reports = _rotated_set(base, (".3.gz", 0, 100), (".2.gz", 100, 200), ("", 400, 500))
    found = find_gaps(events_frame([]), reports)
    assert kinds(found) == ["missing_rotation"]
    row = found.row(0, named=True)
    assert (row["start"], row["end"], row["file"]) == (at(200), at(400), base)
    assert "api-audit.log.1[.gz]" in row["detail"]


def test_a_live_file_next_to_its_first_rotation_is_complete():
    reports = _rotated_set("logs/app/api-audit.log", (".2.gz", 0, 100), (".1", 100, 200), ("", 200, 300))
    assert kinds(find_gaps(events_frame([]), reports)) == []


@pytest.mark.parametrize("stop_s, reported", [(3600, False), (3601, True), (4 * 3600, True)])
def test_a_service_that_stops_long_before_the_others_is_reported(stop_s, reported):
    end = 6 * 3600
    rows = steady("gateway", 0, end + 1, 10, file="gw.log") + steady(
        "app", 0, end - stop_s + 1, 10, file="app.log", rank=1
    )
    found = gaps_of(rows).filter(pl.col("kind") == "stopped_early")
    assert found.height == int(reported)
    if reported:
        row = found.row(0, named=True)
        assert (row["service"], row["file"], row["end"]) == ("app", "app.log", at(end))
        assert row["start"] == at((end - stop_s) // 10 * 10) and row["line"] == (end - stop_s) // 10 + 1


@pytest.mark.parametrize("stop_h, reported", [(2, False), (5.1, True)])
def test_a_service_that_logs_rarely_is_stopped_only_after_ten_of_its_intervals(stop_h, reported):
    end = 48 * 3600
    rows = steady("gateway", 0, end + 1, 10, file="gw.log") + steady(
        "cron", 0, end - stop_h * 3600 + 1, 1800, file="c.log", rank=1
    )
    assert kinds(gaps_of(rows)).count("stopped_early") == int(reported)


def test_a_single_backdated_first_line_is_out_of_order_not_a_fake_gap():
    base = "logs/app/api.log"
    older = steady("app", 0, 3600, 1, file=f"{base}.1", rank=0)
    newer = steady("app", 3600, 7200, 1, file=base, rank=1)
    newer[0]["ts"] = at(-7200)  # the first line of the live file, backdated two hours
    reports = [
        _report(f"{base}.1", 0, at(0), at(3599), base=base),
        _report(base, 1, at(-7200), at(7199), base=base),
    ]
    found = gaps_of(older + newer, reports)
    assert kinds(found) == ["out_of_order"]
    assert (found["file"].item(), found["line"].item()) == (base, 1)


def test_a_first_line_after_a_quiet_night_is_not_out_of_order():
    base = "logs/app/api.log"
    older = steady("app", 0, 3600, 1, file=f"{base}.1", rank=0)
    newer = steady("app", 4 * 3600, 5 * 3600, 1, file=base, rank=1)
    reports = [
        _report(f"{base}.1", 0, at(0), at(3599), base=base),
        _report(base, 1, at(4 * 3600), at(5 * 3600 - 1), base=base),
    ]
    assert "out_of_order" not in kinds(gaps_of(older + newer, reports))


def test_a_deleted_half_hour_refilled_by_a_backdated_block_is_reported_where_the_block_starts():
    kept = steady("app", 0, 1800, 1) + steady("app", 3600, 7200, 1)  # 30 min deleted in the middle
    refill = steady("app", 1800, 3600, 1)  # appended at the end, with the deleted times
    found = gaps_of(kept + refill)
    assert kinds(found) == ["out_of_order"]
    row = found.row(0, named=True)
    assert row["line"] == len(kept) + 1 and "a block of lines starts here" in row["detail"]


def test_a_clock_that_steps_back_less_than_the_skew_is_in_order():
    rows = steady("app", 0, 1800, 1) + steady("app", 1800 - 299, 3600, 1)
    assert "out_of_order" not in kinds(gaps_of(rows))


def test_an_export_listed_newest_first_has_no_backdated_block():
    rows = list(reversed(steady("app", 0, 1800, 1) + steady("app", 3600, 7200, 1)))
    assert "out_of_order" not in kinds(gaps_of(rows))


def _row_of(service, seconds, file="f.log"):
    return {"ts": at(seconds), "service": service, "file": file, "file_rank": 0}


def test_a_lone_backdated_first_line_says_it_may_be_backdated():
    rows = [_row_of("app", -3 * 3600)] + steady("app", 0, 7200, 5)
    (gap,) = gaps_of(rows).to_dicts()
    assert gap["kind"] == "time_gap" and gap["line"] == 1
    assert "the service's first line (f.log:1) is alone on that side" in gap["detail"]
    assert "backdated line would look the same" in gap["detail"]


def test_a_lone_future_dated_last_line_says_it_may_be_future_dated():
    rows = steady("app", 0, 7200, 5) + [_row_of("app", 7200 + 3 * 3600)]
    (gap,) = gaps_of(rows).to_dicts()
    assert f"the service's last line (f.log:{len(rows)}) is alone on that side" in gap["detail"]
    assert "future-dated line would look the same" in gap["detail"]


def test_two_first_lines_in_their_second_are_not_a_lone_line():
    rows = [_row_of("app", -3 * 3600), _row_of("app", -3 * 3600 + 0.5)] + steady("app", 0, 7200, 5)
    (gap,) = gaps_of(rows).to_dicts()
    assert "alone on that side" not in gap["detail"]


def test_a_silence_in_the_middle_carries_no_edge_caveat():
    rows = steady("app", 0, 3600, 0.5) + steady("app", 4080, 7200, 0.5)
    (gap,) = gaps_of(rows).to_dicts()
    assert "alone on that side" not in gap["detail"]


def _retention_rows(retention_s):
    rows = [_row_of("b", 0, "b.log"), _row_of("a", 1800, "a.log"), _row_of("b", 3600, "b.log")]
    return gaps_of(rows, retention_s=retention_s).filter(pl.col("kind") == "retention").to_dicts()


def test_retention_names_the_oldest_line_and_the_date_the_retention_needs():
    (row,) = _retention_rows(1.5 * 86400)  # a day and a half: "2 days", and not 1 (the rounding is shown)
    required = at(3600) - timedelta(days=1.5)
    assert row == {
        "kind": "retention",
        "severity": "medium",
        "start": required,
        "end": at(0),
        "duration_s": (at(0) - required).total_seconds(),
        "service": "b",  # the service whose line is the oldest, not the first service by name
        "file": "b.log",
        "line": 1,
        "detail": f"logs reach back to {at(0):%Y-%m-%d}; 2 days of retention need {required:%Y-%m-%d}",
    }


def test_logs_reaching_back_exactly_the_retention_are_enough():
    assert _retention_rows(3600) == []
    assert len(_retention_rows(3601)) == 1


def _active_seconds(rows):
    """GapInput.active rows: (service, seconds of the second's first line, lines)."""
    return pl.DataFrame(
        {
            "service": [service for service, _, _ in rows],
            "ts": [at(seconds) for _, seconds, _ in rows],
            "last_ts": [at(seconds) for _, seconds, _ in rows],
            "lines": [lines for _, _, lines in rows],
        }
    )


def test_the_coverage_strip_counts_lines_per_slice_of_the_whole_range():
    from forensics_cli.analyses.gaps import coverage

    # 10.5 s over 60 slices: 5.9 s lands in slice int(5.9 / 10.5 * 59) = 33 (fractions count)
    low, high, strips = coverage(
        _active_seconds([("web", 10.5, 2), ("app", 0, 3), ("app", 5.9, 4), ("app", 10.5, 5)])
    )
    assert (low, high) == (at(0), at(10.5))
    assert list(strips) == ["app", "web"]  # services in name order, whatever order they came in
    expected_app = [0] * 60
    expected_app[0], expected_app[33], expected_app[59] = 3, 4, 5
    assert strips["app"] == expected_app
    assert strips["web"] == [0] * 59 + [2]


def test_a_coverage_range_under_two_seconds_still_spreads_over_the_slices():
    from forensics_cli.analyses.gaps import coverage

    _, _, strips = coverage(_active_seconds([("app", 0, 1), ("app", 1.5, 1)]), width=10)
    assert strips["app"] == [1] + [0] * 8 + [1]
    _, _, strips = coverage(
        _active_seconds([("app", 0, 1)]), width=10
    )  # one second: all of it in the first slice
    assert strips["app"] == [1] + [0] * 9


# Whole rows: a finding is read by people and parsed by runbooks, every field of it is pinned.


def test_an_improbable_silence_is_one_whole_row():
    rows = steady("app", 0, 3600, 0.5) + steady("app", 4080, 7200, 0.5)
    (row,) = gaps_of(rows).to_dicts()
    assert {k: row[k] for k in ("kind", "severity", "start", "end", "service", "file")} == {
        "kind": "time_gap",
        "severity": "medium",
        "start": at(3599),
        "end": at(4080),
        "service": "app",
        "file": "f.log",
    }
    assert row["duration_s"] == 481 and row["line"] == 7199  # the first line of the last second before it
    assert row["detail"] == (  # one active second per second around it: about 60 a minute
        "silent 8.0 min; expected about 481 active seconds (rate 60.02/min, from 6720 active seconds in "
        "the hour on either side and the same hour on other days), observed 0"
    )


def test_a_silence_while_another_service_logged_is_high_and_says_how_much():
    app = [
        r
        for r in steady("app", 0, 7200, 1, file="a.log")
        if not 3000 <= (r["ts"] - T0).total_seconds() < 3600
    ]
    gateway = steady("gateway", 0, 7200, 2, file="g.log", rank=1)
    (row,) = gaps_of(app + gateway).to_dicts()
    assert (row["severity"], row["service"], row["file"]) == ("high", "app", "a.log")
    assert row["detail"].endswith("; meanwhile gateway logged 300 lines: possible deletion")


def test_a_backdated_line_and_a_future_dated_line_are_whole_rows():
    rows = steady("app", 0, 600, 1)
    rows[100]["ts"] = at(100) - timedelta(hours=6)
    rows[400]["ts"] = at(400) + timedelta(hours=2)
    older, newer = gaps_of(rows, max_skew_s=300).sort("line").to_dicts()
    assert older == {
        "kind": "out_of_order",
        "severity": "high",
        "start": at(100) - timedelta(hours=6),
        "end": at(99),
        "duration_s": (at(99) - (at(100) - timedelta(hours=6))).total_seconds(),
        "service": "app",
        "file": "f.log",
        "line": 101,
        "detail": "timestamp 6.0 h older than its neighbours: inserted or backdated record?",
    }
    assert (newer["start"], newer["end"], newer["line"]) == (at(399), at(400) + timedelta(hours=2), 401)
    assert newer["detail"] == "timestamp 2.0 h newer than its neighbours: inserted or backdated record?"


def test_a_backdated_block_is_one_whole_row():
    kept = steady("app", 0, 1800, 1) + steady("app", 3600, 7200, 1)
    refill = steady("app", 1800, 3600, 1)
    (row,) = gaps_of(kept + refill).to_dicts()
    assert (row["severity"], row["start"], row["end"], row["line"]) == (
        "high",
        at(1800),
        at(7199),
        len(kept) + 1,
    )
    assert row["detail"] == (
        "a block of lines starts here 1.5 h before the line above it: backdated lines appended (over a "
        "deleted stretch?)"
    )


def test_overlaps_are_whole_rows_and_only_within_one_rotated_set():
    def lines(file, rank, numbers, first_line):
        return [
            {"ts": at(n), "file": file, "file_rank": rank, "line": first_line + k, "raw": f'{{"n": {n}}}'}
            for k, n in enumerate(numbers)
        ]

    rows = lines("x.log.1", 0, range(10), 1) + lines("x.log", 1, range(8, 14), 1)
    rows += lines("y.log", 2, range(0, 14), 1)  # the same text in another rotated set: no overlap
    reports = [
        _report("x.log.1", 0, at(0), at(9), base="x.log"),
        _report("x.log", 1, at(8), at(13), base="x.log"),
        _report("y.log", 2, at(0), at(13), base="y.log"),
    ]
    found = find_gaps(events_frame(rows), reports).sort("file").to_dicts()
    detail = "2 lines also appear in another file of the rotated set (copytruncate?)"
    common = {"kind": "overlap", "severity": "low", "start": at(8), "end": at(9), "duration_s": 1.0}
    assert found == [
        {**common, "service": "app", "file": "x.log", "line": 1, "detail": detail},
        {**common, "service": "app", "file": "x.log.1", "line": 9, "detail": detail},
    ]


def test_what_other_services_logged_during_a_silence_is_counted_strictly_inside_it():
    app = [
        r
        for r in steady("app", 0, 7200, 1, file="a.log")
        if not 3000 <= (r["ts"] - T0).total_seconds() < 3600
    ]
    # inside the silence (2999, 3600): db 6 lines, queue exactly 5 (counted), cache 4 (not); lines at its
    # very edges do not count
    db = [_row_of("db", 3100 + i, "d.log") for i in range(6)] + [_row_of("db", 2999, "d.log")]
    queue = [_row_of("queue", 3200 + i, "q.log") for i in range(5)] + [_row_of("queue", 3600, "q.log")]
    cache = [_row_of("cache", 3300 + i, "c.log") for i in range(4)]
    for rank, rows in enumerate((db, queue, cache), 1):
        for row in rows:
            row["file_rank"] = rank
    found = gaps_of(app + db + queue + cache).filter(pl.col("service") == "app").to_dicts()
    (row,) = found
    assert row["severity"] == "high"
    assert row["detail"].endswith("; meanwhile db logged 6 lines, queue logged 5 lines: possible deletion")


def test_problem_slots_mark_the_slices_a_problem_spans_for_its_own_service_only():
    from forensics_cli.analyses.gaps import problem_slots

    rows = pl.DataFrame(
        {
            "service": ["app", "app", "db"],
            "start": [at(20), None, at(0)],
            "end": [at(45), at(50), at(100)],
        }
    )
    # 0..100 s over 11 slices of 10 s: 20 s is slice 2, 45 s slice 4; a row without a start is no span
    assert problem_slots(rows, "app", at(0), at(100), 11) == [False, False, True, True, True] + [False] * 6
    assert problem_slots(rows, "web", at(0), at(100), 11) == [False] * 11


def test_coverage_strips_are_in_service_order_not_in_order_of_first_activity():
    from forensics_cli.analyses.gaps import coverage

    _, _, strips = coverage(_active_seconds([("zzz", 0, 1), ("aaa", 10, 1)]), width=4)
    assert list(strips.items()) == [("aaa", [0, 0, 0, 1]), ("zzz", [1, 0, 0, 0])]


def test_a_service_that_stopped_early_is_one_whole_row():
    end = 6 * 3600
    rows = steady("gateway", 0, end + 1, 10, file="gw.log") + steady(
        "app", 0, 2 * 3600 + 1, 10, file="app.log", rank=1
    )
    (row,) = gaps_of(rows).filter(pl.col("kind") == "stopped_early").to_dicts()
    assert row == {
        "kind": "stopped_early",
        "severity": "medium",
        "start": at(7200),
        "end": at(end),
        "duration_s": 4 * 3600.0,
        "service": "app",
        "file": "app.log",
        "line": 721,
        "detail": "last line 4.0 h before the other services' last (one line every 10 s before): stopped, or "
        "its newest logs are missing",
    }


@pytest.mark.parametrize("seconds, reported", [(29, False), (30, True)])
def test_a_stopped_service_is_judged_on_at_least_thirty_active_seconds(seconds, reported):
    end = 6 * 3600
    rows = steady("gateway", 0, end + 1, 10, file="gw.log") + steady(
        "app", 0, seconds, 1, file="app.log", rank=1
    )
    assert kinds(gaps_of(rows)).count("stopped_early") == int(reported)


def test_a_service_with_a_single_line_is_not_judged_as_stopped():
    rows = steady("gateway", 0, 6 * 3600 + 1, 10, file="gw.log") + [_row_of("app", 0, "app.log")]
    assert "stopped_early" not in kinds(gaps_of(rows))


def test_the_stopped_service_detail_gives_its_own_mean_interval():
    rows = steady("gateway", 0, 4 * 3600 + 1, 10, file="gw.log") + steady(
        "app", 0, 3001, 100, file="app.log", rank=1
    )
    (row,) = gaps_of(rows).filter(pl.col("kind") == "stopped_early").to_dicts()
    assert "(one line every 100 s before)" in row["detail"]  # 31 lines over 3,000 s: 30 intervals


def _raw_must_not_be_read(events: pl.DataFrame) -> pl.LazyFrame:
    """The events, lazily, with a `raw` column that fails the query if any of its values is read."""

    def refuse(raw: pl.Series) -> pl.Series:
        assert raw.len() == 0, "the raw text of every line was read"
        return raw

    return events.lazy().with_columns(pl.col("raw").map_batches(refuse, return_dtype=pl.String))


def test_no_raw_text_is_read_when_no_line_can_be_a_repeat():
    # a rotated set whose files share no moment and have no untimed line: no candidate, nothing read
    from forensics_cli.analyses.gap_input import repeat_candidates

    rows = [{"ts": at(i), "file": "x.log.1", "file_rank": 0, "line": i + 1, "raw": "a"} for i in range(5)]
    rows += [{"ts": at(10 + i), "file": "x.log", "file_rank": 1, "line": i + 1, "raw": "b"} for i in range(5)]
    reports = [
        _report("x.log.1", 0, at(0), at(4), base="x.log"),
        _report("x.log", 1, at(10), at(14), base="x.log"),
    ]
    for report in reports:
        report.timed = report.parsed
    found = repeat_candidates(_raw_must_not_be_read(events_frame(rows)), reports)
    assert found.is_empty() and "raw_hash" in found.columns


def test_untimed_lines_of_a_rotated_set_are_repeat_candidates():
    from forensics_cli.analyses.gap_input import repeat_candidates

    rows = [{"ts": at(i), "file": "x.log.1", "file_rank": 0, "line": i + 1, "raw": f"t{i}"} for i in range(3)]
    rows += [{"ts": None, "file": "x.log", "file_rank": 1, "line": 1, "raw": "no time"}]
    rows += [{"ts": at(10), "file": "x.log", "file_rank": 1, "line": 2, "raw": "t10"}]
    reports = [
        _report("x.log.1", 0, at(0), at(2), base="x.log"),
        _report("x.log", 1, at(10), at(10), base="x.log"),
    ]
    reports[0].timed, reports[0].parsed = 3, 3
    reports[1].timed, reports[1].parsed = 1, 2
    found = repeat_candidates(events_frame(rows).lazy(), reports)
    assert found.select("file", "line").rows() == [("x.log", 1)]


def _misplaced_by_definition(rows, skew_s, before, after):
    """The out-of-order rules written line by line: (file_rank, line, prev, block) of each flagged line."""
    skew = timedelta(seconds=skew_s)
    flagged = []
    for rank in sorted({r["file_rank"] for r in rows}):
        lines = sorted((r for r in rows if r["file_rank"] == rank), key=lambda r: r["line"])
        times = [r["ts"] for r in lines]
        prevs = [before.get(rank)] + times[:-1]
        nexts = times[1:] + [after.get(rank)]
        in_order = [t >= p for t, p in zip(times, prevs, strict=True) if p is not None]
        oldest_first = bool(in_order) and sum(in_order) / len(in_order) > 0.5
        for i, (ts, prev, nxt) in enumerate(zip(times, prevs, nexts, strict=True)):
            if prev is None or nxt is None:
                continue
            prev2 = times[i - 2] if i >= 2 else None
            back = prev - ts > skew and nxt - ts > skew
            ahead = ts - prev > skew and ts - nxt > skew
            block = (
                oldest_first
                and prev - ts > skew
                and abs(nxt - ts) <= skew
                and (prev2 is None or abs(prev - prev2) <= skew)
            )
            if back or ahead or block:
                flagged.append((rank, lines[i]["line"], prev, block))
    return flagged


@given(
    st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=12), min_size=1, max_size=4),
    st.dictionaries(st.integers(0, 3), st.integers(0, 40), max_size=4),
    st.dictionaries(st.integers(0, 3), st.integers(0, 40), max_size=4),
)
def test_out_of_order_matches_its_line_by_line_definition(files, before_s, after_s):
    # times in minutes, skew 5 minutes: far and near neighbours in every combination
    from forensics_cli.analyses.gap_input import misplaced_lines

    rows = [
        {"ts": at(minutes * 60), "service": "app", "file": f"f{rank}.log", "file_rank": rank, "line": i + 1}
        for rank, file in enumerate(files)
        for i, minutes in enumerate(file)
    ]
    before = {rank: at(m * 60) for rank, m in before_s.items()}
    after = {rank: at(m * 60) for rank, m in after_s.items()}
    found = misplaced_lines(events_frame(rows).lazy(), 300, None, (before, after))
    expected = _misplaced_by_definition(rows, 300, before, after)
    assert found.select("file_rank", "line", "prev", "block").rows() == expected


def test_a_batch_read_from_its_own_files_finds_what_the_whole_union_finds():
    from forensics_cli.analyses.gap_input import misplaced_lines

    def file_rows(rank, backdated_line):
        times = [at(i * 10) for i in range(30)]
        times[backdated_line - 1] -= timedelta(hours=3)
        return [
            {"ts": t, "service": "app", "file": f"f{rank}.log", "file_rank": rank, "line": i + 1}
            for i, t in enumerate(times)
        ]

    per_file = [events_frame(file_rows(0, 7)).lazy(), events_frame(file_rows(1, 20)).lazy()]
    union = pl.concat(per_file)
    whole = misplaced_lines(union, 300, [[0], [1]])
    own = misplaced_lines(union.filter(pl.lit(False)), 300, [[0], [1]], per_file=per_file)
    assert own.equals(whole) and own.select("file_rank", "line").rows() == [(0, 7), (1, 20)]


def test_since_keeps_a_line_before_it_out_of_the_order_check(tmp_path, run):
    times = [at(i * 10) for i in range(100)]
    times[49] = at(0) - timedelta(hours=3)  # backdated to before --since
    write_log(tmp_path / "app.log", [seed_line(t) for t in times])

    def kinds_seen(*extra):
        return [r["kind"] for r in rows_of(run("gaps", "--format", "jsonl", "-q", *extra, tmp_path))]

    assert "out_of_order" in kinds_seen()
    assert "out_of_order" not in kinds_seen("--since", at(0).isoformat())


def test_a_real_silence_is_still_found_in_a_file_with_a_backdated_line():
    # the backdated line is left out of the activity, not everything else
    rows = steady("app", 0, 3600, 1) + steady("app", 5400, 9000, 1)
    rows[100]["ts"] = at(100) - timedelta(hours=6)
    found = gaps_of(rows, max_skew_s=300)
    assert kinds(found) == ["time_gap", "out_of_order"] or sorted(kinds(found)) == [
        "out_of_order",
        "time_gap",
    ]
    (silence,) = found.filter(pl.col("kind") == "time_gap").to_dicts()
    assert silence["duration_s"] >= 1800


@pytest.mark.parametrize("older_s,flagged", [(300, False), (301, True)])
def test_a_backdated_line_at_the_skew_boundary(older_s, flagged):
    from forensics_cli.analyses.gap_input import misplaced_lines

    times = [at(1000 + i) for i in range(10)]
    times[5] = at(1004) - timedelta(seconds=older_s)  # older than the line above by exactly older_s
    times[6] = at(1004)  # and than the line below by the same
    rows = [{"ts": t, "line": i + 1} for i, t in enumerate(times)]
    found = misplaced_lines(events_frame(rows).lazy(), 300, None)
    assert found["line"].to_list() == ([6] if flagged else [])
    assert found.schema["block"] == pl.Boolean  # found or not, the same columns


@pytest.mark.parametrize("newer_s,flagged", [(300, False), (301, True)])
def test_a_future_dated_line_at_the_skew_boundary(newer_s, flagged):
    from forensics_cli.analyses.gap_input import misplaced_lines

    times = [at(1000 + i) for i in range(10)]
    times[5] = at(1004) + timedelta(seconds=newer_s)
    times[6] = at(1004)
    rows = [{"ts": t, "line": i + 1} for i, t in enumerate(times)]
    found = misplaced_lines(events_frame(rows).lazy(), 300, None)
    assert found["line"].to_list() == ([6] if flagged else [])


@pytest.mark.parametrize("older_s,block", [(300, False), (301, True)])
def test_a_backdated_block_at_the_skew_boundary(older_s, block):
    from forensics_cli.analyses.gap_input import misplaced_lines

    # 20 lines a second apart, then 10 lines that start older_s before the line above them
    times = [at(1000 + i) for i in range(20)] + [at(1019 - older_s + i) for i in range(10)]
    rows = [{"ts": t, "line": i + 1} for i, t in enumerate(times)]
    found = misplaced_lines(events_frame(rows).lazy(), 300, None)
    assert found.select("line", "block").rows() == ([(21, True)] if block else [])


def test_a_backdated_block_may_start_at_a_file_s_second_line():
    from forensics_cli.analyses.gap_input import misplaced_lines

    # no line two above the block's first: nothing says the line above it is itself out of place
    times = [at(10_000)] + [at(i) for i in range(10)]
    rows = [{"ts": t, "line": i + 1} for i, t in enumerate(times)]
    rows += [{"ts": at(10_000 + i), "line": 12 + i} for i in range(20)]  # the file goes on in order
    found = misplaced_lines(events_frame(rows).lazy(), 300, None)
    assert found.select("line", "block").rows() == [(2, True)]


def test_a_batch_with_nothing_out_of_order_does_not_end_the_search():
    from forensics_cli.analyses.gap_input import misplaced_lines

    rows = []
    for rank in range(3):
        times = [at(rank * 7200 + i * 10) for i in range(50)]
        if rank == 2:
            times[25] -= timedelta(hours=1)  # only the last file has a backdated line
        rows += [
            {"ts": t, "file": f"f{rank}.log", "file_rank": rank, "line": i + 1} for i, t in enumerate(times)
        ]
    found = misplaced_lines(events_frame(rows).lazy(), 300, [[0], [1], [2]])
    assert found.select("file_rank", "line").rows() == [(2, 26)]


def test_repeat_candidates_of_every_rotated_set_are_kept():
    from forensics_cli.analyses.gap_input import repeat_candidates

    def rotated(base, rank, first_s, last_s, untimed):
        report = _report(f"{base}.{rank}", rank, at(first_s), at(last_s), base=base)
        report.parsed, report.timed = 10, 10 - untimed
        return report

    # a set of one file, then two sets each with an overlap and an untimed line
    reports = [
        rotated("solo.log", 0, 0, 100, 1),
        rotated("a.log", 1, 0, 100, 1),
        rotated("a.log", 2, 50, 150, 0),
        rotated("b.log", 3, 0, 100, 0),
        rotated("b.log", 4, 90, 150, 1),
    ]
    rows = [
        {"ts": None, "file": "solo.log.0", "file_rank": 0, "line": 1},
        {"ts": at(60), "file": "a.log.1", "file_rank": 1, "line": 1},
        {"ts": None, "file": "a.log.1", "file_rank": 1, "line": 2},
        {"ts": at(95), "file": "b.log.3", "file_rank": 3, "line": 1},
        {"ts": None, "file": "b.log.4", "file_rank": 4, "line": 1},
    ]
    found = repeat_candidates(events_frame(rows).lazy(), reports)
    assert sorted(found.select("file_rank", "line").rows()) == [(1, 1), (1, 2), (3, 1), (4, 1)]
