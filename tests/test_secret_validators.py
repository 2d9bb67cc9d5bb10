"""The offline checks rules name (forensics_cli/secrets/validators.py) and card numbers, at their
boundaries: each case is a value a rule's pattern matched, kept or dropped by the check."""

import base64
import re

import pytest

from forensics_cli.secrets import validators as V
from forensics_cli.secrets.cards import card_digits, find_cards, is_card_number, luhn_valid

MATCH = re.match(r"(?P<secret>.*)", "x")  # validators that do not read the match get this one


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("abcd1234", False),  # 3.0 bits per character exactly: the floor is exclusive
        ("abcdefgh12", True),  # lower case and digits, 3.3 bits
        ("ABCDEFGH12", True),  # upper case and digits
        ("abcdeFGHIJ", True),  # lower and upper case
        ("ABCDEFGHIJ", False),  # one class of characters only
        ("abcdefghij", False),
    ],
)
def test_mixed_wants_more_than_three_bits_and_two_classes(value, kept):
    assert (V.mixed(value, MATCH) is not None) is kept


def _b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


def test_base64_pem_keeps_a_private_key_even_with_binary_bytes_and_a_cut_end():
    key = _b64(b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\xff\xfe\x00binary-----END RSA PRIVATE KEY-----")
    verdict = V.base64_pem(key[:-3], MATCH)  # cut short: not a multiple of 4 characters
    assert verdict == V.Verdict(note="base64 of a PEM private key")
    assert V.base64_pem(_b64(b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq"), MATCH) is None


@pytest.mark.parametrize(
    ("credential", "kept"),
    [
        ("admin:Adm1nPassw0rd", True),
        ("'deploy:s3cr3tDeploy'", True),  # quoted as a whole
        ('"{acd3c08b}":"{ZqL5kVrX1n8tA2}"', True),  # quoted and braced in parts
        ("kevin:'pRf7vG2h1L8nQkW9'", True),
        ("sk_live_4eC39HqL:", True),  # a key as the user, no password (16+ characters, 3.5+ bits)
        ("sk_live_4eC39Hq:", False),  # 15 characters
        ("aaaabbbbccccdddd:", False),  # 16 characters but 2 bits each
        ("admin:", False),
        ("admin:$PASSWORD", False),
        ("test:test", False),
        ("user:PASSWORD", False),
        ("user:pass", False),
        ("user:passwd", False),
        ("user:token", False),
        ("user:secret", False),
        ("user:apikey", False),
        ("user:api_key", False),
        ("neo4j:[PASSWORD]", False),
    ],
)
def test_curl_user(credential, kept):
    assert (V.curl_user(credential, MATCH) is not None) is kept


@pytest.mark.parametrize(
    ("key", "value", "plausible"),
    [
        ("DB_PASSWORD", "hunter2", True),  # a password word needs no entropy
        ("DB_PASSWORD", "ab", False),  # but three characters
        ("DB_PASSWORD", "ab1", True),
        ("api_token", "q8W3e5R7t9Y1", True),
        ("api_token", "aaaaaaab", False),  # low entropy after a token name
        ("api_token", "q8W3e", False),  # shorter than 6
        ("api_token", "q8W3e5R7", True),  # eight distinct characters: exactly 3 bits each, the bound
        ("api_token", "q8W3e5R", False),
        ("api_token", "q8W3e5R7t9Y1Zx==", True),  # base64 padding is not an assignment cut short
        ("api_token", "two words here", False),
        ("LLM_SECRET_NAME", "NEXUS-GPT4-API-KEY", False),
        ("passwordVariable", "Xk9mP2vL7q", False),
        ("not_secret", "notapassword", False),
        ("publicToken", "9Cnzj4p4WGeKLs1Pt8Qu", False),
        ("io.jsonwebtoken", "jjwt-jackson-0.11.2", False),
        ("password", "${DB_PASSWORD}", False),
        ("password", "self.password", False),
        ("token", "ACCESS_TOKEN", False),
        ("password", "real_key", False),
        ("password", "1234", False),
        ("password", ",.:-@*?!", False),
        ("token", "<xsd:element", False),
        ("a_token", "telegram_api_token = ", False),
        ("password", "'hunter2'", True),  # the quotes are not part of it
        ("password", "Http2Secret!", True),  # a password may start with "http"
        ("callback_token", "https://x.example/cb?t=1", False),  # a URL is read as a URL
        ("callback_token", "HTTP://x.example/cb?t=1", False),
        ("password", "'null'", False),  # a placeholder in quotes is still a placeholder
        ("password", "'ab'", False),  # quotes do not count towards the three characters
        ("password", "Xab", True),  # only quotes are taken off
        ("password", "12345678", True),  # eight digits can be a password
        ("password", "1234567", False),  # seven are a number
        ("access_token", "access-token", False),  # the value is the name
        ("password", "null", False),
    ],
)
def test_plausible_assignment(key, value, plausible):
    assert V.plausible_assignment(key, value) is plausible


def test_quoted_values_may_hold_spaces():
    assert V.plausible_assignment("api_key", "value with quotes and spaces", spaces_allowed=True)
    assert not V.plausible_assignment("api_key", "value with quotes and spaces")
    assert not V.plausible_assignment("a_token", "telegram_api_token = ", spaces_allowed=True)


def test_keyword_password_drops_a_word_of_the_sentence():
    line = "password combination."
    match = re.search(r"(?P<key>password)\s+(?P<secret>\S+)", line)
    assert V.keyword_password("combination.", match) is None
    match = re.search(r"(?P<key>password)\s+(?P<secret>\S+)", "password pass1234word")
    assert V.keyword_password("pass1234word", match) is V.KEEP


def test_pem_body_wants_key_material_and_says_when_the_line_cut_it():
    body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw"
    assert (
        V.pem_body(f"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----", MATCH)
        is V.KEEP
    )
    cut = V.pem_body(f"-----BEGIN RSA PRIVATE KEY-----\\n{body[:40]}", MATCH)
    assert cut == V.Verdict(note="key cut short in the log line")
    assert V.pem_body(f"-----BEGIN RSA PRIVATE KEY-----\\n{body[:39]}", MATCH) is None
    assert V.pem_body(f"-----BEGIN PRIVATE KEY-----{body[:63]}-----END PRIVATE KEY-----", MATCH) is None


@pytest.mark.parametrize(
    ("number", "card"),
    [
        ("4000000000006", True),  # 13 digits
        ("4000000000000000006", True),  # 19 digits
        ("400000000002", False),  # 12
        ("40000000000000000002", False),  # 20
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("4111.1111.1111.1111", False),
        ("4" * 17, False),  # one digit repeated (Luhn-valid, a Visa start): a test pattern, not a card
        ("9111111111111111", False),  # no issuer range
    ],
)
def test_card_numbers_at_their_boundaries(number, card):
    assert is_card_number(number) is card


def test_luhn_and_card_digits():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert card_digits("4012-8888 8888-1881") == "4012888888881881"
    assert find_cards("id 51923035898708295:AAHdq and 4012 8888 8888 1881.") == ["4012 8888 8888 1881"]
