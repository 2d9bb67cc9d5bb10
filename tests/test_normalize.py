"""Parsing and normalization: every supported format lands in the one event schema."""

from datetime import UTC, datetime

import polars as pl
import pytest

from forensics_cli.formats import FieldMapError, load_field_map
from forensics_cli.load import LoadOptions, load
from forensics_cli.timeparse import parse_user_time, timestamp_exprs
from tests.conftest import REALWORLD, write_log


def _events(tmp_path, lines, name="svc/app.log", **options):
    write_log(tmp_path / name, lines)
    result = load([str(tmp_path)], LoadOptions(use_cache=False, **options))
    return result.events.collect().sort("line"), result


def test_seed_format_request_and_auth_events(tmp_path):
    events, _ = _events(
        tmp_path,
        [
            {
                "time": "2026-11-18 10:23:45,123",
                "level": "INFO",
                "message": {
                    "request_id": "r1",
                    "method": "post",
                    "path": "/api/login",
                    "query": "a=1",
                    "ip": "10.0.0.1",
                    "user_agent": "curl/8",
                    "user_id": 42,
                },
            },
            {
                "time": "2026-11-18 10:23:45,200",
                "level": "WARNING",
                "message": {
                    "event_type": "authentication",
                    "success": False,
                    "user_id": "bob",
                    "reason": "invalid_password",
                },
            },
            {"time": "2026-11-18 10:23:46,000", "level": "INFO", "message": "plain text message"},
        ],
    )
    first, auth, text = events.to_dicts()
    assert first["ts"] == datetime(2026, 11, 18, 10, 23, 45, 123000, tzinfo=UTC)
    assert (first["request_id"], first["method"], first["path"], first["query"]) == (
        "r1",
        "POST",
        "/api/login",
        "a=1",
    )
    assert (first["ip"], first["user"], first["user_agent"]) == ("10.0.0.1", "42", "curl/8")
    assert (auth["event"], auth["outcome"], auth["user"], auth["reason"]) == (
        "authentication",
        "failure",
        "bob",
        "invalid_password",
    )
    assert text["event"] == "plain text message" and text["level"] == "info"


def test_structlog_audit_event(tmp_path):
    events, _ = _events(
        tmp_path,
        [
            {
                "event": "audit_event",
                "timestamp": "2026-11-18T10:00:00.5Z",
                "level": "info",
                "request_id": "r9",
                "status_code": 201,
                "action": "role_change",
                "target": "users/bob",
                "user": "alice",
            }
        ],
    )
    row = events.row(0, named=True)
    assert (row["event"], row["status"], row["action"], row["target"], row["user"]) == (
        "audit_event",
        201,
        "role_change",
        "users/bob",
        "alice",
    )


def test_nginx_escape_json_access_log(tmp_path):
    events, _ = _events(
        tmp_path,
        [
            {
                "time_iso8601": "2026-11-18T10:00:01+01:00",
                "remote_addr": "203.0.113.9",
                "request_method": "GET",
                "request_uri": "/api/x?token=abc",
                "status": "401",
                "http_x_request_id": "gw-1",
                "http_user_agent": "Mozilla",
                "request_time": "0.250",
            }
        ],
    )
    row = events.row(0, named=True)
    assert row["ts"] == datetime(2026, 11, 18, 9, 0, 1, tzinfo=UTC)
    assert row["ts_whole_seconds"] is True
    assert (row["status"], row["path"], row["query"], row["request_id"]) == (
        401,
        "/api/x",
        "token=abc",
        "gw-1",
    )
    assert row["duration_ms"] == pytest.approx(250.0)


def test_kubernetes_audit_and_ecs(tmp_path):
    events, _ = _events(
        tmp_path,
        [
            (REALWORLD / "falcosecurity-falco__k8s_audit-anonymous_creates_namespace_foo.json")
            .read_text()
            .strip(),
            {
                "@timestamp": "2026-11-18T10:00:00.000Z",
                "source": {"ip": "198.51.100.7"},
                "user": {"name": "eve"},
                "http": {"request": {"method": "POST"}, "response": {"status_code": 403}},
                "url": {"path": "/admin"},
                "trace": {"id": "t-1"},
                "event": {"outcome": "failure", "action": "login"},
            },
        ],
    )
    k8s, ecs = events.to_dicts()
    assert (k8s["request_id"], k8s["user"], k8s["ip"], k8s["status"], k8s["path"]) == (
        "841d3e6d-90d2-43df-8da4-684738bee3d5",
        "system:anonymous",
        "192.168.99.1",
        201,
        "/api/v1/namespaces",
    )
    assert (
        ecs["ip"],
        ecs["user"],
        ecs["method"],
        ecs["status"],
        ecs["path"],
        ecs["request_id"],
        ecs["outcome"],
    ) == ("198.51.100.7", "eve", "POST", 403, "/admin", "t-1", "failure")


