"""Usage mistakes issue 15 names: one line on stderr, exit 2, before any log is read, nothing written."""

import json

import pytest

from tests.conftest import at, seed_line, write_log


@pytest.fixture
def logs(tmp_path):
    return write_log(tmp_path / "logs" / "api.log", [seed_line(at(0), path="/health")]).parent


@pytest.mark.parametrize("command", ["timeline", "bruteforce", "gaps", "scan-secrets"])
def test_an_inverted_time_range_is_a_usage_error(run, logs, command):
    result = run(command, "--since", "2026-11-20", "--until", "2026-11-19", logs)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: --since 2026-11-20 is not before --until 2026-11-19: the range holds no time"
    ]
    assert result.stdout == ""


def test_an_empty_range_is_one_too_but_a_range_of_one_second_is_not(run, logs):
    assert (
        run("gaps", "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T10:00:00Z", logs).exit_code == 2
    )
    assert run(
        "gaps", "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T10:00:01Z", logs
    ).exit_code in (0, 1)


@pytest.mark.parametrize("name", ["out.xlsx", "out.html", "report.parquet"])
def test_an_output_extension_no_format_writes_is_a_usage_error_and_writes_nothing(run, logs, tmp_path, name):
    target = tmp_path / name
    result = run("gaps", "-o", target, logs)
    assert result.exit_code == 2 and f"no format writes {target.suffix} files" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "first"), [("out.txt", "Silences"), ("out.jsonl", "{"), ("out", "Silences")]
)
def test_text_and_machine_extensions_still_write(run, logs, tmp_path, name, first):
    target = tmp_path / name
    result = run("gaps", "-q", "--min-gap", "1s", "-o", target, logs)
    assert result.exit_code in (0, 1) and target.exists()


def test_format_wins_over_an_unknown_extension(run, logs, tmp_path):
    target = tmp_path / "out.xlsx"
    assert run("gaps", "-q", "--format", "csv", "-o", target, logs).exit_code in (0, 1)
    assert target.read_text().startswith("kind,")


def _tree(root):
    record = seed_line(at(0), path="/health")
    write_log(root / "logs" / "api.log", [record])
    write_log(root / ".git" / "logs" / "HEAD.log", [record])  # JSON-looking, never evidence
    write_log(root / "node_modules" / "pkg" / "audit.log", [record])
    (root / "env").mkdir()
    (root / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    write_log(root / "env" / "lib" / "events.log", [record])


def test_without_paths_the_current_directory_is_read_without_tool_directories(run, tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APIFORENSICS_LOGS", raising=False)
    result = run("ingest", "--format", "jsonl", "--no-cache")
    files = [json.loads(line)["file"] for line in result.stdout.splitlines()]
    assert files == ["logs/api.log"]
    assert f"no PATHS given: reading {tmp_path}" in " ".join(result.stderr.split())


def test_paths_given_are_read_whole_tool_directories_included(run, tmp_path):
    _tree(tmp_path)
    result = run("ingest", "--format", "jsonl", "--no-cache", tmp_path)
    files = sorted(
        json.loads(line)["file"].removeprefix(f"{tmp_path}/") for line in result.stdout.splitlines()
    )
    assert files == [
        ".git/logs/HEAD.log",
        "env/lib/events.log",
        "env/pyvenv.cfg",
        "logs/api.log",
        "node_modules/pkg/audit.log",
    ]
    assert "no PATHS given" not in result.stderr


def _odd_log(tmp_path):
    logs = tmp_path / "odd"
    write_log(
        logs / "odd.log",
        [{"when": f"2026-11-18T10:00:0{i}Z", "who": "alice", "src": "10.0.0.1"} for i in range(5)],
    )
    return logs


@pytest.mark.parametrize("command", ["ingest", "bruteforce", "gaps"])
def test_a_field_map_that_maps_nothing_in_the_logs_is_a_usage_error(run, tmp_path, command):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[fields]\nts = ["timestamp"]\nuser = ["username"]\n')  # keys the logs do not have
    result = run(command, "-q", "--field-map", mapping, _odd_log(tmp_path))
    assert result.exit_code == 2
    assert f"--field-map {mapping}: none of its paths (timestamp, username) has a value in the 1 log" in (
        result.stderr
    )


def test_a_field_map_that_maps_something_is_used_and_stays_usable_from_the_cache(run, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[fields]\nts = ["when"]\nuser = ["who"]\nip = ["src"]\n')
    logs = _odd_log(tmp_path)
    for _ in range(2):  # the second run reads the cache: what the map matched is remembered with it
        result = run("ingest", "-q", "--format", "json", "--field-map", mapping, logs)
        assert result.exit_code == 0
        (row,) = json.loads(result.stdout)
        assert (row["status"], row["timed"]) == ("ok", 5)
