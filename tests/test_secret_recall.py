"""Issue 14's misses and false positives, each as a case: what a careful scanner finds in free text,
stack traces, escaped strings and encoded parameters, and what it must leave alone."""

import base64
import json

import pytest

from forensics_cli.secrets import catalog, validators
from forensics_cli.secrets.scan import scan_line
from tests.conftest import at, rows_of, seed_line, write_log

GITHUB = "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"  # checksum-valid, not a live token
SLACK_REFRESH = (  # gitleaks' example
    "xoxe-1-My0xLTMxNzcwMjQ0MTcxMy01MTU4MTUyNjkxNzE0LTUxODE4NDI0MDY3MzYtMjA5MGFkOTFlZThkZWE2OGF"
    "lZDYwYWJjODNhYzAxYjA5ZjVmODBhYjgzN2QyNDdjOTNlOGY5NTg2YWM1OGM4Mg"
)


def _rules(line: str) -> set[str]:
    return {hit.rule for hit in scan_line(line)}


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        # free-text key = value, prefixed and camelCase keys, in stack traces and config dumps
        ("DB_PASSWORD=Sup3rS3cr3tPw!", "sensitive_field"),
        ("GITHUB_SECRET=8f7d6a5s4d3f2g1h0j9k", "sensitive_field"),
        ("    clientSecret: 'q8W3e5R7t9Y1u3I5'", "quoted_secret"),
        ("db_password: hunter2hunter2", "generic_secret"),
        ("  File \"/app/db.py\", line 12, in connect(host='db', password='Tr0ub4dor&3x')", "quoted_secret"),
        ("\tat com.acme.Db.connect(Db.java:42) jdbc.password=Xk9#mP2$vL7q", "generic_secret"),
        # keywords without '=' and command lines
        ("machine api.example.com login deploy password pass1234word", "password_keyword"),
        ("mysql -u root -pS3cretPw1 appdb", "cli_password"),
        ("curl -u admin:Adm1nPassw0rd https://api.example.com/v1/users", "curl_credentials"),
        (
            "curl -H 'Authorization: Token 22cb987851bc5659229114c62e60c79abd0d2c08' https://x",
            "authorization_header",
        ),
        ("curl -H 'X-Api-Key: 8f7d6a5s4d3f2g1h0j9k7l6m' https://x", "sensitive_field"),
        # a token right after a literal \n (a Python repr, an escaped multi-line string)
        ("config='## settings\\n%s'" % GITHUB, "github_token"),
        ('{"text": "## settings\\n%s"}' % GITHUB, "github_token"),
        # percent-encoded values of any parameter are read decoded
        (
            '{"uri": "/proxy?target=postgres%3A%2F%2Fapp%3AS3cr3tPw%40db.internal%3A5432%2Fprod"}',
            "url_credentials",
        ),
        ('{"q": "/pay?card=4012%208888%208888%201881"}', "card_number"),
        ('{"uri": "/x?next=%2Fcb%3Ftoken%3D' + GITHUB + '"}', "github_token"),
        # vendor formats found without a key name giving them away
        ('{"note": "bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR"}', "azure-ad-client-secret"),
        (
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT5"
            "0uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net",
            "azure_storage_account_key",
        ),
        (
            '{"note": "ya29.a0AfH6SMBx3Yq1Zk9vQ2lW8mT5rN7pC4eJ6uH1gD0sF3kL9bV2xZ"}',
            "google_oauth_access_token",
        ),
        ('{"note": "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"}', "google_oauth_client_secret"),
        ('{"note": "glpat-Ab3dEf6hIj9kLm2nOp5qRsT1uV4wXy7zAb0.01e1x2y3z"}', "gitlab_token"),
        ('{"note": "gldt-Ab3dEf6hIj9kLm2nOp5q"}', "gitlab-deploy-token"),
        ('{"note": "dapi0123456789abcdef0123456789abcdef"}', "databricks-api-token"),
        ('{"note": "hf_AbcdefghijklmnopqrstuvwxyzABCDEFGH"}', "huggingface-access-token"),
        ('{"note": "dop_v1_' + "a1b2c3d4" * 8 + '"}', "digitalocean-pat"),
        (
            '{"note": "hvs.CAESIJlU9JMYEhOPYv4igdhm9PnZDrabYTobQ4Ymnlq1qY-LGh4KHGh2cy5oVGRzbmd3WXVUSlhN"}',
            "vault_token",
        ),
        ('{"note": "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"}', "groq_api_key"),
        (
            '{"note": "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498"}',
            "github_token",
        ),
        ('{"note": "%s"}' % SLACK_REFRESH, "slack-config-refresh-token"),
        (
            '{"hook": "http://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/AbCdEfGhIjKlMnOpQrStUvWx"}',
            "slack_webhook",
        ),
        (
            '{"note": "rk_prod_51OuEMLAlTWGaDypquDn9aZigaJOsa9NR1w1BxZXs9JlYsVVkv5XDu6aLmAxwt5T"}',
            "stripe_live_key",
        ),
        ('{"t": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9"}', "jwt"),
    ],
)
def test_issue_14_misses_are_found(line, rule):
    assert rule in _rules(line)


