"""--manifest on every command, and verify --manifest: a round trip that finds one changed byte."""

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest

from forensics_cli.integrity.manifest import _sum_line


@pytest.fixture
def workdir(tmp_path, sample_copy, monkeypatch):
    """A case directory: the evidence in logs/, reports in out/; commands run from it (relative paths)."""
    shutil.move(str(sample_copy), tmp_path / "logs")
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _manifest(path="out/m.json") -> dict:
    with open(path) as handle:
        return json.load(handle)


def test_a_manifest_lists_what_the_report_rests_on(run, workdir):
    result = run(
        "gaps", "-q", "logs", "-o", "out/gaps.csv", "--tz", "Europe/Berlin", "--manifest", "out/m.json"
    )
    assert result.exit_code == 1  # gaps found in sample_logs/: the manifest is written all the same
    manifest = _manifest()
    assert manifest["command"] == [
        "apiforensics",
        "gaps",
        "-q",
        "logs",
        "-o",
        "out/gaps.csv",
        "--tz",
        "Europe/Berlin",
        "--manifest",
        "out/m.json",
    ]
    assert manifest["settings"]["tz"] == "Europe/Berlin" and manifest["cwd"] == str(workdir)
    inputs = {entry["file"]: entry for entry in manifest["inputs"]}
    assert sorted(inputs) == sorted(
        str(p.relative_to(workdir)) for p in (workdir / "logs").rglob("*") if p.is_file()
    )
    rotated = inputs["logs/gateway/access.log-20261117.gz"]
    assert rotated["compression"] == "gzip" and rotated["text_bytes"] > rotated["size"]
    text = gzip.decompress((workdir / "logs/gateway/access.log-20261117.gz").read_bytes())
    assert (rotated["lines"], rotated["text_sha256"]) == (text.count(b"\n"), hashlib.sha256(text).hexdigest())
    assert "problem" not in rotated
    assert inputs["logs/app/api-audit.log.3.gz"]["problem"] == "compressed stream ends early (file cut short)"
    plain = inputs["logs/app/api-audit.log"]
    assert plain["sha256"] == plain["text_sha256"]
    live = (workdir / "logs/app/api-audit.log").read_bytes()
    assert not live.endswith(b"\n")  # the live file ends in a half-written line: a line all the same
    assert plain["lines"] == live.count(b"\n") + 1
    assert [o["file"] for o in manifest["outputs"]] == [str(workdir / "out/gaps.csv")]
    assert (
        manifest["outputs"][0]["sha256"]
        == hashlib.sha256((workdir / "out/gaps.csv").read_bytes()).hexdigest()
    )


def test_the_manifest_is_deterministic_apart_from_its_creation_time(run, workdir):
    run("ingest", "-q", "logs", "-o", "out/a.csv", "--manifest", "out/m1.json")
    run("ingest", "-q", "logs", "-o", "out/a.csv", "--manifest", "out/m2.json")
    first, second = _manifest("out/m1.json"), _manifest("out/m2.json")
    for manifest in (first, second):
        manifest.pop("created")
        manifest["command"][-1] = "out/m.json"
    assert first == second


def test_a_round_trip_finds_one_changed_byte(run, workdir):
    assert run("ingest", "-q", "logs", "--manifest", "out/m.json").exit_code == 1  # the sample's cut file
    result = run("verify", "--manifest", "out/m.json", "--format", "json")
    assert json.loads(result.stdout) == [] and result.exit_code == 0
    target = workdir / "logs/worker/worker.jsonl"
    stamp = target.stat()
    data = bytearray(target.read_bytes())
    data[100] = ord("X") if data[100] != ord("X") else ord("Y")
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # timestomped: the mtime put back
    result = run("verify", "--manifest", "out/m.json", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["severity"], r["file"]) for r in rows] == [
        ("file_changed", "critical", "logs/worker/worker.jsonl")
    ]
    assert "mtime unchanged (put back?)" in rows[0]["detail"] and "size" not in rows[0]["detail"]
    assert result.exit_code == 1


