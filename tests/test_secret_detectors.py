"""The scan's structure-aware behaviour (JWT claims, cards, placeholders, fields). Each rule's own
should-flag / should-not-flag examples live in rules/*.toml and run in tests/test_secret_rules.py."""

import base64

import pytest

from forensics_cli.samples import LEAKED_GITHUB_TOKEN
from forensics_cli.secrets.cards import is_card_number
from forensics_cli.secrets.redact import fingerprint, mask
from forensics_cli.secrets.scan import scan_line


def _jwt(header: str, claims: str) -> str:
    def part(text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


def test_jwt_still_valid_at_log_time_is_high_expired_is_medium():
    from datetime import UTC, datetime

    token = _jwt('{"alg":"HS256","typ":"JWT"}', '{"sub":"bob","exp":1795000000}')  # 2026-11-18
    early = scan_line('{"token": "%s"}' % token, datetime(2026, 1, 1, tzinfo=UTC))
    late = scan_line('{"token": "%s"}' % token, datetime(2027, 1, 1, tzinfo=UTC))
    assert (early[0].rule, early[0].severity) == ("jwt", "high") and "valid at log time" in early[0].detail
    assert (late[0].rule, late[0].severity) == ("jwt", "medium") and "expired" in late[0].detail


def test_jwt_alg_none_is_flagged_high():
    token = _jwt('{"alg":"none"}', '{"sub":"admin"}')[: -len("c2lnbmF0dXJl")]
    (hit,) = scan_line('{"Authorization": "Bearer %s"}' % token)
    assert hit.rule == "jwt" and hit.severity == "high" and "alg=none" in hit.detail


@pytest.mark.parametrize(
    "number",
    ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011111111111117", "4929649583333657"],
)
def test_card_numbers_flag(number):
    assert is_card_number(number)


@pytest.mark.parametrize(
    "number", ["4111 1111 1111 1112", "1234567812345670", "0000000000000000", "1763461425123"]
)
def test_card_numbers_do_not_flag(number):
    assert not is_card_number(number)


@pytest.mark.parametrize(
    "record",
    [
        '{"password": "********"}',
        '{"token": "[REDACTED]"}',
        '{"api_key": "<your-token-here>"}',
        '{"secret": "${STRIPE_KEY}"}',
        '{"password": "{{x}}"}',
        '{"password": ""}',
        '{"password": null}',
        '{"request_id": "4111111111111111"}',
        '{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}',
        '{"id": "3f2a1c9e-8b7d-4e6f-a5c4-1b2d3e4f5a6b"}',
        '{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}',
        '{"path": "/api/password_reset"}',
        '{"password_reset": true}',
        '{"token_type": "Bearer"}',
        '{"request": {"headers": {"Authorization": ["REDACTED"], "Cookie": ["REDACTED"]}}}',
        '{"card": "411111******1111"}',
    ],
)
def test_placeholders_ids_and_hashes_are_not_findings(record):
    assert scan_line(record) == []


@pytest.mark.parametrize(
    ("record", "rule", "field"),
    [
        ('{"password": "hunter2hunter2"}', "sensitive_field", "password"),
        ('{"db": {"PASSWORD": "x9"}}', "sensitive_field", "db.PASSWORD"),
        (
            '{"headers": {"Authorization": "Basic %s"}}' % base64.b64encode(b"admin:letmein").decode(),
            "basic_auth",
            "headers.Authorization",
        ),
        (
            '{"headers": {"authorization": "Bearer 8f7d6a5s4d3f2g1h0j9k"}}',
            "bearer_token",
            "headers.authorization",
        ),
        (
            '{"headers": {"Cookie": "theme=dark; sessionid=8f7d6a5s4d3f2g1h"}}',
            "session_cookie",
            "headers.Cookie.sessionid",
        ),
        (
            '{"request_uri": "/login?user=a&password=Winter2026%21x"}',
            "sensitive_field",
            "request_uri?password",
        ),
        ('{"url": "https://bob:s3cretPass@db.example.com/x"}', "url_credentials", "url"),
        ('{"body": "{\\"api_key\\": \\"k-98a7sd6f5g4h3j2k\\"}"}', "sensitive_field", "body.api_key"),
        ('{"body": {"card_number": "4111 1111 1111 1111"}}', "card_number", "body.card_number"),
        (
            '{"request": {"creditCard": {"creditCardNumber": "4929-6495-8333-3657"}}}',
            "card_number",
            "request.creditCard.creditCardNumber",
        ),
    ],
)
def test_field_and_structure_aware_findings(record, rule, field):
    assert (rule, field) in {(h.rule, h.field) for h in scan_line(record)}


def test_percent_encoded_password_is_decoded_for_the_fingerprint_and_kept_as_written_for_sanitizing():
    (hit,) = scan_line('{"q": "/x?password=Winter2026%21x"}')
    assert hit.secret == "Winter2026!x" and "Winter2026%21x" in hit.needles


def test_card_with_cvv_in_the_same_record_is_critical():
    with_cvv = scan_line('{"card_number": "4111111111111111", "cvv": "123"}')
    alone = scan_line('{"card_number": "4111111111111111"}')
    assert next(h for h in with_cvv if h.rule == "card_number").severity == "critical"
    assert alone[0].severity == "high"


def test_traceback_text_is_scanned():
    hits = scan_line("    client = boto3.client('s3', aws_access_key_id='AKIAQ3EGRIBLV4W7XK2M')")
    assert [h.rule for h in hits] == ["aws_access_key_id"]


def test_masks_never_reveal_the_secret():
    assert mask(LEAKED_GITHUB_TOKEN, "github_token") == "ghp_R3…" + LEAKED_GITHUB_TOKEN[-2:]
    assert mask("4111 1111 1111 1111", "card_number") == "411111******1111"
    assert mask("hunter2", "sensitive_field") == "****(7 chars)"
    assert "hunter2" not in mask("hunter2hunter2hunter2hunter2", "sensitive_field")


def test_fingerprints_are_keyed():
    assert fingerprint("hunter2", b"k1") == fingerprint("hunter2", b"k1")
    assert fingerprint("hunter2", b"k1") != fingerprint("hunter2", b"k2")
    assert fingerprint("hunter2", b"k1") != fingerprint("hunter3", b"k1")
