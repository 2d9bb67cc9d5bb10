"""The scan: a Polars keyword prefilter over every line, then field-aware checks on the candidates only."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import polars as pl

from forensics_cli.schema import TS_DTYPE
from forensics_cli.secrets import fields as F
from forensics_cli.secrets.cards import card_digits, find_cards, is_card_number
from forensics_cli.secrets.catalog import (
    EXACT_KEYWORDS,
    FOLDED_KEYWORDS,
    SecretRule,
    holds_keyword,
    rules_for,
    rules_with,
    scan_assignments,
    scan_value,
    vendor_owns,
)
from forensics_cli.secrets.jwt import describe as describe_jwt
from forensics_cli.secrets.redact import fingerprint, mask, mask_in
from forensics_cli.secrets.validators import plausible_assignment

SECRET_COLUMNS = [
    "rule",
    "severity",
    "file",
    "line",
    "timestamp",
    "field",
    "redacted",
    "fingerprint",
    "request_id",
    "ip",
    "user",
    "detail",
]
MAX_DEPTH = 32  # nesting walked in one record
MAX_EMBEDDED_DEPTH = 3  # JSON inside JSON strings
# key words of sensitive fields and headers, besides the value rules' own keywords
_FIELD_WORDS = [
    "authorization",
    "cookie",
    "session",
    "private",
    "card",
    '"pan"',
    '"pin"',
    '"otp"',
    '"ssn"',
    '"cvv"',
    '"cvc"',
    "signature",
    "sig=",
    "credential",
    "passphrase",
    "bearer",
    "basic ",
]
PREFILTER_WORDS = sorted(set(_FIELD_WORDS) | set(FOLDED_KEYWORDS))  # in any case
PREFILTER_EXACT = EXACT_KEYWORDS  # as written
_CHEAP_WORDS = sorted(set(PREFILTER_WORDS) | {k.lower() for k in PREFILTER_EXACT})
_CARD_PREFILTER = r"\d{4}(?:[ -]|%20)?\d{4}(?:[ -]|%20)?\d{4}(?:[ -]|%20)?\d{1,7}"
_USERINFO_PREFILTER = r"://[^/\s:@]+:[^/\s@]+@"
# A UUID (a request ID on every line) often holds 12+ decimal digits across its groups, enough for the card
# prefilter, but never a card: the card detector wants no letter, digit or '-' around the number.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_URLISH = re.compile(r"[^\s'\"<>]*\?[^\s'\"<>]+")
_AUTH_SCHEME = re.compile(r"(?i)\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{8,}")
# an API-key header written in text (curl -H 'X-Api-Key: …', a dumped request)
_KEY_HEADER_TEXT = re.compile(
    r"(?i)(?<![\w-])((?:x-[\w-]*)?(?:api-?key|api-?token|auth-?token|access-?token|private-token|apikey)|token)"
    r"\s*:\s*['\"]?([A-Za-z0-9._~+/=\-]{8,})"
)
# an Authorization header written in text (curl -H 'Authorization: Token …', a dumped request)
_AUTH_HEADER_TEXT = re.compile(
    r"(?i)\b(?:proxy-)?authorization\s*:\s*((?:(?:token|api-?key|api-?token|key|digest|sso-key|aws4-hmac-sha256|"
    r"negotiate|ntlm)\s+)?(?!bearer\b|basic\b)[A-Za-z0-9._~+/=\-,:@]{8,})"
)


@dataclass
class Hit:
    rule: str
    severity: str
    field: str
    secret: str
    needles: list[str]  # the secret as written in the raw line (for --write-sanitized)
    detail: str = ""


@dataclass
class Record:
    """One candidate line being scanned."""

    ts: datetime | None
    raw: str = ""
    rules: list[SecretRule] = field(default_factory=list)  # the rules whose keywords the line holds
    hits: list[Hit] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    repeated_keys: bool = False  # an object names a key twice: every value is scanned
    fresh_lookup: bool = False  # the line escapes characters (\uXXXX): a value's keywords may not be in it
    decoding: int = 0  # > 0 while a decoded value (a percent-encoded parameter) is scanned

    def add(self, rule: str, severity: str, path: str, secret: str, needles=None, detail: str = ""):
        if F.is_placeholder(secret) or F.is_hashed(secret):
            return
        # one secret, one finding: a second rule matching the same value (or part of it) adds nothing
        # (the same place: one field, or a field and a part of it, like `uri` and `uri?token`)
        if any((secret in h.secret or h.secret in secret) and _same_place(path, h.field) for h in self.hits):
            return
        written = needles or _json_forms(secret)
        self.hits.append(Hit(rule, severity, path, secret, written, detail))

    def rules_in(self, text: str) -> list[SecretRule]:
        """The rules worth running on `text`: those of the line that `text` holds a keyword of, or a
        fresh lookup for decoded text (its keywords need not be in the line as written)."""
        if self.decoding or self.fresh_lookup:
            return rules_for(text)
        lowered = text.lower()
        return [r for r in self.rules if holds_keyword(r, text, lowered)]

    def decoded_leaf(self, key: str, path: str, value: str, written: str, depth: int):
        """_leaf for a value decoded from how it was written (percent-encoding, +)."""
        self.decoding += value != written
        try:
            _leaf(self, key, path, value, depth, needles=[written] + _json_forms(written))
        finally:
            self.decoding -= value != written


def _same_place(one: str, other: str) -> bool:
    """One field, a field and a part of it (`uri`, `uri?token`, `body.x`), or free text and anything."""
    if one == other or not one or not other:
        return True
    shorter, longer = sorted((one, other), key=len)
    return longer.startswith(shorter) and longer[len(shorter)] in "?.["


def _json_forms(value: str) -> list[str]:
    """How a string value can appear inside a JSON line (raw, or escaped by Python's json or orjson)."""
    forms = [value, json.dumps(value)[1:-1], orjson.dumps(value).decode()[1:-1]]
    return list(dict.fromkeys(forms))


def candidate_filter_on(column: str = "raw", skip_uuids: bool = False) -> pl.Expr:
    """Lines worth a closer look: a keyword, a card-like digit run or a URL with credentials.

    Without `skip_uuids` (the cheap pass over every line) the exact-case keywords are matched in any
    case, in the same automaton as the others: one pass over the text. With `skip_uuids` (the exact pass,
    meant for lines already filtered) they must appear as written, and digit runs inside UUIDs do not
    count."""
    raw = pl.col(column)
    if not skip_uuids:
        return (
            raw.str.contains_any(_CHEAP_WORDS, ascii_case_insensitive=True)
            | raw.str.contains(_CARD_PREFILTER)
            | raw.str.contains(_USERINFO_PREFILTER)
        )
    return (
        raw.str.contains_any(PREFILTER_WORDS, ascii_case_insensitive=True)
        | raw.str.contains_any(PREFILTER_EXACT)
        | raw.str.replace_all(_UUID, "-").str.contains(_CARD_PREFILTER)
        | raw.str.contains(_USERINFO_PREFILTER)
    )


def _value_rules(record: Record, path: str, text: str, needles=None):
    rules = record.rules_in(text)
    if not rules:
        return
    for rule, found in scan_value(text, rules):
        if rule.validator == "jwt":
            described = describe_jwt(found.secret, record.ts)
            if described is None:
                continue
            record.add(rule.id, described[0], path, found.secret, needles, described[1])
        else:
            record.add(rule.id, found.severity, path, found.secret, needles, found.note)


def _structured_text(record: Record, path: str, text: str, depth: int):
    """URLs, query strings, embedded JSON and key=value text inside a string value or a free-text line."""
    before = len(record.hits)
    if "=" in text:
        # a query string or URL on its own, or the URL-like words of a sentence
        whole = not any(c.isspace() or c in "\"'<>" for c in text.strip())  # a bare query, or words and URLs
        queries = [text] if whole else _URLISH.findall(text)
        for query in queries:
            where = f"{path}?" if path or "?" in query else ""  # free text `KEY=value`: the field is KEY
            for param, value, written in F.query_secrets(query):
                if "?" not in query and (  # `KEY=value`, not a URL
                    not plausible_assignment(param, value) or vendor_owns(param, record.rules_in(text), value)
                ):
                    continue
                record.decoded_leaf(param, f"{where}{param}", value, written, depth)
            # a percent-encoded value of any parameter (a database URL in ?target=, a card) is read decoded
            if depth < MAX_EMBEDDED_DEPTH:
                for param, value, written in F.encoded_params(query):
                    record.decoded_leaf(param, f"{where}{param}", value, written, depth + 1)
    for header, value in _KEY_HEADER_TEXT.findall(text):
        if plausible_assignment(header, value) and not vendor_owns(header, record.rules_in(text), value):
            record.add(
                "sensitive_field",
                "high",
                f"{path}.{header}" if path else header,
                value,
                detail=f"header {header}",
            )
    for scheme_and_credential in _AUTH_HEADER_TEXT.findall(text):
        found = F.authorization_secret(scheme_and_credential)
        if found:
            record.add(found[0], "medium", path, found[1])
    for scheme_and_credential in _AUTH_SCHEME.findall(text):
        found = F.authorization_secret(scheme_and_credential)
        if found:
            _leaf(record, "authorization", path, scheme_and_credential, depth, needles=_json_forms(found[1]))
    userinfo = F.url_userinfo(text)
    if userinfo:
        record.add("url_credentials", "high", path, userinfo[1], [userinfo[0]])
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}") and depth < MAX_EMBEDDED_DEPTH:
        embedded = parse_object(stripped)
        if isinstance(embedded, dict | Pairs):
            _walk(record, embedded, path, depth + 1)
            return
    if any(c.isdigit() for c in text):
        for card in find_cards(text):
            record.add("card_number", _card_severity(record), path, card)
    if len(text) >= 8 and len(record.hits) == before:
        for rule, found in scan_assignments(text):
            if vendor_owns(found.key, record.rules_in(text), found.secret):
                continue  # the vendor's own rule judged this name's value, and found no key in it
            if not any(found.secret in h.secret or h.secret in found.secret for h in record.hits):
                where = path or found.key  # free text: the field is the name the value was assigned to
                record.add(rule.id, found.severity, where, found.secret, detail=found.note)