@pytest.mark.parametrize(
    "key", ["request_id", "requestId", "request-id", "x_request_id", "correlation_id", "trace_id"]
)
def test_request_id_aliases(tmp_path, key):
    events, _ = _events(tmp_path, [{key: "abc", "ts": 1_763_460_000}])
    assert events["request_id"].to_list() == ["abc"]


def test_traceparent_header_yields_the_trace_id(tmp_path):
    events, _ = _events(
        tmp_path, [{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}]
    )
    assert events["request_id"].to_list() == ["4bf92f3577b34da6a3ce929d0e0e4736"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-18T10:23:45Z", datetime(2026, 11, 18, 10, 23, 45, tzinfo=UTC)),
        ("2026-11-18T10:23:45.123456789+02:00", datetime(2026, 11, 18, 8, 23, 45, 123456, tzinfo=UTC)),
        ("2026-11-18 10:23:45,123", datetime(2026, 11, 18, 10, 23, 45, 123000, tzinfo=UTC)),
        ("18/Nov/2026:10:23:45 +0000", datetime(2026, 11, 18, 10, 23, 45, tzinfo=UTC)),
        ("1763461425", datetime(2025, 11, 18, 10, 23, 45, tzinfo=UTC)),
        ("1763461425123", datetime(2025, 11, 18, 10, 23, 45, 123000, tzinfo=UTC)),
        ("1763461425123456", datetime(2025, 11, 18, 10, 23, 45, 123456, tzinfo=UTC)),
        ("1763461425123456789", datetime(2025, 11, 18, 10, 23, 45, 123456, tzinfo=UTC)),
        ("1716723772.6014807", datetime(2024, 5, 26, 11, 42, 52, 601481, tzinfo=UTC)),
    ],
)
def test_timestamp_formats(raw, expected):
    parsed, _ = timestamp_exprs(pl.col("t"))
    assert pl.DataFrame({"t": [raw]}).select(parsed).item() == expected


def test_naive_timestamps_are_read_in_the_given_zone(tmp_path):
    events, _ = _events(tmp_path, [{"time": "2026-07-01 12:00:00,000"}], tz="Europe/Berlin")
    assert events["ts"].item() == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert parse_user_time("2026-07-01 12:00", "Europe/Berlin") == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_unusual_timestamp_falls_back_to_dateutil(tmp_path):
    events, _ = _events(tmp_path, [{"time": "Wed, 18 Nov 2026 10:23:45 GMT"}])
    assert events["ts"].item() == datetime(2026, 11, 18, 10, 23, 45, tzinfo=UTC)