@pytest.mark.parametrize(
    "line",
    [
        '{"access_key": "AKIAIOSFODNN7EXAMPLE"}',
        '{"api_key": "insert_key_here"}',
        '{"api_key": "your_api_key_here"}',
        '{"token": "${GITHUB_TOKEN}"}',
        '{"uri": "/v1/x?api_key=%3CYOUR_API_KEY%3E"}',
        # HashiCorp Vault's audit device HMACs every secret it logs
        json.dumps(
            {
                "type": "response",
                "auth": {
                    "client_token": "hmac-sha256:" + "5f1cf1c8a7f0b2dd" * 4,
                    "accessor": "hmac-sha256:" + "9a8b" * 16,
                },
            }
        ),
        # GitHub's audit log: the token's hash, not the token
        json.dumps({"action": "oauth_access.create", "hashed_token": "d7f3a8e6c2b1f0e9d8c7b6a5f4e3d2c1" * 2}),
        '{"img": "https://example.org/images/2019/xoxo-indieweb-1.jpg"}',
        '{"k": "-----BEGIN PRIVATE KEY-----anything-----END PRIVATE KEY-----"}',
        '{"msg": "password incorrect for user bob"}',
        "mysql -u root -p appdb",
    ],
)
def test_issue_14_false_positives_are_not_findings(line):
    assert scan_line(line) == []


def test_github_token_checksum_decides_severity():
    (valid,) = scan_line('{"note": "%s"}' % GITHUB)
    (altered,) = scan_line('{"note": "%s"}' % (GITHUB[:-1] + "2"))
    assert (valid.severity, valid.detail) == ("high", "checksum valid")
    assert altered.severity == "low" and "checksum does not match" in altered.detail