def test_vanished_and_appeared_files_are_named(run, workdir):
    run("ingest", "-q", "logs", "--manifest", "out/m.json")
    (workdir / "logs/gateway/access.log-20261116.gz").unlink()
    (workdir / "logs/app/extra.log").write_text('{"msg": "planted"}\n')
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert sorted((r["kind"], r["file"]) for r in rows) == [
        ("file_appeared", "logs/app/extra.log"),
        ("file_vanished", "logs/gateway/access.log-20261116.gz"),
    ]


def test_a_recompressed_file_is_changed_but_its_text_is_not(run, workdir):
    run("ingest", "-q", "logs", "--manifest", "out/m.json")
    target = workdir / "logs/gateway/access.log-20261117.gz"
    target.write_bytes(gzip.compress(gzip.decompress(target.read_bytes()), compresslevel=1, mtime=0))
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert [(r["kind"], r["file"]) for r in rows] == [("file_changed", "logs/gateway/access.log-20261117.gz")]
    assert "same decompressed text" in rows[0]["detail"]


def test_a_changed_output_is_named(run, workdir):
    run("bruteforce", "-q", "logs", "-o", "out/bf.json", "--manifest", "out/m.json")
    (workdir / "out/bf.json").write_text("[]\n")
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert [(r["kind"], r["severity"]) for r in rows] == [("file_changed", "medium")]
    assert rows[0]["detail"].startswith("an output of the run")


def test_the_sha256sum_list_is_checked_by_sha256sum(run, workdir):
    run(
        "timeline",
        "-q",
        "logs",
        "--request-id",
        "req-7f3a9c2e-compromise",
        "-o",
        "out/t.csv",
        "--manifest",
        "out/m.json",
    )
    manifest = _manifest()
    listed = (workdir / "out/m.json.sha256sum").read_text()
    expected = [f"{e['sha256']}  {e['file']}\n" for e in manifest["inputs"] + manifest["outputs"]]
    assert listed == "".join(sorted(expected, key=lambda line: line[66:]))  # by name, inputs then report
    assert len(expected) == 9  # 8 inputs and the report
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (GNU coreutils) is not installed: the list's content is pinned above instead")
    # --strict: without it, sha256sum only warns about a malformed line and still exits 0
    check = subprocess.run(["sha256sum", "-c", "--quiet", "--strict", "out/m.json.sha256sum"], cwd=workdir)
    assert check.returncode == 0


def test_archive_members_are_covered_by_their_archive_in_the_sum_list(run, workdir):
    import zipfile

    with zipfile.ZipFile(workdir / "bundle.zip", "w") as bundle:
        bundle.write(workdir / "logs/worker/worker.jsonl", "worker/worker.jsonl")
        bundle.write(workdir / "logs/app/api-audit.log.1", "app/api-audit.log.1")
    run("ingest", "-q", "bundle.zip", "--manifest", "out/m.json")
    assert sorted(e["file"] for e in _manifest()["inputs"]) == [
        "bundle.zip!app/api-audit.log.1",
        "bundle.zip!worker/worker.jsonl",
    ]
    digest = hashlib.sha256((workdir / "bundle.zip").read_bytes()).hexdigest()
    assert (workdir / "out/m.json.sha256sum").read_text() == f"{digest}  bundle.zip\n"  # once, for both


def test_sum_lines_escape_names_as_gnu_does():
    assert _sum_line("ab", "logs/a.log") == "ab  logs/a.log\n"
    assert _sum_line("ab", "odd\nname\\x") == "\\ab  odd\\nname\\\\x\n"


def test_a_manifest_inside_the_evidence_is_refused_before_reading(run, workdir):
    before = sorted(p.name for p in (workdir / "logs").rglob("*"))
    result = run("ingest", "-q", "logs", "--manifest", "logs/m.json")
    assert result.exit_code == 2 and "inside the evidence" in result.stderr
    assert sorted(p.name for p in (workdir / "logs").rglob("*")) == before


def test_no_manifest_when_the_command_fails(run, workdir):
    result = run("ingest", "-q", "missing-dir", "--manifest", "out/m.json")
    assert result.exit_code == 2
    assert not (workdir / "out/m.json").exists()


def test_a_file_that_is_not_a_manifest_is_a_usage_error(run, workdir):
    (workdir / "out/x.json").write_text("{}")
    result = run("verify", "--manifest", "out/x.json")
    assert result.exit_code == 2 and "not an apiforensics manifest" in result.stderr


