"""Nothing apiforensics writes lands in, above or through a link into the evidence (issue 18).

Each test gives an output place that would touch the evidence, expects exit 2 and a reason, and checks
the evidence bytes (and its directory listing) did not change."""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import at, rows_of, seed_line, write_log

SECRET = "Hunter2-Hunter2-Hunter2"


def _fingerprint(directory: Path) -> dict[str, str]:
    """Every entry under directory with a hash of its bytes (or its link target)."""
    seen = {}
    for entry in sorted(directory.rglob("*")):
        if entry.is_symlink():
            seen[str(entry)] = "->" + os.readlink(entry)
        elif entry.is_file():
            seen[str(entry)] = hashlib.sha256(entry.read_bytes()).hexdigest()
        else:
            seen[str(entry)] = "dir"
    return seen


@pytest.fixture
def evidence(tmp_path):
    logs = tmp_path / "case" / "logs"
    write_log(logs / "api.log", [seed_line(at(0), request_id="r1", password=SECRET)])
    return logs


def _refused(result, evidence, before, target, why):
    """Exit 2, the evidence unchanged, and one line naming what was refused and why."""
    assert result.exit_code == 2, result.output
    assert f"refusing to write {target}: " in result.stderr, result.stderr
    assert why in result.stderr
    assert _fingerprint(evidence) == before


def test_sanitized_copies_are_never_written_into_the_evidence(evidence, run):
    before = _fingerprint(evidence)
    result = run("scan-secrets", "-q", "--write-sanitized", evidence / "clean", evidence)
    _refused(result, evidence, before, evidence / "clean", f"it is inside the evidence ({evidence})")


def test_sanitized_copies_are_never_written_above_the_evidence(evidence, run):
    before = _fingerprint(evidence)
    result = run("scan-secrets", "-q", "--write-sanitized", evidence.parent, evidence)
    _refused(result, evidence, before, evidence.parent, f"it holds the evidence ({evidence})")


def test_a_sanitize_directory_holding_a_link_into_the_evidence_is_refused(evidence, tmp_path, run):
    out = tmp_path / "out"
    out.mkdir()
    (out / "api.log").symlink_to(evidence / "api.log")
    before = _fingerprint(evidence)
    result = run("scan-secrets", "-q", "--write-sanitized", out, evidence)
    _refused(
        result, evidence, before, out, f"it holds a symbolic link ({out / 'api.log'}); give a new directory"
    )


def test_a_sanitize_directory_holding_a_hard_link_to_an_input_is_refused(evidence, tmp_path, run):
    out = tmp_path / "out"
    subprocess.run(["cp", "-al", str(evidence), str(out)], check=True)  # what a responder's backup does
    before = _fingerprint(evidence)
    result = run("scan-secrets", "-q", "--write-sanitized", out, evidence)
    _refused(result, evidence, before, out, "it holds a hard link to an input")
    assert SECRET in (evidence / "api.log").read_text()


def test_sanitized_copies_in_a_new_directory_are_written_and_masked(evidence, tmp_path, run):
    before = _fingerprint(evidence)
    result = run("scan-secrets", "-q", "--write-sanitized", tmp_path / "clean", evidence)
    assert result.exit_code == 1  # a finding
    (copy,) = [p.read_text() for p in (tmp_path / "clean").rglob("api.log")]
    assert SECRET not in copy and "r1" in copy
    assert _fingerprint(evidence) == before


@pytest.mark.parametrize(
    "option",
    [["-o"], ["--events"], ["--rejects"]],
    ids=["output", "events", "rejects"],
)
def test_reports_are_never_written_into_the_evidence(evidence, run, option):
    before = _fingerprint(evidence)
    command = "ingest" if option != ["-o"] else "timeline"
    extra = ["--request-id", "r1"] if command == "timeline" else []
    result = run(command, "-q", *extra, *option, evidence / "out.csv", evidence)
    _refused(result, evidence, before, evidence / "out.csv", "it is inside the evidence")
    assert not (evidence / "out.csv").exists()


def test_a_report_onto_a_hard_link_of_an_input_is_refused(evidence, tmp_path, run):
    link = tmp_path / "report.csv"
    os.link(evidence / "api.log", link)
    before = _fingerprint(evidence)
    result = run("timeline", "-q", "--request-id", "r1", "-o", link, evidence)
    _refused(result, evidence, before, link, "it is one of the input log files (or a hard link to one)")


def test_a_report_through_a_symbolic_link_is_refused(evidence, tmp_path, run):
    link = tmp_path / "report.csv"
    link.symlink_to(evidence / "api.log")
    before = _fingerprint(evidence)
    result = run("timeline", "-q", "--request-id", "r1", "-o", link, evidence)
    _refused(
        result, evidence, before, link, "it is a symbolic link (an output is never written through a link)"
    )


def test_a_report_replaces_an_ordinary_file_of_the_same_name(evidence, tmp_path, run):
    target = tmp_path / "report.jsonl"
    target.write_text("old\n")
    result = run("timeline", "-q", "--request-id", "r1", "-o", target, evidence)
    assert result.exit_code == 0
    assert [r["line"] for r in map(json.loads, target.read_text().splitlines())] == [1]


