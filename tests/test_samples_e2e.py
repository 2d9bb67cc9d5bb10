"""End to end on sample_logs/: what `make demo` shows, the planted incidents (docs/samples.md)."""

from forensics_cli import samples
from tests.conftest import SAMPLE_LOGS, rows_of


def test_ingest_reports_the_damage(run):
    result = run("ingest", "--format", "jsonl", SAMPLE_LOGS)
    assert result.exit_code == 1
    rows = {r["file"].removeprefix(str(SAMPLE_LOGS) + "/"): r for r in rows_of(result)}
    assert rows["app/api-audit.log.3.gz"]["status"] == "truncated"
    assert rows["app/api-audit.log"]["status"] == "truncated"  # live file, last line half-written
    assert rows["app/api-audit.log.1"]["rejected"] == 4  # the traceback
    assert [r.split("/")[-1] for r in rows if r.startswith("gateway/")] == [
        "access.log-20261116.gz",
        "access.log-20261117.gz",
        "access.log-20261118.gz",
        "access.log",
    ]


def test_bruteforce_finds_the_compromise_and_the_spray(run):
    rows = rows_of(run("bruteforce", "--format", "jsonl", "-q", SAMPLE_LOGS))
    assert [(r["kind"], r["severity"], r["ips"]) for r in rows] == [
        ("brute_force", "critical", samples.BRUTE_IP),
        ("password_spray", "high", samples.SPRAY_IP),
    ]
    assert rows[0]["users"] == samples.BRUTE_USER and rows[0]["succeeded"] is True
    assert rows[0]["failures"] == 40 and rows[1]["distinct_users"] == 30
    who = [rows[0][c] for c in ("success_user", "success_ip", "success_line", "window")]
    assert who == [samples.BRUTE_USER, samples.BRUTE_IP, 1902, "2m"]
    assert rows[0]["success_file"].endswith("sample_logs/app/api-audit.log.1")
    assert [r["success_user"] for r in rows[1:]] == [None]  # the spray got nowhere


def test_timeline_of_the_compromising_request(run):
    result = run(
        "timeline", "--request-id", samples.COMPROMISE_REQUEST, "--format", "jsonl", "-q", SAMPLE_LOGS
    )
    rows = rows_of(result)
    assert result.exit_code == 0
    assert [r["service"] for r in rows] == ["app", "gateway", "app", "app", "worker"]
    assert rows[-1]["detail"] == "audit role_change users/bob → role=admin"


def test_gaps_shows_the_planted_gap_rotation_and_truncation(run):
    rows = rows_of(run("gaps", "--format", "jsonl", "-q", SAMPLE_LOGS))
    kinds = {(r["kind"], r["service"]) for r in rows}
    assert {("missing_rotation", "app"), ("time_gap", "app"), ("truncated_file", "app")} <= kinds
    gap = next(r for r in rows if r["kind"] == "time_gap")
    assert gap["start"].startswith("2026-11-18T09:5") and "gateway logged" in gap["detail"]
    assert sum(r["kind"] == "time_gap" for r in rows) == 1


def test_help_lists_every_command(run):
    result = run("--help")
    for command in ("ingest", "timeline", "bruteforce", "takeover", "scan-secrets", "gaps", "cache"):
        assert command in result.stdout
    assert run("--version").stdout.startswith("apiforensics, version ")