def test_field_map_maps_an_unknown_format(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('user = "actor.login"\nrequest_id = ["ctx.rid"]\nts = "when"\nservice = "svc"\n')
    path = write_log(
        tmp_path / "logs" / "odd.log",
        [
            {
                "when": "2026-11-18T10:00:00Z",
                "actor": {"login": "kim"},
                "ctx": {"rid": "R-7"},
                "svc": "billing",
            }
        ],
    )
    result = load([str(path)], LoadOptions(user_format=load_field_map(mapping), use_cache=False))
    row = result.events.collect().row(0, named=True)
    assert (row["user"], row["request_id"], row["service"]) == ("kim", "R-7", "billing")
    assert row["ts"] == datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_field_map_errors_name_the_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "x"\n')
    with pytest.raises(FieldMapError, match="unknown field 'colour'"):
        load_field_map(bad)


def test_type_conflicts_between_lines_do_not_abort_the_file(tmp_path):
    events, result = _events(
        tmp_path,
        [
            {"time": "2026-11-18 10:00:00,000", "message": {"request_id": "a", "status": 200}},
            {"time": "2026-11-18 10:00:01,000", "message": "text", "user": {"name": "x"}},
            {"time": "2026-11-18 10:00:02,000", "message": {"request_id": "b", "status": "404"}, "user": "y"},
        ]
        * 120,
    )
    assert result.reports[0].parsed == 360 and result.reports[0].rejected == 0
    assert events.filter(pl.col("request_id") == "b")["status"].unique().to_list() == [404]
    assert set(events["user"].drop_nulls().to_list()) == {"x", "y"}


def test_every_realworld_sample_parses_with_a_timestamp():
    result = load([str(REALWORLD)], LoadOptions(use_cache=False))
    logs = [r for r in result.reports if r.status != "not_a_log"]
    assert {r.status for r in logs} == {"ok"}
    assert all(r.rejected == 0 for r in logs)
    events = result.events.collect()
    with_time = events.filter(pl.col("ts").is_not_null())["file"].unique().to_list()
    # every sample gets its time, the OTel export too (its first record's timeUnixNano)
    assert {f.split("/")[-1] for f in with_time} == {r.file.split("/")[-1] for r in logs}
    otel = events.filter(pl.col("file").str.contains("otel")).row(0, named=True)
    assert otel["ts"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert otel["request_id"] == "5b8aa5a2d2c872e8321cf37308d69df2"
    caddy = events.filter(pl.col("file").str.contains("caddy")).row(0, named=True)
    assert (caddy["method"], caddy["status"], caddy["ip"]) == ("GET", 200, "10.10.10.117")
    caddy_sizes = events.filter(pl.col("file").str.contains("caddy"))["bytes_sent"].to_list()
    assert caddy_sizes == [3768, 446, 246357, 1577]  # Caddy's `size`, the response body
    others = events.filter(~pl.col("file").str.contains("caddy"))["bytes_sent"]
    assert others.null_count() == others.len()  # no other sample logs a response size
    bunyan = events.filter(pl.col("file").str.contains("withreq") & pl.col("status").is_not_null()).row(
        0, named=True
    )
    assert (bunyan["request_id"], bunyan["status"], bunyan["method"]) == (
        "cce79d15-ffc2-487c-a4e4-e940bdaac31e",
        200,
        "HEAD",
    )


def test_absurd_timestamps_are_missing_not_fatal(tmp_path):
    events, result = _events(
        tmp_path,
        [
            {"ts": "999999999999999999999"},
            {"time": "45000-01-01T00:00:00Z"},
            {"time": "2026-11-18T10:00:00Z"},
        ],
    )
    assert result.reports[0].parsed == 3
    assert events["ts"].null_count() == 2 and result.reports[0].first_ts is not None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Wed, 18 Nov 2026 10:00:00 GMT", datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        ("Wed, 18 Nov 2026 11:00:00 +0100", datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        ("18/Nov/2026:10:00:00 +0000", datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        ("2026-11-18T10:00:00.123456789Z", datetime(2026, 11, 18, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-18T10:00:00Z", datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        ("1795000000123", datetime(2026, 11, 18, 11, 6, 40, 123000, tzinfo=UTC)),
    ],
)
def test_real_timestamp_spellings(raw, expected):
    from forensics_cli.timeparse import parse_timestamps

    parsed, _ = parse_timestamps(pl.Series([raw]))
    assert parsed.to_list() == [expected]


def test_every_odd_timestamp_is_parsed_not_only_the_first_ten_thousand():
    from forensics_cli.timeparse import parse_timestamps

    # "18 November 2026 10:00:01" needs python-dateutil; 12,000 distinct such values
    values = [
        f"18 November 2026 {h:02d}:{m:02d}:{s:02d}" for h in range(4) for m in range(60) for s in range(50)
    ]
    parsed, _ = parse_timestamps(pl.Series(values))
    assert parsed.null_count() == 0 and len(values) == 12_000


@pytest.mark.parametrize(
    "written,read",
    [
        ("3064", 3064),
        (3064, 3064),
        ("0", 0),
        ("-1", None),
        ("1e300", None),
        ("12.5", None),
        ("-", None),
        ("abc", None),
    ],
)
def test_bytes_sent_is_a_whole_count_or_nothing(tmp_path, written, read):
    events, _ = _events(
        tmp_path, [{"time_iso8601": "2026-11-18T10:00:00+00:00", "status": "200", "body_bytes_sent": written}]
    )
    assert events["bytes_sent"].to_list() == [read]