def test_a_round_trip_on_real_fixtures_names_the_one_changed_file(run, tmp_path, monkeypatch):
    """Real logs of other software (tests/fixtures/realworld): gzip, JSON documents, lines without a final
    newline. One changed byte in plaso's CloudTrail export is the only finding."""
    from conftest import REALWORLD

    shutil.copytree(REALWORLD, tmp_path / "case")
    monkeypatch.chdir(tmp_path)
    run("ingest", "-q", "case", "--manifest", "m.json")
    listed = {entry["file"] for entry in _manifest("m.json")["inputs"]}
    assert listed == {f"case/{p.name}" for p in REALWORLD.iterdir()}  # SOURCES.md too: it was looked at
    bunyan = next(e for e in _manifest("m.json")["inputs"] if e["file"] == "case/node-bunyan__log1.log.gz")
    assert bunyan["compression"] == "gzip" and bunyan["text_sha256"] != bunyan["sha256"]
    assert run("verify", "--manifest", "m.json", "--format", "json").stdout.strip() == "[]"
    target = tmp_path / "case/plaso__aws_cloudtrail.jsonl"
    data = target.read_bytes()
    assert b'"EventName"' in data
    target.write_bytes(data.replace(b'"EventName"', b'"EventNamf"', 1))
    rows = json.loads(run("verify", "--manifest", "m.json", "--format", "json").stdout)
    assert [(r["kind"], r["file"]) for r in rows] == [("file_changed", "case/plaso__aws_cloudtrail.jsonl")]


def test_partitioned_events_are_outputs_of_the_manifest(run, workdir):
    run("ingest", "-q", "logs", "--events", "out/events", "--manifest", "out/m.json")
    outputs = [entry["file"] for entry in _manifest()["outputs"]]
    written = sorted(str(p) for p in (workdir / "out/events").rglob("*.parquet"))
    assert written and outputs == written
    assert all(
        entry["sha256"] == hashlib.sha256(open(entry["file"], "rb").read()).hexdigest()
        for entry in _manifest()["outputs"]
    )


@pytest.mark.parametrize(
    "document, why",
    [
        ({"inputs": [{"x": 1}], "outputs": []}, "inputs is not a list"),
        ({"inputs": [], "outputs": 5}, "outputs is not a list"),
        ({"inputs": [{"file": "a", "sha256": 3}], "outputs": []}, "inputs is not a list"),
        ({"inputs": [], "outputs": [], "paths": "logs"}, "paths or cwd"),
    ],
    ids=["entry_without_file", "outputs_not_a_list", "sha_not_text", "paths_not_a_list"],
)
def test_an_edited_manifest_is_a_usage_error_not_a_crash(run, workdir, document, why):
    (workdir / "out/m.json").write_text(json.dumps({"format": "apiforensics-manifest/1", **document}))
    result = run("verify", "--manifest", "out/m.json")
    assert result.exit_code == 2 and why in result.stderr and "internal error" not in result.stderr


