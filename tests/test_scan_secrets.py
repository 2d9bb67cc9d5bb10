"""`scan-secrets` end to end: every location, no re-leak, exposure, allowlist, baseline, sanitized copy."""

import base64
import gzip
import json

from forensics_cli import samples
from tests.conftest import SAMPLE_LOGS, at, rows_of, seed_line, write_log

BASIC = base64.b64encode(b"ops:Tr0ub4dor&3xyz").decode()
PLANTED = {
    "header": ("Bearer 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", "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"),
    "basic": (f"Basic {BASIC}", BASIC),
}


def _logs(tmp_path):
    logs = tmp_path / "logs"
    write_log(
        logs / "app" / "api.log.1.gz",
        [
            seed_line(
                at(0),
                request_id="r1",
                ip="192.0.2.1",
                user_id="ann",
                headers={"Authorization": PLANTED["header"][0]},
            ),
            seed_line(at(1), request_id="r2", headers={"Cookie": "lang=en; session_id=Zq8mN3pL5xV7cB2n"}),
        ],
        gz=True,
    )
    write_log(
        logs / "app" / "api.log",
        [
            seed_line(at(2), request_id="r3", query="user=ann&password=Pa%24%24w0rd-2026"),
            seed_line(at(3), request_id="r4", body={"card_number": "4111-1111-1111-1111", "cvv": "737"}),
            seed_line(at(4), request_id="r5", callback="https://svc:Hidd3nP4ss@internal.example/hook"),
            seed_line(at(5), request_id="r6", headers={"authorization": PLANTED["basic"][0]}),
            "Traceback (most recent call last):",
            "  botocore: using key AKIAQ3EGRIBLV4W7XK2M",
        ],
    )
    return logs


SECRETS = [
    "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",
    "Zq8mN3pL5xV7cB2n",
    "Pa$$w0rd-2026",
    "Pa%24%24w0rd-2026",
    "4111-1111-1111-1111",
    "4111111111111111",
    "Hidd3nP4ss",
    BASIC,
    "Tr0ub4dor&3xyz",
    "AKIAQ3EGRIBLV4W7XK2M",
]


def test_every_location_is_found_with_evidence(tmp_path, run):
    result = run("scan-secrets", "--format", "jsonl", "-q", _logs(tmp_path))
    assert result.exit_code == 1
    found = {(r["rule"], r["field"], r["file"].split("/")[-1], r["line"]) for r in rows_of(result)}
    assert found == {
        ("github_token", "message.headers.Authorization", "api.log.1.gz", 1),
        ("session_cookie", "message.headers.Cookie.session_id", "api.log.1.gz", 2),
        ("sensitive_field", "message.query?password", "api.log", 1),
        ("card_number", "message.body.card_number", "api.log", 2),
        ("sensitive_field", "message.body.cvv", "api.log", 2),
        ("url_credentials", "message.callback", "api.log", 3),
        ("basic_auth", "message.headers.authorization", "api.log", 4),
        ("aws_access_key_id", "", "api.log", 6),
    }
    rows = {r["rule"]: r for r in rows_of(result)}
    assert (
        rows["card_number"]["severity"] == "critical"
        and rows["card_number"]["redacted"] == "411111******1111"
    )
    assert rows["github_token"]["request_id"] == "r1" and rows["github_token"]["ip"] == "192.0.2.1"
    assert rows["aws_access_key_id"]["timestamp"] == "2026-11-18T10:00:05.000000Z"  # the line before it


def test_no_planted_secret_appears_in_any_output(tmp_path, run):
    logs = _logs(tmp_path)
    outputs = []
    for fmt in ("table", "csv", "json", "jsonl"):
        result = run("scan-secrets", "--format", fmt, logs)
        outputs += [result.stdout, result.stderr]
        result = run("scan-secrets", "--group", "--format", fmt, logs)
        outputs += [result.stdout, result.stderr]
    outputs.append(run("ingest", logs).stdout)
    outputs.append(run("timeline", "--grep", "a", "--raw", "--format", "jsonl", logs).stdout)
    report = tmp_path / "report.csv"
    run("scan-secrets", "-q", "-o", report, logs)
    outputs.append(report.read_text())
    leaked = [s for s in SECRETS for text in outputs if s in text]
    assert leaked == []


def test_show_secrets_is_the_explicit_opt_in(tmp_path, run):
    rows = rows_of(run("scan-secrets", "--show-secrets", "--format", "jsonl", "-q", _logs(tmp_path)))
    assert "AKIAQ3EGRIBLV4W7XK2M" in {r["secret"] for r in rows}