def _card_severity(record: Record) -> str:
    return "critical" if record.keys & F.CARD_EXTRA_KEYS else "high"


def _leaf(record: Record, key: str, path: str, text: str, depth: int, needles=None):
    name = F.normalize_key(key)
    before = len(record.hits)
    if name in ("authorization", "proxyauthorization"):
        found = F.authorization_secret(text)
        if found:
            rule, secret = found
            _value_rules(record, path, secret, needles)
            if len(record.hits) == before:
                record.add(rule, "high" if rule == "basic_auth" else "medium", path, secret, needles)
        return
    if name in ("cookie", "setcookie"):
        for cookie, value in F.session_cookies(text):
            record.add("session_cookie", "medium", f"{path}.{cookie}", value, _json_forms(value))
        return
    if F.is_sensitive_key(key):
        if F.is_placeholder(text) or (text.isupper() and F.normalize_key(text) == name):  # ACCESS_TOKEN
            return
        _value_rules(record, path, text, needles)
        if len(record.hits) > before:
            return
        if name in F.CARD_KEYS or name.endswith("cardnumber"):
            if is_card_number(text):
                record.add("card_number", _card_severity(record), path, text, needles)
            return
        record.add("sensitive_field", "high", path, text, needles, f"key {key}")
        return
    _value_rules(record, path, text, needles)
    if len(record.hits) == before and not F.is_id_like(key):
        _structured_text(record, path, text, depth)