def test_the_whole_manifest_document(run, workdir, monkeypatch):
    from forensics_cli import __version__

    formats = workdir / "config" / "apiforensics" / "formats"
    formats.mkdir(parents=True)
    (formats / "audit.toml").write_text('[recognise]\nkeys = ["actor"]\n[fields]\nuser = "actor"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(workdir / "config"))
    (workdir / "map.toml").write_text('user = "actor"\n')
    argv = ["gaps", "-q", "logs/worker", "--field-map", "map.toml", "--since", "2026-11-16", "--service", "w"]
    argv += ["-o", "out/g.json", "--manifest", "out/m.json"]
    result = run(*argv)
    assert result.exit_code in (0, 1)
    manifest = _manifest()
    created = manifest.pop("created")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", created)

    def sha(path):
        return hashlib.sha256((workdir / path).read_bytes()).hexdigest()

    worker = (workdir / "logs/worker/worker.jsonl").read_bytes()
    assert manifest == {
        "format": "apiforensics-manifest/1",
        "tool": {"name": "apiforensics", "version": __version__},
        "cwd": str(workdir),
        "command": ["apiforensics", *argv],
        "paths": ["logs/worker"],
        "settings": {
            "tz": "UTC",
            "since": "2026-11-16",
            "until": None,
            "service": "w",
            "follow_links": False,
            "skip_tool_dirs": False,
            "parser_version": manifest["settings"]["parser_version"],
            "login_paths": manifest["settings"]["login_paths"],
        },
        "setting_files": {
            "field_map": {"file": "map.toml", "sha256": sha("map.toml")},
            "user_format:audit.toml": {
                "file": str(formats / "audit.toml"),
                "sha256": sha(formats / "audit.toml"),
            },
        },
        "inputs": [
            {
                "file": "logs/worker/worker.jsonl",
                "size": len(worker),
                "mtime_ns": (workdir / "logs/worker/worker.jsonl").stat().st_mtime_ns,
                "sha256": hashlib.sha256(worker).hexdigest(),
                "text_sha256": hashlib.sha256(worker).hexdigest(),
                "text_bytes": len(worker),
                "lines": worker.count(b"\n"),
                "compression": "none",
            }
        ],
        "outputs": [
            {
                "file": str(workdir / "out/g.json"),
                "sha256": sha("out/g.json"),
                "size": (workdir / "out/g.json").stat().st_size,
            }
        ],
    }
    assert manifest["settings"]["login_paths"] and manifest["settings"]["parser_version"]


def test_the_rows_of_a_manifest_check(run, workdir):
    run("ingest", "-q", "logs", "-o", "out/i.csv", "--manifest", "out/m.json")
    (workdir / "logs/gateway/access.log").unlink()
    (workdir / "out/i.csv").unlink()
    (workdir / "logs/new.log").write_text('{"a": 1}\n')
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert [(r["kind"], r["severity"], r["file"], r["line"], r["detail"]) for r in rows] == [
        (
            "file_vanished",
            "high",
            "logs/gateway/access.log",
            None,
            "an input of the run out/m.json records is gone",
        ),
        (
            "file_vanished",
            "medium",
            str(workdir / "out/i.csv"),
            None,
            "an output of the run out/m.json records is gone",
        ),
        (
            "file_appeared",
            "medium",
            "logs/new.log",
            None,
            "under the manifest's PATHS, not among the inputs out/m.json lists: added since",
        ),
    ]


def test_appeared_files_outside_the_manifest_directory_keep_their_whole_path(run, workdir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(workdir / "logs/worker", elsewhere / "worker")
    run("ingest", "-q", str(elsewhere / "worker"), "--manifest", "out/m.json")
    (elsewhere / "worker" / "late.log").write_text('{"a": 1}\n')
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert [(r["kind"], r["file"]) for r in rows] == [
        ("file_appeared", str(elsewhere / "worker" / "late.log"))
    ]


def test_a_changed_output_names_both_hashes(run, workdir):
    run("ingest", "-q", "logs", "-o", "out/i.csv", "--manifest", "out/m.json")
    recorded = _manifest()["outputs"][0]["sha256"]
    (workdir / "out/i.csv").write_text("edited\n")
    now = hashlib.sha256(b"edited\n").hexdigest()
    rows = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert [r["detail"] for r in rows] == [
        f"an output of the run: SHA-256 {now[:16]}… is not the recorded {recorded[:16]}…"
    ]


def test_untouched_outputs_pass_and_a_grown_input_says_how(run, workdir):
    run("ingest", "-q", "logs", "-o", "out/i.csv", "--rejects", "out/r.jsonl", "--manifest", "out/m.json")
    assert len(_manifest()["outputs"]) == 2
    result = run("verify", "--manifest", "out/m.json", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    target = workdir / "logs/worker/worker.jsonl"
    before = _manifest()["inputs"][-1]
    assert before["file"] == "logs/worker/worker.jsonl"
    with open(target, "ab") as handle:
        handle.write(b'{"msg": "appended"}\n')
    now = hashlib.sha256(target.read_bytes()).hexdigest()
    [row] = json.loads(run("verify", "--manifest", "out/m.json", "--format", "json").stdout)
    assert row["detail"] == (
        f"SHA-256 {now[:16]}… is not the recorded {before['sha256'][:16]}…; size {before['size']} → "
        f"{before['size'] + 20}; lines {before['lines']} → {before['lines'] + 1}"
    )