def test_jwt_with_an_impossible_expiry_is_reported_not_fatal():
    def part(text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    token = f"{part(json.dumps({'alg': 'HS256'}))}.{part(json.dumps({'sub': 'x', 'exp': 1e20}))}.c2lnbmF0dXJl"
    (hit,) = scan_line('{"headers": {"Authorization": "Bearer %s"}}' % token)
    assert hit.rule == "jwt" and "not a valid time" in hit.detail


def test_one_card_written_three_ways_is_one_secret(run, tmp_path):
    logs = tmp_path / "logs"
    forms = ["4012 8888 8888 1881", "4012-8888-8888-1881", "4012888888881881"]
    write_log(logs / "pay.log", [seed_line(at(i), body={"card_number": f}) for i, f in enumerate(forms)])
    result = run("scan-secrets", "--group", "--format", "jsonl", "--fingerprint-key", "k", logs)
    (secret,) = rows_of(result)
    assert result.exit_code == 1 and secret["rule"] == "card_number" and secret["occurrences"] == 3


def test_a_file_opening_with_a_java_trace_is_scanned_and_exits_1(run, tmp_path):
    logs = tmp_path / "logs"
    trace = ['Exception in thread "main" java.lang.IllegalStateException: pool exhausted']
    trace += [f"\tat com.acme.pool.Pool.take{i}(Pool.java:{i})" for i in range(29)]
    write_log(logs / "app.log", [*trace, seed_line(at(0), api_key="sk_live_4eC39HqLyjWDarjtT1zdp7dc9")])
    result = run("scan-secrets", "--format", "jsonl", logs)
    assert result.exit_code == 1
    assert [(r["rule"], r["line"]) for r in rows_of(result)] == [("stripe_live_key", 31)]


def test_a_plain_text_file_beside_the_logs_is_scanned_as_free_text(run, tmp_path):
    logs = tmp_path / "logs"
    write_log(logs / "api.log", [seed_line(at(0), path="/health")])
    (logs / "stderr.log").write_text("starting worker\nexport DB_PASSWORD=Sup3rS3cr3tPw!\n")
    result = run("scan-secrets", "--format", "jsonl", logs)
    assert result.exit_code == 1
    assert [(r["file"].rsplit("/", 1)[-1], r["line"], r["field"]) for r in rows_of(result)] == [
        ("stderr.log", 2, "DB_PASSWORD")
    ]
    assert "scanned line by line as free text" in result.stderr


def test_a_binary_file_is_named_as_not_scanned(run, tmp_path):
    logs = tmp_path / "logs"
    write_log(logs / "api.log", [seed_line(at(0), path="/health")])
    (logs / "core.bin").write_bytes(b"\x00\x01" * 4096)
    result = run("scan-secrets", logs)
    assert result.exit_code == 0 and "1 files could not be scanned" in result.stderr
    assert "core.bin" in result.stderr


def test_a_line_a_detector_cannot_handle_is_counted_and_the_others_are_printed(run, tmp_path, monkeypatch):
    def broken(secret, match):
        if "boom" in match.string:
            raise ValueError("detector bug")
        return validators.KEEP

    rule = catalog.BY_ID["github_token"]
    monkeypatch.setitem(validators.VALIDATORS, rule.validator, broken)
    logs = tmp_path / "logs"
    write_log(
        logs / "api.log",
        [seed_line(at(0), note=f"boom {GITHUB}"), seed_line(at(1), note=f"fine {GITHUB}")],
    )
    result = run("scan-secrets", "--format", "jsonl", logs)
    assert result.exit_code == 1
    assert [r["line"] for r in rows_of(result)] == [2]
    assert "1 lines could not be scanned by a detector" in result.stderr and "api.log:1" in result.stderr


@pytest.mark.parametrize(
    "rule",
    [
        "azure_devops_pat",
        "microsoft-teams-webhook",
        "postman-api-token",
        "doppler-api-token",
        "shopify-access-token",
        "new-relic-user-api-key",
        "slack-app-token",
        "private_key_base64",
        "discord_webhook",
        "huggingface-access-token",
    ],
)
def test_issue_14_vendor_formats_are_found_in_a_logged_request(rule):
    """Each vendor format the issue names, as its rule's own example, inside a request's body field."""
    example = catalog.BY_ID[rule].flag[0]
    line = json.dumps({"ts": "2026-11-20T10:00:00Z", "request": {"body": {"comment": example}}})
    assert rule in _rules(line)


def test_a_connection_string_in_a_dsn_parameter_is_read_decoded():
    line = json.dumps({"uri": "/report?dsn=mysql%3A%2F%2Freporter%3AQ7x%21pL2m%40db.internal%2Fsales"})
    (hit,) = scan_line(line)
    assert (hit.rule, hit.field, hit.secret) == ("url_credentials", "uri?dsn", "Q7x!pL2m")


def test_a_token_written_with_json_unicode_escapes_is_found():
    """`\\u0067hp_…` is `ghp_…` to every JSON reader: the keyword is looked up in the decoded value."""
    (hit,) = scan_line('{"note": "\\u0067hp_%s"}' % GITHUB[4:])
    assert (hit.rule, hit.secret) == ("github_token", GITHUB)


def test_the_same_secret_in_two_sibling_fields_is_two_occurrences_but_one_in_a_field_and_its_part():
    siblings = scan_line(json.dumps({"token": GITHUB, "token2": GITHUB}))
    assert [h.field for h in siblings] == ["token", "token2"]
    nested = scan_line(json.dumps({"uri": f"/cb?access_token={GITHUB}"}))
    assert [h.field for h in nested] == ["uri"]
