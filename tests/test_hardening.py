"""Hostile and broken input: no crash, no terminal or spreadsheet injection, evidence untouched."""

import json
import os
import stat

import pytest

from tests.conftest import SAMPLE_LOGS, at, rows_of, seed_line, write_log

COMMANDS = [
    ["ingest"],
    ["timeline", "--ip", "203.0.113.66", "--context", "1m"],
    ["bruteforce"],
    ["scan-secrets"],
    ["gaps"],
    ["timeline", "--request-id", "nope"],
]
EVIL = (
    "\x1b[31mEVIL\x1b]0;pwned\x07"  # colour, window title
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "[bold red]markup[/]\u202etxt"  # rich markup, bidi override
)


def _hostile(tmp_path):
    logs = tmp_path / "hostile"
    write_log(
        logs / "app.log",
        [
            seed_line(at(0), request_id="r1", user_id=EVIL, path="/x", ip="203.0.113.66"),
            seed_line(
                at(1),
                request_id='=HYPERLINK("https://evil.example","click")',
                user_id="@SUM(1+1)",
                path="+cmd|' /C calc'!A0",
                ip="203.0.113.66",
            ),
        ],
    )
    (logs / "empty.log").write_bytes(b"")
    (logs / "blob.bin").write_bytes(os.urandom(2048) + b"\x00" * 2048)
    (logs / "nul.log").write_bytes(b'{"a": "x\\u0000y"}\n{"a": 1}\x00\x00\n')
    (logs / "utf16.log").write_bytes('{"a": 1}\n'.encode("utf-16"))
    (logs / "latin1.log").write_bytes('{"user": "Jürgen"}\n'.encode("latin-1"))
    (logs / "deep.log").write_bytes(
        b'{"a": ' + b'{"b": ' * 10000 + b"1" + b"}" * 10000 + b"}\n" + b'{"ok": 1}\n'
    )
    (logs / "huge.log").write_bytes(b'{"a": "' + b"y" * (5 << 20) + b'"}\n{"ok": 2}\n')
    (logs / "array.log").write_bytes(b'[1, 2, 3]\n{"not": "closed"\n{bad json}\n"just a string"\n')
    os.mkfifo(logs / "pipe.log")
    (logs / "loop").symlink_to(logs)
    locked = write_log(logs / "locked.log", [seed_line(at(2))])
    locked.chmod(0)
    return logs


