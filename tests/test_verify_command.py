"""verify as a command: which files each check speaks for, what it says of the others, and where it reads."""

import gzip
import json
import os
from pathlib import Path

from conftest import write_log


def _rows(result) -> list[tuple[str, str, str, str]]:
    return [(r["kind"], r["severity"], Path(r["file"]).name, r["detail"]) for r in json.loads(result.stdout)]


def test_what_no_check_speaks_for_and_what_is_not_read(run, tmp_path):
    evidence = tmp_path / "evidence"
    write_log(evidence / "app.log", [{"msg": "x"}])
    (evidence / "README.txt").write_text("notes of the responder\n")  # text, not a log: nothing to prove
    (evidence / "empty.log").write_bytes(b"")
    (evidence / "cut.log.gz").write_bytes(gzip.compress(b"{}\n" * 100)[:10])  # a gzip header, nothing after
    os.mkfifo(evidence / "pipe.log")
    result = run("verify", "--format", "json", evidence)
    assert result.exit_code == 1
    assert sorted(_rows(result)) == [
        (
            "unverifiable",
            "info",
            "app.log",
            "no digest, hash chain or manifest speaks for this file: its integrity was not checked",
        ),
        (
            "unverifiable",
            "low",
            "cut.log.gz",
            "not read: compressed stream ends early (file cut short); nothing before the cut could be read",
        ),
        ("unverifiable", "low", "pipe.log", "not read: not a regular file (FIFO, socket or device)"),
    ]
    assert "not checked: 3 files" in result.stderr


def test_a_link_leaving_the_paths_is_not_read_unless_asked(run, tmp_path):
    outside = write_log(tmp_path / "outside" / "secret.log", [{"msg": "x"}])
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "link.log").symlink_to(outside)
    rows = _rows(run("verify", "--format", "json", evidence))
    assert [(kind, severity, name) for kind, severity, name, _ in rows] == [
        ("unverifiable", "low", "link.log")
    ]
    assert rows[0][3].startswith("not read: symbolic link to a file outside the given paths")
    rows = _rows(run("verify", "--format", "json", "--follow-links", evidence))
    assert [(kind, severity, name) for kind, severity, name, _ in rows] == [
        ("unverifiable", "info", "link.log")
    ]


def test_without_paths_the_current_directory_is_read_without_tool_directories(run, tmp_path, monkeypatch):
    write_log(tmp_path / "logs" / "app.log", [{"msg": "x"}])
    write_log(tmp_path / ".git" / "objects" / "pack.json", [{"msg": "not evidence"}])
    monkeypatch.chdir(tmp_path)
    result = run("verify", "--format", "json")
    assert [name for _, _, name, _ in _rows(result)] == ["app.log"]
    assert f"no PATHS given: reading {tmp_path}" in result.stderr
    result = run("verify", "--format", "json", ".")  # named: read whole
    assert sorted(name for _, _, name, _ in _rows(result)) == ["app.log", "pack.json"]


def test_no_file_under_the_paths_is_a_usage_error(run, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("verify", tmp_path / "empty")
    assert result.exit_code == 2 and "no file found under" in result.stderr
    result = run("verify", tmp_path / "missing")
    assert result.exit_code == 2 and "no such file or directory" in result.stderr
