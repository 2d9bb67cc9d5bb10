"""Shared fixtures: log writers, a CLI runner with an isolated cache and fingerprint key."""

import gzip
import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from forensics_cli.cli import cli
from forensics_cli.schema import EVENT_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "sample_logs"
REALWORLD = Path(__file__).resolve().parent / "fixtures" / "realworld"
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def pytest_make_parametrize_id(config, val, argname):
    """Test ids of word characters only: a log line as an id (spaces, brackets, quotes) breaks the tools
    that re-run one test by its id, mutmut among them (its mutants then looked untested)."""
    if isinstance(val, str):
        return re.sub(r"[^\w.-]+", "_", val)[:48] or "empty"
    return None


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """No test touches the user's cache or key file."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("APIFORENSICS_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("APIFORENSICS_FINGERPRINT_KEY", "test-key")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("APIFORENSICS_LOGS", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def write_log(path: Path, lines: list, gz: bool = False, newline_at_end: bool = True) -> Path:
    """Write records (dicts are JSON-encoded) or raw strings, one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines)
    data = (text + ("\n" if newline_at_end and lines else "")).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def seed_line(when: datetime, **message) -> dict:
    """A line of the seed format: Python logging with a message object."""
    stamp = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"
    return {"time": stamp, "level": "INFO", "message": message}


def nginx_line(when: datetime, **fields) -> dict:
    record = {
        "time_iso8601": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "remote_addr": "192.0.2.1",
        "request_method": "GET",
        "request_uri": "/",
        "status": "200",
    }
    record.update(fields)
    return record


def events_frame(rows: list[dict]) -> pl.DataFrame:
    """A small hand-built event frame: unspecified columns are null, file/line filled in order."""
    filled = []
    for index, row in enumerate(rows):
        base = {
            "file": "f.log",
            "line": index + 1,
            "file_rank": 0,
            "service": "app",
            "raw": "{}",
            "ts_whole_seconds": False,
        }
        base.update(row)
        filled.append(base)
    frame = pl.DataFrame(filled, infer_schema_length=None)
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c)
        for c, dtype in EVENT_SCHEMA.items()
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def run():
    """Invoke the CLI; returns click's Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of sample_logs/ (tests that need to look at evidence safety use the original)."""
    target = tmp_path / "sample_logs"
    shutil.copytree(SAMPLE_LOGS, target)
    return target


def rows_of(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def chdir(path):
    return _Chdir(path)


class _Chdir:
    def __init__(self, path):
        self.path, self.old = path, None

    def __enter__(self):
        self.old = os.getcwd()
        os.chdir(self.path)

    def __exit__(self, *exc):
        os.chdir(self.old)


@pytest.fixture
def parse_counter(monkeypatch) -> list[str]:
    """The names (basenames) of the files the loader actually reads and parses, alone or batched with
    other small files, in the order they are parsed."""
    from forensics_cli import load as load_module

    calls: list[str] = []
    alone, together = load_module.parse_file, load_module.parse_small_files

    def one(candidate, *args, **kwargs):
        calls.append(os.path.basename(candidate.path))
        return alone(candidate, *args, **kwargs)

    def many(files, *args, **kwargs):
        calls.extend(os.path.basename(candidate.path) for candidate, _, _ in files)
        return together(files, *args, **kwargs)

    monkeypatch.setattr(load_module, "parse_file", one)
    monkeypatch.setattr(load_module, "parse_small_files", many)
    return calls
