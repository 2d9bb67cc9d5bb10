"""The normalized-event cache: hits, misses, invalidation, and no re-reading of the logs."""

import os

from tests.conftest import at, rows_of, seed_line, write_log


def _logs(tmp_path):
    logs = tmp_path / "logs"
    write_log(
        logs / "api.log.1.gz",
        [seed_line(at(i), request_id=f"r{i}", ip="10.0.0.1") for i in range(50)],
        gz=True,
    )
    write_log(logs / "api.log", [seed_line(at(100 + i), request_id=f"s{i}") for i in range(50)])
    return logs


def test_second_command_reads_only_the_cache(tmp_path, run, parse_counter):
    logs = _logs(tmp_path)
    first = run("timeline", "--ip", "10.0.0.1", "--format", "jsonl", "-q", logs)
    assert sorted(parse_counter) == ["api.log", "api.log.1.gz"]
    parse_counter.clear()
    second = run("timeline", "--ip", "10.0.0.1", "--format", "jsonl", "-q", logs)
    assert parse_counter == []
    assert rows_of(first) == rows_of(second) and len(rows_of(first)) == 50
    ingest = rows_of(run("ingest", "--format", "jsonl", "-q", logs))
    assert parse_counter == [] and {r["parsed"] for r in ingest} == {50}


def test_changed_file_is_read_again(tmp_path, run, parse_counter):
    logs = _logs(tmp_path)
    run("ingest", "-q", logs)
    parse_counter.clear()
    with open(logs / "api.log", "a") as handle:
        handle.write('{"time": "2026-11-18 11:00:00,000", "message": {"request_id": "new"}}\n')
    rows = rows_of(run("timeline", "--request-id", "new", "--format", "jsonl", "-q", logs))
    assert parse_counter == ["api.log"] and len(rows) == 1


def test_rotated_file_with_the_same_bytes_is_a_hit(tmp_path, run, parse_counter):
    logs = _logs(tmp_path)
    run("ingest", "-q", logs)
    parse_counter.clear()
    (logs / "api.log.1.gz").rename(logs / "api.log.2.gz")
    rows = rows_of(run("timeline", "--request-id", "r3", "--format", "jsonl", "-q", logs))
    assert parse_counter == []
    assert rows[0]["file"].endswith("api.log.2.gz")  # provenance follows the new name


def test_no_cache_neither_reads_nor_writes_it(tmp_path, run, parse_counter):
    logs = _logs(tmp_path)
    cache = tmp_path / "cache"
    run("ingest", "-q", "--no-cache", "--cache-dir", cache, logs)
    assert not cache.exists()
    run("ingest", "-q", "--cache-dir", cache, logs)
    parse_counter.clear()
    run("ingest", "-q", "--no-cache", "--cache-dir", cache, logs)
    assert sorted(parse_counter) == ["api.log", "api.log.1.gz"]


def test_cache_never_lives_next_to_the_evidence_and_can_be_cleared(tmp_path, run):
    logs = _logs(tmp_path)
    cache = tmp_path / "cache"
    run("ingest", "-q", "--cache-dir", cache, logs)
    assert sorted(p.name for p in logs.iterdir()) == ["api.log", "api.log.1.gz"]
    assert list(cache.rglob("*.parquet"))
    result = run("cache", "clear", "--cache-dir", cache)
    assert result.exit_code == 0 and not list(cache.rglob("*.parquet"))


def test_field_map_change_invalidates(tmp_path, run, parse_counter):
    logs = _logs(tmp_path)
    run("ingest", "-q", logs)
    parse_counter.clear()
    mapping = tmp_path / "map.toml"
    mapping.write_text('user = "message.ip"\n')
    rows = rows_of(
        run("timeline", "--user", "10.0.0.1", "--field-map", mapping, "--format", "jsonl", "-q", logs)
    )
    assert sorted(parse_counter) == ["api.log", "api.log.1.gz"] and len(rows) == 50


def test_a_file_larger_than_a_chunk_is_stored_in_parts_and_reads_back_in_order(tmp_path, run, monkeypatch):
    from forensics_cli import decompress, reader

    monkeypatch.setattr(reader, "CHUNK_BYTES", 4096)  # memory is bounded by a chunk: many chunks here
    monkeypatch.setattr(decompress, "READ_SIZE", 4096)
    logs = tmp_path / "logs"
    write_log(logs / "api.log", [seed_line(at(i), request_id=f"r{i}", pad="x" * 100) for i in range(400)])
    cache = tmp_path / "cache"
    first = rows_of(run("timeline", "--grep", "r", "--format", "jsonl", "-q", "--cache-dir", cache, logs))
    parts = list(cache.rglob("part-*.parquet"))
    assert len(parts) > 10 and len(list(cache.rglob("auth-*.parquet"))) == len(parts)  # a subset per part
    second = rows_of(run("timeline", "--grep", "r", "--format", "jsonl", "-q", "--cache-dir", cache, logs))
    assert [r["line"] for r in first] == list(range(1, 401)) and first == second


def test_no_cache_run_leaves_nothing_behind(tmp_path):
    import subprocess
    import sys

    logs = _logs(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "APIFORENSICS_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "forensics_cli", "ingest", "--no-cache", "-q", "--format", "csv", str(logs)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "api.log.1.gz" in done.stdout
    assert list(scratch.iterdir()) == [] and not (tmp_path / "cache").exists()


def test_an_unwritable_cache_does_not_stop_the_analysis(tmp_path, run):
    logs = _logs(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = run(
        "timeline", "--ip", "10.0.0.1", "--format", "jsonl", "-q", "--cache-dir", a_file / "cache", logs
    )
    assert result.exit_code == 0 and len(rows_of(result)) == 50


def test_a_full_disk_for_parsed_events_does_not_stop_the_analysis(tmp_path, run, monkeypatch):
    from forensics_cli import event_store

    def no_room(self, events):
        raise event_store.StoreWriteError("No space left on device")

    monkeypatch.setattr(event_store.PartWriter, "write", no_room)
    logs = _logs(tmp_path)
    result = run("timeline", "--ip", "10.0.0.1", "--format", "jsonl", "-q", "--no-cache", logs)
    assert result.exit_code == 0 and len(rows_of(result)) == 50
    ingest = rows_of(run("ingest", "--format", "jsonl", "-q", "--no-cache", logs))
    assert [(r["parsed"], r["status"]) for r in ingest] == [(50, "ok"), (50, "ok")]
