"""Where secrets sit in API log records: sensitive keys, headers, cookies, URLs and query strings."""

import base64
import binascii
import re
from urllib.parse import parse_qsl, unquote, urlsplit

# normalized (lower case, no separators) key names whose value is a secret whatever it looks like
SENSITIVE_KEYS = {
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "clientsecret",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "apikey",
    "xapikey",
    "apitoken",
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "session",
    "sessionid",
    "sessiontoken",
    "privatekey",
    "cardnumber",
    "creditcardnumber",
    "pan",
    "cvv",
    "cvc",
    "cvv2",
    "securitycode",
    "ssn",
    "otp",
    "pin",
    "passphrase",
    "credentials",
    "xamzsecuritytoken",
    "signature",
    "sig",
    "xamzsignature",
    "secretkey",
    "accesskey",
}
# a key ending with one of these is sensitive too: db_password, stripeSecret, creditCardNumber
SENSITIVE_SUFFIXES = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "cardnumber",
    "creditcardcvv",
    "cardcvv",
    "passphrase",
)
# ...unless it is one of these (metadata about a secret, not the secret)
NOT_SECRET_KEYS = {
    "tokentype",
    "passwordreset",
    "passwordchanged",
    "passwordexpired",
    "passwordpolicy",
    "tokenexpiry",
    "tokenexpiresin",
    "expirestoken",
    "csrftokenname",
    "nexttoken",
    "pagetoken",
    "nextpagetoken",
    "continuationtoken",
    "tokensused",
    "tokencount",
    "csrftoken",
    "xsrftoken",
    "csrf",
    "xcsrftoken",
    "xxsrftoken",
    "authenticitytoken",
}
CARD_KEYS = {"cardnumber", "creditcardnumber", "pan", "ccnumber", "card"}
CARD_EXTRA_KEYS = {
    "cvv",
    "cvc",
    "cvv2",
    "securitycode",
    "creditcardcvv",
    "cardcvv",
    "expiry",
    "expirydate",
    "expmonth",
    "expyear",
    "expirationmonth",
    "expirationyear",
    "creditcardexpirationyear",
    "creditcardexpirationmonth",
    "cardexpiry",
}
ID_LIKE = re.compile(
    r"(?:^|_)(?:id|uuid|guid|hash|digest|sha\d*|md5|nonce|trace|span|ts|time|timestamp|"
    r"epoch|count|size|bytes|port|pid)$"
)
QUERY_KEYS = {"query", "querystring", "args", "qs", "search", "params"}
URL_KEYS = {
    "url",
    "uri",
    "requesturi",
    "path",
    "referer",
    "referrer",
    "httpreferer",
    "location",
    "href",
    "originalurl",
    "urloriginal",
    "requesturl",
}
# in a query string: the same names, and short ones that would be too loose as JSON keys
SENSITIVE_PARAMS = SENSITIVE_KEYS | {"auth", "code", "key", "xamzcredential"}
SESSION_COOKIE = re.compile(r"(?i)sess|sid|token|auth|jwt|remember|login|connect\.sid")
PLACEHOLDER = re.compile(
    r"(?i)^(?:\**|x{3,}|#{3,}|\.{3}|-|—|n/?a|none|null|nil|undefined|true|false|redacted|\[redacted\]|"
    r"\[filtered\]|filtered|hidden|masked|removed|"
    r"<[^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|%[a-z_]+%|(?-i:\$[A-Z_][A-Z0-9_]*))$"
)
MASKED = re.compile(r"\*{3,}|•{3,}|#{4,}|x{6,}|X{6,}|\[?REDACTED|\[?FILTERED|\[?MASKED")
# "your_api_key_here", "insert_key_here", "<YOUR_TOKEN>": a template, not a secret (a default such as
# "changeme" or "password" is kept: logged under a password key, it may be the one in use)
PLACEHOLDER_WORDS = re.compile(
    r"(?i)^(?:your|insert|enter|put|paste|replace|add)[\s_\-.](?:[a-z]+[\s_\-.])*"
    r"(?:key|token|secret|password|pass|pwd|value|credentials?)(?:[\s_\-.](?:goes[\s_\-.])?here)?$|"
    r"^(?:[a-z]+[\s_\-.])*(?:key|token|secret|password|value)[\s_\-.](?:goes[\s_\-.])?here$|"
    r"^.*(?:token|key|secret|string|value|password)here$|"
    r"^(?:example|sample|dummy|placeholder|todo|tbd|fixme)$"
)
# documented example keys (AWS's own docs) and values that say they are examples
EXAMPLE_VALUES = {
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
EXAMPLE_MARK = re.compile(r"EXAMPLE|fake|(?i:example(?:key|token|secret)|dummy|placeholder|redacted)")
# one character repeated (`yyyy`), a bracketed name (`[PASSWORD]`): a stand-in, not a value
STAND_IN = re.compile(r"^(.)\1{2,}$|^\[[A-Z_ -]+\]$|^<[^<>]*>$|^\{[A-Za-z_][\w.]*\}$")
# a value written as a hash or HMAC of the secret (HashiCorp Vault's audit device: hmac-sha256:<hex>;
# crypt(3) and password-hash formats): not usable as the secret
HASHED = re.compile(
    r"(?i)^(?:hmac-sha\d+|hmac-md5|sha-?\d+|md5|bcrypt|scrypt|argon2\w*|pbkdf2[\w-]*)[:$=][A-Za-z0-9+/=$.:\-]{16,}$|"
    r"^\$(?:2[abxy]?|5|6|y|argon2(?:id|i|d)|scrypt|pbkdf2[\w-]*)\$[^\s]{20,}$"
)
# key names that hold a hash, digest or fingerprint of a secret, not the secret
HASH_KEY = re.compile(r"hash|hmac|digest|fingerprint|checksum|sha\d*$|md5")


def normalize_key(key: str) -> str:
    return re.sub(r"[\s_\-.]", "", key.lower())


def is_sensitive_key(key: str) -> bool:
    name = normalize_key(key)
    if name in NOT_SECRET_KEYS or HASH_KEY.search(name):
        return False
    return name in SENSITIVE_KEYS or name.endswith(SENSITIVE_SUFFIXES)


def is_id_like(key: str) -> bool:
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", key).lower().replace("-", "_")
    return bool(ID_LIKE.search(snake))


def is_placeholder(value: str) -> bool:
    """Empty, masked, templated or example values: `********`, `[REDACTED]`, `<your-token-here>`, `${KEY}`,
    `{{x}}`, `your_api_key_here`, `%3CYOUR_API_KEY%3E`, `AKIAIOSFODNN7EXAMPLE`."""
    text = value.strip().strip("'\"")
    if "%" in text:
        text = unquote(text)
    return (
        not text
        or bool(PLACEHOLDER.match(text))
        or bool(MASKED.search(text))
        or bool(PLACEHOLDER_WORDS.match(text))
        or text in EXAMPLE_VALUES
        or bool(EXAMPLE_MARK.search(text))
        or bool(STAND_IN.match(text))
    )


def is_hashed(value: str) -> bool:
    """A hash or HMAC of a secret (`hmac-sha256:…`, `$2b$12$…`): evidence of use, not the secret."""
    return bool(HASHED.match(value.strip()))


def authorization_secret(value: str) -> tuple[str, str] | None:
    """(rule, secret) of an Authorization header value, or None for a placeholder."""
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if is_placeholder(credential or scheme):
        return None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # not base64 (non-ASCII too), or not UTF-8 inside
            return None
        user, sep, password = decoded.partition(":")
        return ("basic_auth", credential) if sep and password and not is_placeholder(password) else None
    if scheme.lower() == "bearer":
        return ("bearer_token", credential) if len(credential) >= 8 else None
    return ("authorization_header", value.strip()) if len(value.strip()) >= 12 else None


def session_cookies(value: str) -> list[tuple[str, str]]:
    """(name, value) of cookies that carry a session or token, from a Cookie or Set-Cookie value."""
    found = []
    for part in value.split(";"):
        name, sep, cookie = part.strip().partition("=")
        if sep and cookie and SESSION_COOKIE.search(name) and not is_placeholder(cookie) and len(cookie) >= 8:
            found.append((name, cookie))
    return found


def _params(text: str) -> list[tuple[str, str, str]]:
    """(name as written, normalized decoded name, value as written) of each parameter of a query."""
    query = text.split("?", 1)[1] if "?" in text else text
    query = query.split("#", 1)[0]
    if "=" not in query:
        return []
    found = []
    for piece in query.split("&"):
        name, sep, written = piece.partition("=")
        if sep and written:
            found.append((name, normalize_key(unquote(name.replace("+", " "))), written))
    return found


def _is_sensitive_param(name: str) -> bool:
    return name in SENSITIVE_PARAMS or name.endswith(SENSITIVE_SUFFIXES)


def _decoded(written: str) -> str:
    return parse_qsl(f"x={written}", keep_blank_values=True)[0][1]


def query_secrets(text: str) -> list[tuple[str, str, str]]:
    """(param, decoded value, value as written) of sensitive parameters in a query string or URL."""
    found = []
    for name, normalized, written in _params(text):
        if _is_sensitive_param(normalized):
            value = _decoded(written)
            if not is_placeholder(value):
                found.append((unquote(name), value, written))
    return found


def encoded_params(text: str) -> list[tuple[str, str, str]]:
    """(param, decoded value, value as written) of the other parameters whose value is encoded (%XX, + for
    a space):
    `?target=postgres%3A%2F%2Fu%3Apw%40h` is scanned as the URL it encodes."""
    found = []
    for name, normalized, written in _params(text):
        if ("%" in written or "+" in written) and not _is_sensitive_param(normalized):
            value = _decoded(written)
            if value != written:
                found.append((unquote(name), value, written))
    return found


def url_userinfo(text: str) -> tuple[str, str] | None:
    """(user:password as written, password) of a URL with credentials: https://user:pass@host/."""
    match = re.search(r"\b[a-z][a-z0-9+.\-]*://([^/\s:@\"';]+):([^/\s@\"';]+)@[^\s/]+", text, re.IGNORECASE)
    if not match:
        return None
    try:
        urlsplit(match.group(0))
    except ValueError:
        return None
    password = unquote(match.group(2))
    return None if is_placeholder(password) else (match.group(2), password)