class Pairs(list):
    """A JSON object that names a key more than once: every (key, value) pair, in order.

    Parsers disagree on `{"password": "<real>", "password": "***"}` (Polars keeps one value, orjson the
    last): the scan keeps both, so neither value hides the other."""


def _object(pairs: list) -> dict | Pairs:
    keys = {key for key, _ in pairs}
    return dict(pairs) if len(keys) == len(pairs) else Pairs(pairs)


_KEY_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:')


def _key_count(value) -> int:
    """The number of keys in a parsed JSON value (without recursion: orjson nests 1,024 deep)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def parse_object(text: str):
    """A JSON line parsed, with Pairs where an object repeats a key; None when it is not JSON.

    orjson first; only when the line holds more `"key":` tokens than the parsed keys (a repeated key,
    or a key-like text inside a string) is it parsed again keeping every pair."""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if isinstance(parsed, dict) and len(_KEY_TOKEN.findall(text)) > _key_count(parsed):
        try:
            return json.loads(text, object_pairs_hook=_object)
        except (ValueError, RecursionError):
            return parsed
    return parsed


def _walk(record: Record, value, path: str, depth: int):
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict | Pairs):
        items = value.items() if isinstance(value, dict) else value
        record.repeated_keys |= isinstance(value, Pairs)
        record.keys.update(F.normalize_key(k) for k, _ in items)
        for key, item in items:
            child = f"{path}.{key}" if path else key
            if isinstance(item, dict | list):
                _walk(record, item, child, depth + 1)
            elif isinstance(item, str | int | float) and not isinstance(item, bool):
                _leaf(record, key, child, str(item), depth)
    elif isinstance(value, list):
        parent_key = path.rsplit(".", 1)[-1]
        for index, item in enumerate(value):
            child = f"{path}[{index}]"
            if isinstance(item, dict | list):
                _walk(record, item, child, depth + 1)
            elif isinstance(item, str | int | float) and not isinstance(item, bool):
                _leaf(record, parent_key, child, str(item), depth)  # header lists: ["Bearer ..."]


REPEATED_KEYS = "the line repeats a JSON key (every value scanned)"


def scan_line(raw: str, ts: datetime | None = None, keywords: list[str] | None = None) -> list[Hit]:
    """Every secret in one log line: field-aware for JSON objects, text rules for anything else.
    `keywords`: the catalog keywords the line holds, when the caller found them already."""
    record = Record(ts, raw, rules_for(raw) if keywords is None else rules_with(set(keywords)))
    record.fresh_lookup = "\\u" in raw
    stripped = raw.strip()
    parsed = parse_object(stripped) if stripped.startswith("{") else None
    if isinstance(parsed, dict | Pairs):
        _walk(record, parsed, "", 0)
    else:
        record.keys.update(k for k in F.CARD_EXTRA_KEYS if k in raw.lower())
        _value_rules(record, "", raw)
        _structured_text(record, "", raw, MAX_EMBEDDED_DEPTH)
    if record.repeated_keys:
        for hit in record.hits:
            hit.detail = f"{hit.detail}; {REPEATED_KEYS}" if hit.detail else REPEATED_KEYS
    return record.hits


@dataclass(frozen=True)
class ScanProblem:
    """A line a detector could not handle: reported (file, line, error), never a stopped scan."""

    file: str
    line: int
    error: str


def _identity(hit: Hit) -> str:
    """What the fingerprint is taken of: a card's digits (however it is written), else the secret."""
    return card_digits(hit.secret) if hit.rule == "card_number" else hit.secret


