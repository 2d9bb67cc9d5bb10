"""The secret rules, loaded from data: rules/apiforensics.toml (ours), rules/gitleaks.toml and
rules/betterleaks.toml (ported by tools/import_gitleaks.py). One list, RULES; each rule carries its own
examples."""

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from forensics_cli.secrets.fields import is_hashed, is_placeholder
from forensics_cli.secrets.validators import VALIDATORS, Verdict, shannon_entropy

# ours first (a secret keeps our rule's name), then gitleaks', then what Betterleaks adds to them
RULE_FILES = ("apiforensics.toml", "gitleaks.toml", "betterleaks.toml")
RULES_DIR = Path(__file__).parent / "rules"


@dataclass(frozen=True)
class Found:
    secret: str
    severity: str
    note: str = ""
    key: str = ""  # the name the secret was assigned to in free text (`DB_PASSWORD`), when the rule says


@dataclass(frozen=True)
class SecretRule:
    """A secret format: where `pattern` matches (and its checks pass), `group` is the secret."""

    id: str
    severity: str
    pattern_text: str
    keywords: tuple[str, ...]  # a text must hold one for the rule to run (see is_exact_keyword)
    group: int | None = None  # None: the first group that took part in the match, else the match
    entropy: float | None = None
    validator: str | None = None
    mask_prefixes: tuple[str, ...] = ()
    role: str = "value"  # "assignment": free text only, after the value rules found nothing
    # the rule knows the format of values assigned to its vendor's names (`meraki_api_key = …`): a value
    # under such a name that the rule rejects is not reported by the generic assignment rules either
    vendor_key: bool = False
    allow_regexes: tuple[str, ...] = ()  # matched against the secret: not a finding
    stopwords: tuple[str, ...] = ()
    source: str = ""
    flag: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    replaces: tuple[str, ...] = field(default=(), compare=False)
    folded: tuple[str, ...] = ()  # the keywords matched in any case (lower-cased)
    exact: tuple[str, ...] = ()  # the keywords matched as written

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(self.pattern_text)

    @cached_property
    def _allow(self) -> list[re.Pattern]:
        return [re.compile(p) for p in self.allow_regexes]

    def _secret_of(self, match: re.Match) -> str | None:
        if "secret" in self.pattern.groupindex:
            return match.group("secret")
        if self.group is not None:
            return match.group(self.group)
        return next((g for g in match.groups() if g), None) or match.group()

    def find(self, text: str) -> list[Found]:
        """Every secret this rule finds in `text`, with its severity and note."""
        found = []
        for match in self.pattern.finditer(text):
            secret = self._secret_of(match)
            if not secret or is_placeholder(secret) or is_hashed(secret):
                continue
            if self.entropy and shannon_entropy(secret) < self.entropy:
                continue
            lowered = secret.lower()
            if any(p.search(secret) for p in self._allow) or any(w in lowered for w in self.stopwords):
                continue
            verdict = VALIDATORS[self.validator](secret, match) if self.validator else Verdict()
            if verdict is not None:
                key = match.group("key") if "key" in self.pattern.groupindex else ""
                found.append(Found(secret, verdict.severity or self.severity, verdict.note, key or ""))
        return found

    def mask_prefix(self, secret: str) -> str:
        """The fixed start of the secret that masking keeps (`ghp_`), or ''."""
        return _leading(self.mask_prefixes, secret)


def _leading(prefixes: tuple[str, ...], value: str) -> str:
    return next((p for p in prefixes if value.startswith(p)), "")


def is_exact_keyword(keyword: str) -> bool:
    """Written with capitals (`A3-`, `EAAA`, `SK`) or hex digits only (`4b1d`): matched as written, because
    folded they occur in every UUID and hash of a log; other keywords are matched in any case."""
    return keyword != keyword.lower() or bool(re.fullmatch(r"[0-9a-f]+", keyword))


def _rule(entry: dict) -> SecretRule:
    prefixes = entry.get("mask_prefix", "")
    return SecretRule(
        id=entry["id"],
        severity=entry["severity"],
        pattern_text=entry["pattern"],
        keywords=tuple(entry["keywords"]),
        group=entry.get("group"),
        entropy=entry.get("entropy"),
        validator=entry.get("validator"),
        mask_prefixes=tuple(sorted(filter(None, prefixes.split("|")), key=len, reverse=True)),
        role=entry.get("role", "value"),
        vendor_key=entry.get("vendor_key", False),
        allow_regexes=tuple(entry.get("allow_regexes", ())),
        stopwords=tuple(entry.get("stopwords", ())),
        source=entry.get("source", ""),
        flag=tuple(entry.get("flag", ())),
        ignore=tuple(entry.get("ignore", ())),
        replaces=tuple(entry.get("replaces", ())),
        folded=tuple(k.lower() for k in entry["keywords"] if not is_exact_keyword(k)),
        exact=tuple(k for k in entry["keywords"] if is_exact_keyword(k)),
    )


@dataclass(frozen=True)
class FieldRule:
    """A rule the scan applies by where a value sits (a key, a header, a URL): metadata and examples."""

    id: str
    severity: str
    mask_prefixes: tuple[str, ...]
    source: str
    flag: tuple[str, ...]
    ignore: tuple[str, ...]

    def mask_prefix(self, secret: str) -> str:
        """The scheme that masking keeps (`Bearer `), or ''."""
        return _leading(self.mask_prefixes, secret)


