"""`apiforensics ingest`: the per-file health report and the event export."""

import gzip
import json

import duckdb
import polars as pl

from tests.conftest import at, rows_of, seed_line, write_log

INGEST_COLUMNS = [
    "file",
    "service",
    "compression",
    "lines",
    "parsed",
    "rejected",
    "first_ts",
    "last_ts",
    "status",
    "sha256",
]


def _messy(tmp_path):
    logs = tmp_path / "logs"
    good = write_log(
        logs / "api-audit.log.2.gz", [seed_line(at(i), request_id=f"r{i}") for i in range(300)], gz=True
    )
    data = good.read_bytes()
    good.write_bytes(data[: len(data) * 2 // 3])  # truncated gzip
    write_log(
        logs / "api-audit.log.1",
        [
            seed_line(at(400), request_id="x"),
            "Traceback (most recent call last):",
            '  File "app.py", line 3, in <module>',
            "ValueError: boom",
            seed_line(at(401), request_id="y"),
        ],
    )
    (logs / "api-audit.log").write_bytes(b'{"time": "2026-11-18 10:10:00,000", "user": "caf\xe9"}\n')
    (logs / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    return logs


def test_messy_directory_reports_each_problem_with_exit_1(tmp_path, run):
    logs = _messy(tmp_path)
    result = run("ingest", "--format", "jsonl", logs)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    rows = {r["file"].split("/")[-1]: r for r in rows_of(result)}
    assert list(rows["api-audit.log.1"].keys())[:10] == INGEST_COLUMNS
    assert rows["api-audit.log.2.gz"]["status"] == "truncated"
    assert 0 < rows["api-audit.log.2.gz"]["parsed"] < 300
    assert (rows["api-audit.log.1"]["rejected"], rows["api-audit.log.1"]["parsed"]) == (3, 2)
    assert rows["api-audit.log"]["status"] == "ok" and "bad UTF-8" in rows["api-audit.log"]["reason"]
    assert rows["image.png"]["status"] == "not_a_log"
    # rotation order: oldest first
    assert [r["file"].split("/")[-1] for r in rows_of(result) if r["service"] == "api-audit"] == [
        "api-audit.log.2.gz",
        "api-audit.log.1",
        "api-audit.log",
    ]
    assert "truncated" in result.stderr and "3 lines rejected" in result.stderr
    assert rows["api-audit.log.1"]["first_ts"].endswith("Z")


def test_clean_directory_exits_0_with_sha256_of_stored_bytes(tmp_path, run):
    import hashlib

    path = write_log(tmp_path / "a.log.gz", [seed_line(at(1), request_id="a")], gz=True)
    result = run("ingest", "--format", "json", tmp_path)
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)
    assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["compression"] == "gzip"


def test_rejects_file_lists_every_rejected_line_with_secrets_masked(tmp_path, run):
    logs = _messy(tmp_path)
    write_log(logs / "worker.log", [seed_line(at(5)), "db password=Zx9kLm2Qw7rTT5 failed"])
    out = tmp_path / "rejects.jsonl"
    run("ingest", "-q", "--rejects", out, logs)
    rejects = [json.loads(x) for x in out.read_text().splitlines()]
    assert {(r["file"].split("/")[-1], r["line"]) for r in rejects} >= {
        ("api-audit.log.1", 2),
        ("api-audit.log.1", 3),
        ("api-audit.log.1", 4),
        ("worker.log", 2),
    }
    assert "Zx9kLm2Qw7rTT5" not in out.read_text()


def test_events_export_round_trips_through_duckdb(tmp_path, run):
    write_log(
        tmp_path / "logs" / "gw" / "access.log",
        [
            {
                "time_iso8601": "2026-11-18T10:00:00+00:00",
                "remote_addr": "1.2.3.4",
                "status": "401",
                "request_uri": "/api/login",
                "http_x_request_id": "g1",
            }
        ],
    )
    write_log(tmp_path / "logs" / "app" / "app.log", [seed_line(at(0), request_id="g1", user_id="bob")])
    single = tmp_path / "events.parquet"
    hive = tmp_path / "export"
    assert run("ingest", "-q", "--events", single, tmp_path / "logs").exit_code == 0
    assert run("ingest", "-q", "--events", hive, tmp_path / "logs").exit_code == 0
    count = duckdb.sql(f"select count(*) from read_parquet('{single}') where request_id = 'g1'").fetchall()[
        0
    ][0]
    assert count == 2
    by_service = duckdb.sql(
        f"select service, day, count(*) from read_parquet('{hive}/**/*.parquet', hive_partitioning=true) "
        "group by all order by service"
    ).fetchall()
    assert [(s, str(d)) for s, d, _ in by_service] == [("app", "2026-11-18"), ("gw", "2026-11-18")]
    assert pl.read_parquet(single)["status"].drop_nulls().to_list() == [401]


def test_no_log_found_is_a_usage_error(tmp_path, run):
    (tmp_path / "notes.txt").write_text("hello\n")
    result = run("ingest", tmp_path)
    assert result.exit_code == 2
    assert "no log file found" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_path_is_a_usage_error(tmp_path, run):
    result = run("gaps", tmp_path / "nope")
    assert result.exit_code == 2 and "no such file or directory" in result.stderr


def test_apiforensics_logs_environment_variable_is_the_default(tmp_path, run, monkeypatch):
    write_log(tmp_path / "a" / "x.log", [seed_line(at(0))])
    write_log(tmp_path / "b" / "y.log.gz", [seed_line(at(1))], gz=True)
    monkeypatch.setenv("APIFORENSICS_LOGS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    result = run("ingest", "--format", "jsonl")
    assert sorted(r["file"].split("/")[-1] for r in rows_of(result)) == ["x.log", "y.log.gz"]


def test_gzip_bomb_is_streamed_not_expanded_in_memory(tmp_path, run):
    import resource

    bomb = tmp_path / "bomb.log.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        handle.write(b'{"a": 1}\n' * 20_000)  # looks like a log for its first 64 KB
        chunk = b"\x00" * (1 << 20)
        for _ in range(300):  # 300 MB of zeros in one line, ~300 KB compressed
            handle.write(chunk)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run("ingest", "--format", "jsonl", "--no-cache", tmp_path)
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    (row,) = rows_of(result)
    assert (row["parsed"], row["rejected"]) == (20_000, 1)
    assert growth_mb < 200


def test_ingest_names_a_log_whose_time_key_it_does_not_know(tmp_path):
    from click.testing import CliRunner

    from forensics_cli.cli import cli

    (tmp_path / "odd.log").write_text('{"when_it_happened": "2026-11-18T10:00:00Z", "user": "bob"}\n')
    (tmp_path / "unk.log").write_text('{"foo": 1, "bar": "x"}\n')
    result = CliRunner().invoke(cli, ["ingest", "--no-cache", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    rows = {row["file"].rsplit("/", 1)[-1]: row for row in __import__("json").loads(result.stdout)}
    assert rows["odd.log"]["status"] == "no_timestamps" and rows["unk.log"]["status"] == "unmapped"
    assert "odd.log: no_timestamps" in result.stderr
    assert "2 events without a time were not analysed" in result.stderr