def scan(
    lines: pl.LazyFrame | pl.DataFrame, key: bytes, problems: list[ScanProblem] | None = None
) -> pl.DataFrame:
    """Findings for a frame of lines (file, line, ts, raw, request_id, ip, user): SECRET_COLUMNS plus
    `secret` and `needles` (internal: dropped before output unless --show-secrets). A line that makes a
    detector fail is added to `problems` and the scan goes on."""
    candidates = (  # the cheap filter over every line, then the exact one over the few it passes
        lines.lazy()
        .filter(candidate_filter_on("raw"))
        .collect()
        .filter(candidate_filter_on("raw", skip_uuids=True))
    )
    # which rules each candidate needs, found for all of them at once (Aho-Corasick in Polars)
    keywords = pl.concat_list(
        pl.col("raw")
        .str.extract_many(FOLDED_KEYWORDS, ascii_case_insensitive=True, overlapping=True)
        .list.eval(pl.element().str.to_lowercase()),
        pl.col("raw").str.extract_many(EXACT_KEYWORDS, overlapping=True),
    ).alias("keywords")
    rows = []
    for file, line, ts, raw, request_id, ip, user, found_keywords in candidates.select(
        "file", "line", "ts", "raw", "request_id", "ip", "user", keywords
    ).iter_rows():  # candidates only: a small share of the lines
        try:
            hits = scan_line(raw, ts, found_keywords)
        except Exception as error:  # noqa: BLE001 - log content must never stop the scan
            if problems is not None:
                problems.append(ScanProblem(file, line, f"{type(error).__name__}: {error}"[:200]))
            continue
        # the secret can be the principal too (an API key as the user): never printed there either
        request_id, ip, user = (mask_in(v, hits) if v else v for v in (request_id, ip, user))
        for hit in hits:
            rows.append(
                (
                    hit.rule,
                    hit.severity,
                    file,
                    line,
                    ts,
                    hit.field,
                    mask(hit.secret, hit.rule),
                    fingerprint(_identity(hit), key),
                    request_id,
                    ip,
                    user,
                    hit.detail,
                    hit.secret,
                    hit.needles,
                )
            )
    schema = {
        "rule": pl.String,
        "severity": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "timestamp": TS_DTYPE,
        "field": pl.String,
        "redacted": pl.String,
        "fingerprint": pl.String,
        "request_id": pl.String,
        "ip": pl.String,
        "user": pl.String,
        "detail": pl.String,
        "secret": pl.String,
        "needles": pl.List(pl.String),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
