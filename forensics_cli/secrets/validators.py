"""Offline checks a rule can name (`validator = "..."` in rules/*.toml): vendors' checksums and the
structure of keys and tokens. Each returns a Verdict, or None to drop the match."""

import base64
import binascii
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from forensics_cli.secrets.fields import is_placeholder
from forensics_cli.secrets.jwt import decode as decode_jwt


@dataclass(frozen=True)
class Verdict:
    """A match kept: an optional severity that replaces the rule's, and a note for `detail`."""

    severity: str | None = None
    note: str = ""


KEEP = Verdict()


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def mixed(secret: str, match: re.Match) -> Verdict | None:
    """Looks random: entropy above 3 bits/char and at least two of lower case, upper case, digits."""
    classes = sum(bool(re.search(p, secret)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return KEEP if shannon_entropy(secret) > 3.0 and classes >= 2 else None


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(6, "0")


def github_checksum(secret: str, match: re.Match) -> Verdict | None:
    """GitHub tokens end with the CRC32 of their 30 random characters in base62 (github.blog,
    'Behind GitHub's new authentication token formats', 2021). A token that fails it was not issued
    by GitHub (a test value, or altered): still reported, as low."""
    body, checksum = secret[4:34], secret[34:40]
    if len(secret) != 40:  # 80-character refresh tokens carry no documented checksum
        return KEEP
    if _base62(zlib.crc32(body.encode())) == checksum:
        return Verdict(note="checksum valid")
    return Verdict("low", "checksum does not match: not a token GitHub issued, or altered")


_PEM_BODY = re.compile(r"-----BEGIN[^-]*-----(.*?)(?:-----END|$)", re.S)


def pem_body(secret: str, match: re.Match) -> Verdict | None:
    """A PEM private key whose body is base64 key material (64+ characters; 40+ when the line cut it
    short before the END line): `-----BEGIN PRIVATE KEY-----anything` is not a key."""
    found = _PEM_BODY.search(secret)
    body = re.sub(r"\\[nrt]|\s", "", found.group(1)) if found else ""
    complete = "-----END" in secret
    if not re.fullmatch(r"[A-Za-z0-9+/=]*", body) or len(body) < (64 if complete else 40):
        return None
    return KEEP if complete else Verdict(note="key cut short in the log line")


def base64_pem(secret: str, match: re.Match) -> Verdict | None:
    """Base64 that decodes to a PEM private key (`LS0tLS1CRUdJTi` is base64 of `-----BEGIN`)."""
    usable = len(secret) - len(secret) % 4
    try:
        decoded = base64.b64decode(secret[:usable]).decode("ascii", errors="replace")
    except (binascii.Error, ValueError):
        return None
    return Verdict(note="base64 of a PEM private key") if "PRIVATE KEY" in decoded else None


_CODE_REFERENCE = re.compile(
    r"^(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_][\w.]*\(.*|\$\w+|\$\{.*|%\w+%?|%s|\{\w*\}|"
    r"(?:self|this|os|env|process|config|settings|request|args|params)\b.*)$"
)
_PASSWORD_WORDS = re.compile(r"(?i)pass|pwd")


def assigned_secret(secret: str, match: re.Match) -> Verdict | None:
    """A value assigned to a secret-looking name in free text. After a password keyword the keyword is
    the evidence (a human password has little entropy); for token, secret or key names the value must
    look random (3 bits/char). Placeholders, template and code references are not secrets."""
    value = secret.strip("'\"`")
    if (
        is_placeholder(value)
        or _CODE_REFERENCE.match(value)
        or value.lower().startswith(("http", "none", "null"))
    ):
        return None
    if value.isdigit() and len(value) < 8:
        return None
    assigned_to = match.group(0)[: match.group(0).rfind(secret)]  # the name and operator before the value
    if _PASSWORD_WORDS.search(assigned_to):
        return KEEP
    return KEEP if shannon_entropy(value) >= 3.0 else None


def curl_user(secret: str, match: re.Match) -> Verdict | None:
    """`curl -u user:password`: the password part must be a real value."""
    user, _, password = secret.partition(":")
    if (
        not password
        or is_placeholder(password)
        or password.startswith("$")
        or password.lower() in ("password", "pass")
    ):
        return None
    return KEEP


def jwt(secret: str, match: re.Match) -> Verdict | None:
    """Header and claims decode to JSON objects and the header names `alg`; the scan then judges the
    claims against the line's own time (secrets/jwt.py)."""
    return KEEP if decode_jwt(secret) is not None else None


VALIDATORS: dict[str, Callable[[str, re.Match], Verdict | None]] = {
    "mixed": mixed,
    "github_checksum": github_checksum,
    "pem_body": pem_body,
    "base64_pem": base64_pem,
    "assigned_secret": assigned_secret,
    "curl_user": curl_user,
    "jwt": jwt,
}