def load(directory: Path = RULES_DIR) -> tuple[list[SecretRule], list[FieldRule]]:
    """The value rules (ours, then gitleaks' that ours do not replace) and the field rules."""
    rules: list[SecretRule] = []
    field_rules: list[FieldRule] = []
    replaced: dict[str, int] = {}  # a replaced gitleaks rule id -> the index of the rule replacing it
    loaded: set[str] = set()
    for name in RULE_FILES:
        data = tomllib.loads((directory / name).read_text(encoding="utf-8"))
        for entry in data.get("rule", []):
            if entry["id"] in loaded:  # a later catalog's copy of a rule already loaded
                continue
            if entry["id"] in replaced:  # its allowlist (known public keys, stopwords) still applies
                index = replaced[entry["id"]]
                rules[index] = dataclasses.replace(
                    rules[index],
                    allow_regexes=rules[index].allow_regexes + tuple(entry.get("allow_regexes", ())),
                    stopwords=rules[index].stopwords + tuple(entry.get("stopwords", ())),
                )
                continue
            rule = _rule(entry)
            replaced.update(dict.fromkeys(rule.replaces, len(rules)))
            loaded.add(rule.id)
            rules.append(rule)
        for entry in data.get("field_rule", []):
            prefixes = tuple(filter(None, entry.get("mask_prefix", "").split("|")))
            field_rules.append(
                FieldRule(
                    entry["id"],
                    entry["severity"],
                    prefixes,
                    entry.get("source", ""),
                    tuple(entry.get("flag", ())),
                    tuple(entry.get("ignore", ())),
                )
            )
    return rules, field_rules


RULES, FIELD_RULES = load()
ASSIGNMENT_RULES = [r for r in RULES if r.role == "assignment"]
BY_ID: dict[str, SecretRule | FieldRule] = {r.id: r for r in [*RULES, *FIELD_RULES]}


FOLDED_KEYWORDS = sorted({k for r in RULES for k in r.folded})
EXACT_KEYWORDS = sorted({k for r in RULES for k in r.exact})
_BY_KEYWORD: dict[str, list[SecretRule]] = {}
for _rule_entry in RULES:
    for _keyword in (*_rule_entry.folded, *_rule_entry.exact):
        _BY_KEYWORD.setdefault(_keyword, []).append(_rule_entry)
_ORDER = {id(r): index for index, r in enumerate(RULES)}


def keywords_in(text: str) -> set[str]:
    """The catalog's keywords that occur in `text` (folded ones lower-cased)."""
    lowered = text.lower()
    return {k for k in FOLDED_KEYWORDS if k in lowered} | {k for k in EXACT_KEYWORDS if k in text}


def rules_with(keywords: set[str]) -> list[SecretRule]:
    """The rules gated on any of these keywords, in catalog order."""
    found = {id(r): r for k in keywords for r in _BY_KEYWORD.get(k, ())}
    return sorted(found.values(), key=lambda r: _ORDER[id(r)])


def rules_for(text: str) -> list[SecretRule]:
    """The rules whose keywords occur in `text` (in catalog order)."""
    return rules_with(keywords_in(text))


def holds_keyword(rule: SecretRule, text: str, lowered: str) -> bool:
    return any(k in lowered for k in rule.folded) or any(k in text for k in rule.exact)


_ESCAPED_WHITESPACE = re.compile(r"\\[nrt]")


def _views(text: str) -> list[str]:
    """The text, and the text with literal `\\n`, `\\t`, `\\r` as the whitespace they stand for."""
    unescaped = _ESCAPED_WHITESPACE.sub(" ", text) if "\\" in text else text
    return [text, unescaped] if unescaped != text else [text]


def scan_value(text: str, rules: list[SecretRule] | None = None) -> list[tuple[SecretRule, Found]]:
    """Every (rule, finding) of the value rules in the text. A literal `\\n` (an escaped multi-line
    string, a Python repr) counts as the whitespace it stands for, so a token right after it is found."""
    candidates = [r for r in (rules_for(text) if rules is None else rules) if r.role == "value"]
    if not candidates:
        return []
    views = _views(text)
    found, seen = [], set()
    for rule in candidates:
        for view in views:
            for hit in rule.find(view):
                if (rule.id, hit.secret) not in seen:
                    seen.add((rule.id, hit.secret))
                    found.append((rule, hit))
    return found


def vendor_owns(key: str, rules: list[SecretRule], value: str = "") -> bool:
    """A vendor rule among `rules` claims the name `key` (it holds the vendor's keyword), or the value
    starts with a rule's fixed prefix (`xoxp-`, `dapi`, `ops_eyJ`): that rule judged the value already,
    and a value it rejected is not reported again as a generic secret."""
    lowered = key.lower()
    if any(r.vendor_key and any(k in lowered for k in r.folded) for r in rules):
        return True
    # not eyJ: a value that is no JWT can still be an opaque token
    return bool(value) and any(
        r.role == "value" and r.validator != "jwt" and r.mask_prefix(value) for r in rules
    )


def scan_assignments(text: str) -> list[tuple[SecretRule, Found]]:
    """key = value, keyword-value and command-line forms in free text."""
    lowered = text.lower()
    views = _views(text)
    found, seen = [], set()
    for rule in ASSIGNMENT_RULES:
        if holds_keyword(rule, text, lowered):
            for view in reversed(views):  # the unescaped view first: `\npassword=` is the name `password`
                for hit in rule.find(view):
                    if (rule.id, hit.secret) not in seen:
                        seen.add((rule.id, hit.secret))
                        found.append((rule, hit))
    return found
