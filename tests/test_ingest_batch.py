"""Small files parsed together (ingest_batch.py) give every file exactly what it gets when read alone."""

import json
import os
import shutil
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from forensics_cli import ingest_batch, reader
from forensics_cli import load as load_module
from forensics_cli.ingest_batch import BATCH_BYTES, BATCH_FILES, SMALL_FILE_BYTES, batches
from forensics_cli.parse import build_tree, decode_objects
from tests.conftest import at, rows_of, seed_line, write_log

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"


def test_a_file_below_the_small_size_is_batched_and_one_at_the_size_is_read_alone():
    grouped, alone = batches({0: SMALL_FILE_BYTES - 1, 1: SMALL_FILE_BYTES, 2: 10})
    assert (grouped, alone) == ([[0, 2]], [1])


def test_a_batch_holds_at_most_batch_files_files():
    grouped, alone = batches({rank: 1 for rank in range(BATCH_FILES + 1)})
    assert [len(batch) for batch in grouped] == [BATCH_FILES, 1] and alone == []


def test_a_batch_holds_at_most_batch_bytes():
    size = SMALL_FILE_BYTES - 1
    per_batch = BATCH_BYTES // size
    grouped, _ = batches({rank: size for rank in range(per_batch + 1)})
    assert [len(batch) for batch in grouped] == [per_batch, 1]


def test_batches_keep_rank_order():
    grouped, alone = batches({5: 1, 1: 1, 3: SMALL_FILE_BYTES, 2: 1})
    assert grouped == [[1, 2, 5]] and alone == [3]


def _assorted(logs: Path) -> Path:
    """Small files of every kind a batch must keep apart: two families, damage, bad times, gzip, empty."""
    shutil.copytree(REALWORLD, logs / "realworld", ignore=shutil.ignore_patterns("*.md"))
    write_log(
        logs / "api" / "api.log.1.gz", [seed_line(at(i), request_id=f"g{i}") for i in range(30)], gz=True
    )
    write_log(
        logs / "api" / "api.log",
        [seed_line(at(100 + i), request_id=f"r{i}", ip="10.0.0.9") for i in range(20)]
        + ["not json", "", '{"cut": ', {"time": "2026-11-20T10:00:00 America/New_York", "msg": "bad time"}],
        newline_at_end=False,
    )
    (logs / "api" / "empty.log").write_bytes(b"")
    (logs / "api" / "blank.log").write_text(json.dumps(seed_line(at(5))) + "\n" * 151)
    (logs / "api" / "dup.log").write_text(
        '{"time": "2026-11-20T10:00:00Z", "password": "a", "password": "b"}\n'
    )
    return logs


def _outputs(run, logs: Path) -> tuple:
    ingest = run("ingest", "--format", "jsonl", "--no-cache", logs)
    timeline = run("timeline", "--ip", "10.0.0.9", "--format", "jsonl", "--no-cache", logs)
    secrets = run("scan-secrets", "--format", "jsonl", "--no-cache", logs)
    gaps = run("gaps", "--format", "jsonl", "--no-cache", logs)
    return tuple((result.exit_code, result.stdout) for result in (ingest, timeline, secrets, gaps))


def test_small_files_batched_give_the_same_output_as_each_read_alone(tmp_path, run, monkeypatch):
    logs = _assorted(tmp_path / "logs")
    batched = _outputs(run, logs)
    files = len([p for p in logs.rglob("*") if p.is_file()])
    monkeypatch.setattr(ingest_batch, "SMALL_FILE_BYTES", 0)  # every file alone, through parse_file
    alone = _outputs(run, logs)
    assert batched == alone
    ingest = [json.loads(line) for line in batched[0][1].splitlines()]
    assert len(ingest) == files and {row["status"] for row in ingest} >= {"ok", "empty", "bad_timestamps"}
    blank = next(row for row in ingest if row["file"].endswith("blank.log"))
    assert (blank["lines"], blank["parsed"], blank["rejected"]) == (151, 1, 150)


def test_small_files_go_through_the_batch_path(tmp_path, run, monkeypatch):
    logs = tmp_path / "logs"
    for index in range(5):
        write_log(logs / f"svc{index}.log", [seed_line(at(index), request_id=f"r{index}")])
    batched_calls = []
    original = load_module.parse_small_files

    def spy(files, *args, **kwargs):
        batched_calls.append(sorted(os.path.basename(candidate.path) for candidate, _, _ in files))
        return original(files, *args, **kwargs)

    monkeypatch.setattr(load_module, "parse_small_files", spy)
    rows = rows_of(run("ingest", "--format", "jsonl", logs))
    assert batched_calls == [[f"svc{index}.log" for index in range(5)]]
    assert [(row["file"].rsplit("/", 1)[-1], row["parsed"]) for row in rows] == [
        (f"svc{index}.log", 1) for index in range(5)
    ]