def test_group_reports_exposure_per_secret(tmp_path, run):
    logs = tmp_path / "logs"
    token = "glpat-Ab3dEf6hIj9kLm2nOp5q"
    write_log(logs / "svc" / "x.log.1", [seed_line(at(0), request_id="a", ip="10.0.0.1", note=token)])
    write_log(
        logs / "svc" / "x.log",
        [
            seed_line(at(60), request_id="b", ip="10.0.0.2", note=token),
            seed_line(at(61), note="sk_test_4eC39HqLyjWDarjtT1zdp7dc9"),
        ],
    )
    write_log(
        logs / "old" / "y.log.2.gz", [seed_line(at(-60), note="sk_test_4eC39HqLyjWDarjtT1zdp7dc9")], gz=True
    )
    rows = {r["rule"]: r for r in rows_of(run("scan-secrets", "--group", "--format", "jsonl", "-q", logs))}
    gitlab = rows["gitlab_token"]
    assert (gitlab["occurrences"], gitlab["files"], gitlab["request_ids"], gitlab["ips"]) == (
        2,
        2,
        2,
        "10.0.0.1;10.0.0.2",
    )
    assert gitlab["first_seen"].startswith("2026-11-18T10:00:00") and gitlab["still_present"] is True
    assert rows["stripe_test_key"]["occurrences"] == 2


def test_allowlist_and_baseline_survive_rotation(tmp_path, run):
    logs = _logs(tmp_path)
    baseline = tmp_path / "baseline.json"
    run("scan-secrets", "-q", "-o", baseline, logs)
    # rotation: every file shifts one number up, and new lines arrive
    (logs / "app" / "api.log").rename(logs / "app" / "api.log.1")
    (logs / "app" / "api.log.1.gz").rename(logs / "app" / "api.log.2.gz")
    write_log(
        logs / "app" / "api.log", [seed_line(at(9), note="xoxb-123456789012-1234567890123-AbCdEfGhIjKl")]
    )
    fresh = rows_of(run("scan-secrets", "--baseline", baseline, "--format", "jsonl", "-q", logs))
    assert [r["rule"] for r in fresh] == ["slack-bot-token"]
    allow = tmp_path / "allow.toml"
    allow.write_text('[[allow]]\nrule = "slack-bot-token"\n\n[[allow]]\nfield = "message.body.*"\n')
    allowed = rows_of(run("scan-secrets", "--allowlist", allow, "--format", "jsonl", "-q", logs))
    assert {r["rule"] for r in allowed} == {
        "github_token",
        "session_cookie",
        "sensitive_field",
        "url_credentials",
        "basic_auth",
        "aws_access_key_id",
    }
    assert all(not r["field"].startswith("message.body") for r in allowed)


def test_sanitized_copy_round_trip(tmp_path, run):
    logs = _logs(tmp_path)
    before = {p: p.read_bytes() for p in logs.rglob("*") if p.is_file()}
    out = tmp_path / "clean"
    assert run("scan-secrets", "-q", "--write-sanitized", out, logs).exit_code == 1
    assert {p: p.read_bytes() for p in logs.rglob("*") if p.is_file()} == before  # input untouched
    copies = sorted(p for p in out.rglob("*") if p.is_file())
    assert [p.name for p in copies] == ["api.log", "api.log.1.gz"]
    gz = next(p for p in copies if p.suffix == ".gz")
    assert gz.read_bytes()[:2] == b"\x1f\x8b"  # still gzip
    text = (
        gzip.decompress(gz.read_bytes()).decode() + next(p for p in copies if p.suffix != ".gz").read_text()
    )
    for line in text.splitlines():
        if line.startswith("{"):
            json.loads(line)  # still valid JSON
    assert "[REDACTED:github_token:" in text
    assert not any(s in text for s in SECRETS)
    assert run("scan-secrets", "-q", out).exit_code == 0  # scanning the copy finds nothing


def test_sample_logs_show_the_planted_secrets_masked(run):
    result = run("scan-secrets", "--format", "jsonl", "-q", SAMPLE_LOGS)
    rules = {r["rule"] for r in rows_of(result)}
    assert {"github_token", "card_number", "aws_access_key_id", "sensitive_field"} <= rules
    for secret in (samples.LEAKED_GITHUB_TOKEN, samples.LEAKED_PASSWORD, samples.LEAKED_AWS_KEY):
        assert secret not in result.stdout


def test_digit_runs_of_request_ids_are_not_cards_but_a_card_beside_one_is_found(tmp_path, run):
    import polars as pl

    from forensics_cli.secrets.scan import candidate_filter_on

    uuid_with_digits = "43ac2965-ce45-8471-5433-678816103a8d"  # 8471-5433-678816103: card-like digits
    lines = [
        json.dumps({"request_id": uuid_with_digits, "path": "/api/cart"}),
        json.dumps({"request_id": uuid_with_digits, "note": "paid with 4111 1111 1111 1111"}),
    ]
    frame = pl.DataFrame({"raw": lines})
    assert frame.select(candidate_filter_on("raw"))["raw"].to_list() == [True, True]  # the cheap pass
    assert frame.select(candidate_filter_on("raw", skip_uuids=True))["raw"].to_list() == [False, True]
    write_log(tmp_path / "logs" / "app.log", lines)
    rows = rows_of(run("scan-secrets", "--format", "jsonl", "-q", tmp_path / "logs"))
    assert [(r["rule"], r["line"], r["redacted"]) for r in rows] == [("card_number", 2, "411111******1111")]
