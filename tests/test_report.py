"""`apiforensics report`: one incident report of every analysis, as HTML, Markdown or JSON."""

import json
import re

import pytest

from tests.browser import find_or_install_chromium, load_page
from tests.conftest import SAMPLE_LOGS, at, rows_of, seed_line, write_log

SECTIONS = ("summary", "read", "attacks", "takeover", "secrets", "coverage")
HOSTILE_USER = '<script>alert(1)</script>"><img src=x onerror=alert(2)>|`x`*\x1b[31m\u202e'


def _hostile_logs(tmp_path):
    logs = tmp_path / "logs"
    lines = [
        seed_line(at(i), event_type="authentication", success=False, user_id=HOSTILE_USER, ip="203.0.113.9")
        for i in range(12)
    ]
    lines.append(
        seed_line(at(20), request_id="r1", note="token ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")
    )
    write_log(logs / "app" / "api.log", lines)
    return logs


def test_html_report_of_the_sample_logs_has_every_section_and_no_script(tmp_path, run):
    out = tmp_path / "case" / "incident.html"
    out.parent.mkdir()
    result = run("report", "-q", SAMPLE_LOGS, "-o", out)
    assert result.exit_code == 1  # the sample holds attacks, secrets and damage
    page = out.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert "<script" not in page.lower()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert re.findall(r'(?:src|href)="(?!data:)[^"]*"', page) == []  # nothing fetched: images are data: URIs
    assert "admin from 203.0.113.66" in page  # the takeover of the seed story
    assert "api-audit.log.1:1901" in page  # evidence as file:line
    assert re.findall(r"ghp_[A-Za-z0-9]{36}", page) == [] and "ghp_" in page  # the token is there, masked


def test_the_same_logs_give_the_same_report_bytes(tmp_path, run):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    run("report", "-q", SAMPLE_LOGS, "-o", first)
    run("report", "-q", SAMPLE_LOGS, "-o", second)
    assert first.read_bytes() == second.read_bytes()


def test_log_content_is_escaped_in_html_and_markdown(tmp_path, run):
    logs = _hostile_logs(tmp_path)
    run("report", "-q", logs, "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page and "\\x1b[31m" in page
    run("report", "-q", logs, "-o", tmp_path / "r.md")
    markdown = (tmp_path / "r.md").read_text()
    assert "<script>" not in markdown and "\\<script\\>alert(1)\\</script\\>" in markdown
    assert "\\|" in markdown and "\x1b" not in markdown
    assert "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" not in page + markdown


TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"


def _token_as_account(tmp_path):
    """Twelve failed logins of one address whose account name is a GitHub token (a key-based login)."""
    logs = tmp_path / "logs"
    failures = [
        seed_line(at(i), event_type="authentication", success=False, user_id=TOKEN, ip="203.0.113.7")
        for i in range(12)
    ]
    write_log(logs / "api.log", failures)
    return logs


def test_a_token_used_as_the_account_name_is_masked_in_every_report_format(tmp_path, run):
    logs = _token_as_account(tmp_path)
    for name in ("r.html", "r.md", "r.json"):
        assert run("report", "-q", logs, "-o", tmp_path / name).exit_code == 1
        text = (tmp_path / name).read_text()
        shown = text.replace("\\_", "_")  # Markdown escapes the underscore
        assert TOKEN not in shown and "ghp_Z9" in shown, name  # the episode is there, its account masked


def test_bruteforce_masks_a_token_used_as_the_account_name_in_every_format(tmp_path, run):
    logs = _token_as_account(tmp_path)
    for fmt in ("table", "csv", "jsonl"):
        result = run("bruteforce", "-q", "--format", fmt, "--wide", logs)
        assert result.exit_code == 1 and TOKEN not in result.stdout and "ghp_Z9" in result.stdout, fmt


def test_markdown_report_writes_its_charts_beside_it_with_relative_links(tmp_path, run):
    out = tmp_path / "case" / "incident.md"
    out.parent.mkdir()
    assert run("report", "-q", SAMPLE_LOGS, "-o", out).exit_code == 1
    markdown = out.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert links and all(link.startswith("incident-charts/") for link in links)
    for link in links:
        svg = (out.parent / link).read_text()
        assert svg.lstrip().startswith("<?xml") and "<script" not in svg
    assert "## Authentication attacks" in markdown and "| critical | brute\\_force |" in markdown


def test_markdown_on_stdout_has_sparklines_and_writes_no_file(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("report", "-q", SAMPLE_LOGS)
    assert result.stdout.startswith("# Incident report") and "![" not in result.stdout
    assert re.search("`[▁▂▃▄▅▆▇█]+` Episode 1", result.stdout)
    assert list(tmp_path.iterdir()) == []


def test_json_report_holds_what_each_command_finds(tmp_path, run):
    out = tmp_path / "incident.json"
    run("report", "-q", SAMPLE_LOGS, "-o", out)
    document = json.loads(out.read_text())
    assert len(document["summary"]) == 5
    assert len(document["episodes"]) == len(
        rows_of(run("bruteforce", "-q", "--format", "jsonl", SAMPLE_LOGS))
    )
    assert len(document["secrets"]) == len(
        rows_of(run("scan-secrets", "-q", "--format", "jsonl", SAMPLE_LOGS))
    )
    assert len(document["gaps"]) == len(rows_of(run("gaps", "-q", "--format", "jsonl", SAMPLE_LOGS)))
    assert len(document["files"]) == len(rows_of(run("ingest", "-q", "--format", "jsonl", SAMPLE_LOGS)))
    assert all(isinstance(row["histogram"], list) for row in document["episodes"])
    assert "secret" not in document["secrets"][0]


def test_clean_logs_report_exit_0_and_say_nothing_was_found(tmp_path, run):
    logs = tmp_path / "logs"
    write_log(logs / "api.log", [seed_line(at(i), request_id=f"r{i}") for i in range(0, 600, 2)])
    result = run("report", "-q", logs, "-o", tmp_path / "r.md")
    assert result.exit_code == 0
    markdown = (tmp_path / "r.md").read_text()
    assert "No authentication attack episode" in markdown and "No secret was found" in markdown


def test_report_usage_errors_write_nothing(tmp_path, run):
    result = run("report", "-q", SAMPLE_LOGS, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 2 and "a report is written as .html" in result.stderr
    logs = _hostile_logs(tmp_path)
    inside = run("report", "-q", logs, "-o", logs / "r.html")
    assert inside.exit_code == 2 and not (logs / "r.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs"]


@pytest.fixture(scope="module")
def chromium():
    found, why = find_or_install_chromium()
    if not found:
        pytest.skip(f"no headless browser: {why}")
    return found


def test_the_html_report_opens_in_headless_chromium_offline_without_errors(tmp_path, run, chromium):
    out = tmp_path / "incident.html"
    run("report", "-q", SAMPLE_LOGS, "-o", out)
    loaded = load_page(chromium, out, tmp_path)
    assert loaded.console == [] and loaded.page_requests == []
    for section in SECTIONS:
        assert f'<section id="{section}">' in loaded.dom
    assert loaded.dom.count("<img") >= 3  # the whole span's chart and one per episode, drawn


def test_the_browser_check_sees_a_page_that_reaches_the_network(tmp_path, chromium):
    # the harness itself can fail: a page with a remote image and an inline script is caught both ways
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img src="https://example.invalid/x.png"><script>boom()</script></body></html>'
    )
    loaded = load_page(chromium, page, tmp_path)
    assert loaded.page_requests == ["https://example.invalid/x.png"]
    assert any("boom is not defined" in line for line in loaded.console)