def test_a_small_gzip_of_a_long_log_is_read_alone_in_chunks(tmp_path, run, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", 4096)  # a few KB of lines make several chunks
    logs = tmp_path / "logs"
    write_log(logs / "big.log.1.gz", [seed_line(at(i), request_id=f"b{i}") for i in range(400)], gz=True)
    write_log(logs / "small.log", [seed_line(at(1000), request_id="s")])
    assert (logs / "big.log.1.gz").stat().st_size < SMALL_FILE_BYTES
    rows = {row["file"].rsplit("/", 1)[-1]: row for row in rows_of(run("ingest", "--format", "jsonl", logs))}
    assert (rows["big.log.1.gz"]["lines"], rows["big.log.1.gz"]["parsed"]) == (400, 400)
    assert rows["small.log"]["parsed"] == 1
    timeline = rows_of(run("timeline", "--request-id", "b399", "--format", "jsonl", logs))
    assert [(row["file"].rsplit("/", 1)[-1], row["line"]) for row in timeline] == [("big.log.1.gz", 400)]


def test_a_batch_fills_the_cache_for_each_file(tmp_path, run, parse_counter):
    logs = tmp_path / "logs"
    for index in range(3):
        write_log(logs / f"svc{index}.log", [seed_line(at(index), request_id=f"r{index}")])
    first = rows_of(run("ingest", "--format", "jsonl", logs))
    assert sorted(parse_counter) == ["svc0.log", "svc1.log", "svc2.log"]
    parse_counter.clear()
    second = rows_of(run("ingest", "--format", "jsonl", logs))
    assert parse_counter == [] and [row["sha256"] for row in second] == [row["sha256"] for row in first]


def test_a_file_that_vanishes_before_its_batch_reads_it_is_reported(tmp_path, run, monkeypatch):
    logs = tmp_path / "logs"
    for index in range(3):
        write_log(logs / f"svc{index}.log", [seed_line(at(index), request_id=f"r{index}")])
    original = load_module.parse_small_files

    def remove_one_first(files, *args, **kwargs):
        os.unlink(logs / "svc1.log")
        return original(files, *args, **kwargs)

    monkeypatch.setattr(load_module, "parse_small_files", remove_one_first)
    result = run("ingest", "--format", "jsonl", "--no-cache", logs)
    rows = {row["file"].rsplit("/", 1)[-1]: row for row in rows_of(result)}
    assert rows["svc1.log"]["status"] == "truncated" and rows["svc1.log"]["parsed"] == 0
    assert rows["svc0.log"]["parsed"] == rows["svc2.log"]["parsed"] == 1
    assert result.exit_code == 1


_VALUES = st.one_of(st.text(max_size=4), st.integers(), st.booleans(), st.none(), st.just({"k": "v"}))
_MESSAGES = st.one_of(
    st.text(max_size=5),
    st.just({}),
    st.fixed_dictionaries({}, optional={"request_id": _VALUES, "event": _VALUES}),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"time": st.just("2026-11-20T10:00:00Z"), "message": _MESSAGES}), min_size=1
    )
)
def test_a_line_decodes_to_the_same_values_whatever_lines_are_read_with_it(records):
    tree = build_tree(["time", "message", "message.request_id", "message.event"])
    lines = pl.Series([json.dumps(record) for record in records])
    together, _ = decode_objects(lines, tree)
    for index, line in enumerate(lines.to_list()):
        alone, _ = decode_objects(pl.Series([line]), tree)
        for path in ("time", "message", "message.request_id", "message.event"):
            expected = alone[path][0] if path in alone else None
            got = together[path][index] if path in together else None
            assert got == expected, (path, line)


def test_an_object_where_wanted_paths_go_below_is_never_the_value_of_that_path():
    tree = build_tree(["message", "message.event"])
    decoded, _ = decode_objects(pl.Series(['{"message": {}}', '{"message": "hello"}']), tree)
    assert decoded["message"].to_list() == [None, "hello"]


def test_an_escaped_control_character_does_not_hide_the_object_it_is_in():
    # message is text on one line and an object on the next: the object comes back from Polars as text
    # with the escape undone, which no JSON reader accepts
    tree = build_tree(["message", "message.request_id"])
    lines = pl.Series(['{"message": "plain"}', '{"message": {"request_id": "r\\u001b[31m1"}}'])
    decoded, invalid = decode_objects(lines, tree)
    assert invalid == [] and decoded["message.request_id"].to_list() == [None, "r\x1b[31m1"]


def test_small_files_that_expand_are_parsed_in_rounds_not_held_together(tmp_path, run, monkeypatch):
    # small gzips of a few KB of lines each: with a 4 KB budget for waiting lines, several rounds
    logs = tmp_path / "logs"
    for index in range(6):
        write_log(
            logs / f"s{index}.log.gz",
            [seed_line(at(i), request_id=f"r{index}-{i}") for i in range(30)],
            gz=True,
        )
    rounds = []
    original = ingest_batch._parse_group

    def spy(group, *args, **kwargs):
        rounds.append(len(group))
        return original(group, *args, **kwargs)

    batched = []
    together = load_module.parse_small_files

    def one_batch(files, *args, **kwargs):
        batched.append(len(files))
        return together(files, *args, **kwargs)

    monkeypatch.setattr(ingest_batch, "_parse_group", spy)
    monkeypatch.setattr(load_module, "parse_small_files", one_batch)
    monkeypatch.setattr(ingest_batch, "WAITING_BYTES", 4096)
    rows = rows_of(run("ingest", "--format", "jsonl", "--no-cache", logs))
    assert [row["parsed"] for row in rows] == [30] * 6
    assert batched == [6]  # one batch of six files...
    assert len(rounds) >= 3 and sum(rounds) == 6 and max(rounds) <= 2  # ...parsed in rounds