def test_a_link_to_a_file_outside_the_paths_is_reported_not_read(evidence, tmp_path, run):
    outside = tmp_path / "elsewhere.log"
    write_log(outside, [seed_line(at(5), request_id="outside-1", password="Outside-Secret-0123")])
    (evidence / "linked.log").symlink_to(outside)
    ingest = run("ingest", "-q", "--format", "jsonl", evidence)
    rows = {Path(r["file"]).name: r for r in rows_of(ingest)}
    assert ingest.exit_code == 1
    assert (
        rows["linked.log"]["status"] == "unreadable"
        and "outside the given paths" in rows["linked.log"]["reason"]
    )
    assert rows["linked.log"]["parsed"] == 0 and rows["api.log"]["status"] == "ok"
    found = run("scan-secrets", "-q", "--format", "jsonl", "--write-sanitized", tmp_path / "clean", evidence)
    assert {Path(r["file"]).name for r in rows_of(found)} == {"api.log"}
    assert [p.name for p in (tmp_path / "clean").rglob("*.log")] == ["api.log"]
    followed = run("ingest", "-q", "--format", "jsonl", "--follow-links", evidence)
    rows = {Path(r["file"]).name: r for r in rows_of(followed)}
    assert rows["linked.log"]["status"] == "ok" and rows["linked.log"]["parsed"] == 1


def test_a_link_inside_the_paths_is_read_once(evidence, run):
    (evidence / "again.log").symlink_to(evidence / "api.log")
    result = run("ingest", "-q", "--format", "jsonl", evidence)
    assert result.exit_code == 0
    assert [Path(r["file"]).name for r in rows_of(result)] == ["api.log"]


def _remove_deep(top: str, depth: int) -> None:
    """Remove a chain of `depth` directories "d" under top, deepest first (shutil.rmtree recurses, and
    pytest's clean-up of old temporary directories would fail on it in every later run)."""
    chain = [os.path.join(top, *["d"] * level) for level in range(depth, 0, -1)]
    for directory in chain:
        for name in os.listdir(directory):
            if name != "d":
                os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


def test_a_tree_1100_directories_deep_is_read(tmp_path, run):
    deep = str(tmp_path)
    for _ in range(1100):  # deeper than Python's 1000 frames: a recursive walk (or os.makedirs) fails
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    try:
        with open(os.path.join(deep, "api.log"), "w") as handle:
            handle.write(json.dumps(seed_line(at(0), request_id="deep-1")) + "\n")
        result = run("ingest", "-q", "--format", "jsonl", "--no-cache", tmp_path)
        (row,) = rows_of(result)
        assert result.exit_code == 0 and (row["status"], row["parsed"]) == ("ok", 1)
    finally:
        _remove_deep(str(tmp_path), 1100)


def test_a_link_made_under_the_output_directory_after_its_check_is_refused_before_writing(tmp_path):
    # --write-sanitized checks each target just before writing it: a link swapped in meanwhile is caught
    from forensics_cli.guard import EvidenceGuard, OutputError

    evidence = tmp_path / "evidence"
    log = write_log(evidence / "api.log", [seed_line(at(0))])
    guard = EvidenceGuard([str(evidence)], [str(log)])
    out = tmp_path / "out"
    (out / "plain").mkdir(parents=True)
    guard.check_entry(out / "plain" / "api.log")  # nothing in the way: no error
    (out / "linked").symlink_to(evidence)
    with pytest.raises(OutputError) as refused:
        guard.check_entry(out / "linked" / "api.log")
    assert (
        str(refused.value)
        == f"refusing to write {out / 'linked' / 'api.log'}: {out / 'linked'} is a symbolic link"
    )
    os.link(log, out / "plain" / "copy.log")
    with pytest.raises(OutputError) as refused:
        guard.check_entry(out / "plain" / "copy.log")
    assert (
        str(refused.value) == f"refusing to write {out / 'plain' / 'copy.log'}: it is a hard link to an input"
    )


def test_an_output_is_written_through_a_new_file_beside_it_and_nothing_is_left_when_writing_fails(tmp_path):
    from forensics_cli.guard import EvidenceGuard, OutputError, write_new, write_text

    used = []

    def failing(temporary: str):
        used.append(temporary)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_new(tmp_path / "report.csv", failing)
    (temporary,) = used
    assert os.path.dirname(temporary) == str(tmp_path) and os.path.basename(temporary).startswith(
        ".apiforensics-"
    )
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone, no report.csv
    guard = EvidenceGuard([str(tmp_path / "evidence")], [])
    write_text(str(tmp_path / "é.txt"), "naïve ☃\r\n", guard)
    assert (tmp_path / "é.txt").read_bytes() == "naïve ☃\r\n".encode()
    with pytest.raises(OutputError) as refused:
        write_text(str(tmp_path / "missing" / "r.csv"), "x", guard)
    assert str(refused.value) == f"cannot write {tmp_path / 'missing' / 'r.csv'}: No such file or directory"
