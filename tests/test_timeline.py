"""`apiforensics timeline`: one request (or actor) across services and rotated files."""

import csv
import io
import json

import polars as pl

from forensics_cli.analyses.timeline import Selection, build_timeline
from tests.conftest import at, events_frame, nginx_line, rows_of, seed_line, write_log

SPEC_COLUMNS = [
    "timestamp",
    "offset_ms",
    "service",
    "file",
    "line",
    "event",
    "method",
    "path",
    "status",
    "ip",
    "user",
    "detail",
]


def _incident(tmp_path):
    logs = tmp_path / "logs"
    # the request starts at the end of api-audit.log.3.gz and finishes in api-audit.log.2.gz
    write_log(
        logs / "app" / "api-audit.log.3.gz",
        [
            seed_line(at(0), event_type="request_started", request_id="other", path="/x"),
            seed_line(
                at(10),
                event_type="request_started",
                request_id="REQ-1",
                method="POST",
                path="/api/login",
                ip="203.0.113.5",
                user_id="alice",
            ),
        ],
        gz=True,
    )
    write_log(
        logs / "app" / "api-audit.log.2.gz",
        [
            seed_line(
                at(10.05),
                event_type="authentication",
                request_id="REQ-1",
                success=False,
                user_id="alice",
                reason="invalid_password",
            ),
            seed_line(
                at(10.1),
                event_type="request_finished",
                request_id="REQ-1",
                method="POST",
                path="/api/login",
                status=401,
                duration_ms=12.4,
                ip="203.0.113.5",
                user_id="alice",
            ),
            seed_line(
                at(30),
                event_type="request_started",
                request_id="REQ-2",
                path="/api/me",
                ip="203.0.113.5",
                user_id="alice",
            ),
        ],
        gz=True,
    )
    write_log(
        logs / "gateway" / "access.log",
        [
            nginx_line(
                at(10),
                http_x_request_id="REQ-1",
                remote_addr="203.0.113.5",
                request_method="POST",
                request_uri="/api/login",
                status="401",
            ),
            # the ID only appears inside a referer: not this request
            nginx_line(at(20), http_x_request_id="REQ-9", http_referer="https://x/?from=REQ-1"),
            nginx_line(at(5), http_x_request_id="REQ-0", remote_addr="203.0.113.5", request_uri="/probe"),
        ],
    )
    return logs


def test_request_across_rotation_and_services_in_order(tmp_path, run):
    result = run("timeline", "--request-id", "REQ-1", "--format", "jsonl", "-q", _incident(tmp_path))
    assert result.exit_code == 0
    rows = rows_of(result)
    assert [(r["service"], r["file"].split("/")[-1], r["line"]) for r in rows] == [
        ("app", "api-audit.log.3.gz", 2),
        ("gateway", "access.log", 1),
        ("app", "api-audit.log.2.gz", 1),
        ("app", "api-audit.log.2.gz", 2),
    ]
    assert [r["offset_ms"] for r in rows] == [0.0, 0.0, 50.0, 100.0]
    assert rows[2]["detail"] == "auth failure: invalid_password"
    assert rows[3]["detail"] == "401 POST /api/login 12 ms"
    assert "time to the second" in rows[1]["detail"]  # nginx: whole seconds, said not invented


def test_substring_elsewhere_is_not_a_match_but_grep_finds_it(tmp_path, run):
    logs = _incident(tmp_path)
    exact = rows_of(run("timeline", "--request-id", "REQ-1", "--format", "jsonl", "-q", logs))
    assert all(r["line"] != 2 or r["service"] != "gateway" for r in exact)
    grep = rows_of(run("timeline", "--grep", "from=REQ-1", "--format", "jsonl", "-q", logs))
    assert [(r["service"], r["line"]) for r in grep] == [("gateway", 2)]


def test_ip_and_user_pivots(tmp_path, run):
    logs = _incident(tmp_path)
    by_ip = rows_of(run("timeline", "--ip", "203.0.113.5", "--format", "jsonl", "-q", logs))
    assert [r["line"] for r in by_ip if r["service"] == "gateway"] == [3, 1]
    by_user = rows_of(
        run("timeline", "--user", "alice", "--since", "2026-11-18T10:00:20Z", "--format", "jsonl", "-q", logs)
    )
    assert [r["detail"] for r in by_user] == ["request_started /api/me"]


def test_context_adds_the_same_actor_around_the_request(tmp_path, run):
    rows = rows_of(
        run(
            "timeline",
            "--request-id",
            "REQ-1",
            "--context",
            "30s",
            "--format",
            "jsonl",
            "-q",
            _incident(tmp_path),
        )
    )
    context = [r for r in rows if r["role"] == "context"]
    assert {r["line"] for r in context if r["service"] == "gateway"} == {3}  # the probe 5 s before
    assert any(r["detail"] == "request_started /api/me" for r in context)  # REQ-2, 20 s after
    probe = next(r for r in context if r["service"] == "gateway")
    assert probe["offset_ms"] == -5000.0


def test_unknown_id_exits_1_with_a_hint(tmp_path, run):
    result = run("timeline", "--request-id", "REQ-7", _incident(tmp_path))
    assert result.exit_code == 1
    assert "no event matched" in result.stderr and "REQ-0" in result.stderr


def test_machine_formats_have_the_spec_columns(tmp_path, run):
    logs = _incident(tmp_path)
    as_json = json.loads(run("timeline", "--request-id", "REQ-1", "--format", "json", "-q", logs).stdout)
    as_csv = list(
        csv.reader(
            io.StringIO(run("timeline", "--request-id", "REQ-1", "--format", "csv", "-q", logs).stdout)
        )
    )
    as_jsonl = rows_of(run("timeline", "--request-id", "REQ-1", "--format", "jsonl", "-q", logs))
    assert list(as_json[0])[:12] == SPEC_COLUMNS
    assert as_csv[0][:12] == SPEC_COLUMNS
    assert list(as_jsonl[0])[:12] == SPEC_COLUMNS
    assert as_json[0]["timestamp"] == "2026-11-18T10:00:10.000000Z"
    assert len(as_csv) - 1 == len(as_json) == len(as_jsonl) == 4


def test_table_view_has_a_header_panel(tmp_path, run):
    result = run("timeline", "--request-id", "REQ-1", "-q", _incident(tmp_path))
    assert "final status" in result.stdout and "401" in result.stdout
    assert "app, gateway" in result.stdout and "auth failures" in result.stdout


def test_ties_break_by_rotation_then_line():
    frame = events_frame(
        [
            {"ts": at(1), "request_id": "r", "file": "b.log", "file_rank": 2, "line": 1},
            {"ts": at(1), "request_id": "r", "file": "a.log", "file_rank": 1, "line": 9},
            {"ts": at(1), "request_id": "r", "file": "a.log", "file_rank": 1, "line": 3},
            {"ts": None, "request_id": "r", "file": "a.log", "file_rank": 1, "line": 1},
        ]
    )
    rows = build_timeline(frame, Selection(request_ids=["r"]))
    assert rows.select("file", "line").rows() == [("a.log", 3), ("a.log", 9), ("b.log", 1), ("a.log", 1)]
    assert rows["detail"].null_count() == 0 and rows.height == 4
    assert rows.filter(pl.col("timestamp").is_null())["offset_ms"].to_list() == [None]
