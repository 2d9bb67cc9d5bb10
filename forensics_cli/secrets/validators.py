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
    r"^(?:[A-Za-z_]\w+(?:\.[A-Za-z_]\w*)+|[A-Za-z_][\w.]*\(.*|\$\w+|\$\{.*|%\w+%?|%s|\{\w*\}|"
    r"(?:self|this|os|env|process|config|settings|request|args|params)\b.*)$"
)
_PASSWORD_WORDS = re.compile(r"(?i)pass|pwd|(?:^|_)pw\b")
_IDENTIFIER = re.compile(r"^[a-z]+(?:_[a-z]+)+$")  # real_key, user_password: a name in code, not a value
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+=?$")  # DYNATRACE_API_KEY: a variable's name
_TEMPLATE = re.compile(r"\$\{[A-Za-z_][\w.:-]*\}|\{\{[\s\w.|()]+\}\}|<%=?.*%>")  # ${VAR}, {{ x }}
# names that hold something about a secret, not the secret: LLM_SECRET_NAME, passwordVariable,
# tokenType, keyVaultToStoreSecrets, not_secret, nonMatchingToken, publicToken
_NAME_SUFFIX = re.compile(
    r"(?:name|id|ids|type|file|path|arn|ref|url|uri|length|len|ttl|expiry|expires|expiration|version|header|"
    r"field|param|policy|prefix|hash|count|mode|variable|var|env|key_?id|secrets|tokens|passwords|keys|"
    r"required|enabled|changed|reset|length|format|pattern|regex|label|hint|prompt|salt)$"
)
_NOT_A_SECRET_PREFIX = re.compile(
    r"^(?:not|non|no|fake|dummy|example|sample|mock|public|publishable|csrf|xsrf)"
)


def _name_says_not_a_secret(key: str) -> bool:
    name = re.sub(r"[^a-z0-9_]", "", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower())
    return bool(_NAME_SUFFIX.search(name) or _NOT_A_SECRET_PREFIX.match(name))


def plausible_assignment(key: str, value: str, spaces_allowed: bool = False) -> bool:
    """`value` assigned to `key` in free text looks like a secret. After a password word the word is the
    evidence (a human password has little entropy); for token, secret or key names the value must look
    random (3 bits/char). Placeholders, templates, code and variable references, names that describe a
    secret (`*_NAME`, `not_*`, `public*`) and values equal to their own name are not secrets."""
    value = value.strip("'\"`")
    if (
        is_placeholder(value)
        or _TEMPLATE.search(value)
        or _CODE_REFERENCE.match(value)
        or _ENV_NAME.match(value)
    ):
        return False
    if value.lower().startswith(("http://", "https://", "<")) or (key and _name_says_not_a_secret(key)):
        return False
    if re.search(r"\.[a-z]{4,}token$", key):  # io.jsonwebtoken: a package's name, not a token's
        return False
    if (
        (value.isdigit() and len(value) < 8)
        or not any(c.isalnum() for c in value)
        or _IDENTIFIER.match(value)
    ):
        return False
    if re.sub(r"[\W_]", "", value).lower() == re.sub(r"[\W_]", "", key).lower():
        return False
    if value.rstrip().endswith("=") and " " in value:  # `a_token = ` cut from a line: not a value
        return False
    if _PASSWORD_WORDS.search(key):
        return len(value) >= 3
    if " " in value.strip() and not spaces_allowed:
        return False
    return len(value) >= 6 and shannon_entropy(value) >= 3.0


def _key_of(match: re.Match, secret: str) -> str:
    if "key" in match.re.groupindex and match.group("key"):
        return match.group("key")
    return match.group(0)[: match.group(0).rfind(secret)]  # the name and operator before the value


def assigned_secret(secret: str, match: re.Match) -> Verdict | None:
    """A value assigned to a secret-looking name in free text (see plausible_assignment); inside quotes
    it may hold spaces."""
    quoted = "q" in match.re.groupindex and bool(match.group("q"))
    return KEEP if plausible_assignment(_key_of(match, secret), secret, spaces_allowed=quoted) else None


def keyword_password(secret: str, match: re.Match) -> Verdict | None:
    """`password P` in prose: P must not read as a word of the sentence (`password combination.`)."""
    if re.fullmatch(r"[a-z]+[.,;:!?]?", secret):
        return None
    return assigned_secret(secret, match)


def curl_user(secret: str, match: re.Match) -> Verdict | None:
    """`curl -u user:password` (quoted as a whole or in parts): the password must be a real value; with
    no password the user part is the secret when it looks like a key (`-u sk_live_…:`, as Stripe and
    Elastic document)."""
    credential = re.sub(r"""^(['"])(.*)\1$""", r"\2", secret)
    user, _, password = credential.partition(":")
    user, password = user.strip("'\"{}"), password.strip("'\"{}")
    if not password:
        return KEEP if len(user) >= 16 and shannon_entropy(user) >= 3.5 else None
    if is_placeholder(password) or password.startswith("$") or password == user:
        return None
    if password.lower() in ("password", "pass", "passwd", "token", "secret", "apikey", "api_key"):
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
    "keyword_password": keyword_password,
    "curl_user": curl_user,
    "jwt": jwt,
}