# what each command must answer over the hostile directory: (exit code, (line, file) of each row)
EXPECTED = {
    "ingest": 1,  # files that are not logs, unreadable or cut: exit 1, each reported (test below)
    "timeline --ip 203.0.113.66 --context 1m": 0,
    "bruteforce": 0,
    "scan-secrets": 0,
    "gaps": 0,
    "timeline --request-id nope": 1,
}
EXPECTED_ROWS = {
    "timeline --ip 203.0.113.66 --context 1m": [(1, "app.log"), (2, "app.log")],
    "bruteforce": [],
    "scan-secrets": [],
    "gaps": [],
    "timeline --request-id nope": [],
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_survives_hostile_files(tmp_path, run, command):
    logs = _hostile(tmp_path)
    name = " ".join(command)
    for fmt in ("table", "jsonl"):
        result = run(*command, "--format", fmt, logs)
        assert result.exit_code == EXPECTED[name], result.stderr
        assert "Traceback (most recent" not in result.stderr + result.stdout
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
        if fmt == "jsonl" and name in EXPECTED_ROWS:
            rows = [(r["line"], r["file"].split("/")[-1]) for r in rows_of(result)]
            assert rows == EXPECTED_ROWS[name]
        # every broken file is named in the summary, none is silently ok
        if fmt == "table" and command[0] != "ingest":
            assert "not ok" in result.stderr or "warning" in result.stderr or "skipped" in result.stderr


def test_ingest_reports_each_broken_file_with_a_reason(tmp_path, run):
    rows = {
        r["file"].split("/")[-1]: r for r in rows_of(run("ingest", "--format", "jsonl", _hostile(tmp_path)))
    }
    assert rows["empty.log"]["status"] == "empty"
    assert rows["blob.bin"]["status"] == "not_a_log"
    assert rows["utf16.log"]["status"] == "not_a_log" and "UTF-16" in rows["utf16.log"]["reason"]
    assert rows["pipe.log"]["status"] == "not_a_log" and "FIFO" in rows["pipe.log"]["reason"]
    assert (rows["deep.log"]["parsed"], rows["deep.log"]["rejected"]) == (1, 1)
    assert (rows["huge.log"]["parsed"], rows["huge.log"]["rejected"]) == (1, 1) and "too_long" in rows[
        "huge.log"
    ]["reason"]
    assert rows["array.log"]["rejected"] == 4 and rows["array.log"]["status"] == "not_a_log"
    assert rows["latin1.log"]["parsed"] == 1 and "bad UTF-8" in rows["latin1.log"]["reason"]
    assert rows["nul.log"]["parsed"] + rows["nul.log"]["rejected"] == 2
    if os.geteuid() != 0:  # root reads anything
        assert rows["locked.log"]["status"] == "unreadable"


def test_terminal_escapes_and_markup_from_logs_are_shown_inert(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(logs / "app.log", [seed_line(at(0), request_id="r1", user_id=EVIL, path="/x")])
    for command in (["timeline", "--request-id", "r1"], ["timeline", "--request-id", "r1", "--raw"]):
        out = run(*command, "-q", logs).stdout
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "[bold red]markup[/]" in out  # shown literally, not interpreted
        assert "\\x1b[31mEVIL" in out


def test_csv_cells_cannot_start_a_formula(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(
        logs / "app.log",
        [
            seed_line(at(0), request_id="r1", user_id="=cmd|' /C calc'!A0", path="@SUM(A1)"),
            seed_line(at(1), request_id="r1", user_id="-2+3", path="\tx"),
        ],
    )
    safe = run("timeline", "--request-id", "r1", "--format", "csv", "-q", logs).stdout
    assert "'=cmd" in safe and "'@SUM" in safe and "'-2+3" in safe and ",=cmd" not in safe
    raw = run("timeline", "--request-id", "r1", "--format", "csv", "--raw-csv", "-q", logs).stdout
    assert ",=cmd" in raw


def _snapshot(root):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_command_changes_or_adds_anything_in_the_evidence(tmp_path, run):
    before = _snapshot(SAMPLE_LOGS)
    for command in COMMANDS:
        for extra in ([], ["--format", "csv"], ["--no-cache"]):
            run(*command, *extra, SAMPLE_LOGS)
    run("scan-secrets", "--write-sanitized", tmp_path / "copy", SAMPLE_LOGS)
    run("ingest", "--events", tmp_path / "e.parquet", "--rejects", tmp_path / "r.jsonl", SAMPLE_LOGS)
    assert _snapshot(SAMPLE_LOGS) == before


def test_output_refuses_to_overwrite_an_input_and_writes_atomically(tmp_path, run):
    logs = tmp_path / "logs"
    victim = write_log(logs / "app.log", [seed_line(at(0), request_id="r1")])
    original = victim.read_bytes()
    result = run("timeline", "--request-id", "r1", "-o", victim, logs)
    assert result.exit_code == 2 and "input log files" in result.stderr
    assert victim.read_bytes() == original
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    assert run("timeline", "--request-id", "r1", "-q", "-o", out, logs).exit_code == 0
    assert json.loads(out.read_text())[0]["file"].endswith("app.log")  # format from the extension
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # no temp file left behind


def test_unreadable_file_is_reported_not_fatal(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(logs / "ok.log", [seed_line(at(0))])
    locked = write_log(logs / "locked.log", [seed_line(at(1))])
    locked.chmod(0)
    result = run("ingest", "--format", "jsonl", logs)
    locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert result.exit_code in (0, 1)
    assert {r["file"].split("/")[-1] for r in rows_of(result)} == {"ok.log", "locked.log"}


def test_internal_errors_are_one_line_and_debug_shows_the_traceback(tmp_path, run, monkeypatch):
    from forensics_cli.analyses import gaps

    write_log(tmp_path / "a.log", [seed_line(at(0))])
    monkeypatch.setattr(gaps, "_silences", lambda *a: 1 / 0)
    result = run("gaps", "-q", tmp_path)
    assert result.exit_code == 3 and len(result.stderr.strip().splitlines()) == 1
    assert "ZeroDivisionError" in result.stderr and "--debug" in result.stderr
    with pytest.raises(ZeroDivisionError):
        run("--debug", "gaps", "-q", tmp_path)


def test_a_100_mb_single_line_is_reported_without_holding_it(tmp_path, run):
    import resource

    path = tmp_path / "one-line.log"
    with open(path, "wb") as handle:
        handle.write(b'{"ok": 1}\n{"blob": "')
        chunk = b"z" * (1 << 20)
        for _ in range(100):
            handle.write(chunk)
        handle.write(b'"}\n{"ok": 2}\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (row,) = rows_of(run("ingest", "--format", "jsonl", "--no-cache", tmp_path))
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert (row["lines"], row["parsed"], row["rejected"]) == (3, 2, 1) and "too_long" in row["reason"]
    assert growth_mb < 150


def test_a_file_that_grows_while_being_read_is_read_consistently_and_not_cached(
    tmp_path, run, monkeypatch, parse_counter
):
    from forensics_cli import decompress

    logs = tmp_path / "logs"
    path = write_log(
        logs / "live.log", [seed_line(at(i), request_id=f"r{i}", pad="x" * 200) for i in range(8000)]
    )
    original_iter = decompress.DecompressedStream.__iter__
    grown = []

    def growing(self):
        for index, block in enumerate(original_iter(self)):
            # past the first block: the 64 KB sniff reads only that one, the full read goes on
            if index == 1 and not grown and self.path == str(path):
                grown.append(True)
                with open(path, "a") as handle:  # the application writes once more after we started
                    handle.write('{"time": "2026-11-18 12:00:00,000", "message": {"request_id": "late"}}\n')
            yield block

    monkeypatch.setattr(decompress.DecompressedStream, "__iter__", growing)
    (first,) = rows_of(run("ingest", "--format", "jsonl", logs))
    assert first["lines"] == 8001 and first["parsed"] + first["rejected"] == first["lines"]
    monkeypatch.setattr(decompress.DecompressedStream, "__iter__", original_iter)
    (second,) = rows_of(run("ingest", "--format", "jsonl", logs))
    # the bytes changed under the reader, so its events were not cached under the old hash: read again
    assert parse_counter == ["live.log", "live.log"]
    assert (second["lines"], second["sha256"]) == (8001, first["sha256"])
