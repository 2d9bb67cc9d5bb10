"""Value rules: secrets recognisable by their format wherever they appear.

Patterns for vendor tokens follow gitleaks' rules (MIT licence, github.com/gitleaks/gitleaks,
config/gitleaks.toml), simplified; each rule has should-flag and should-not-flag cases in
tests/test_secret_detectors.py.
"""

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Documented example values from vendor docs: never findings
EXAMPLE_VALUES = {
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
}


@dataclass(frozen=True)
class ValueRule:
    """A secret format: `pattern` group 1 (or the whole match) is the secret."""

    name: str
    severity: str
    pattern: re.Pattern
    keywords: tuple[str, ...]  # lower-case substrings, one of which a line must contain
    accept: Callable[[str], bool] | None = None  # extra check on the secret

    def find(self, text: str) -> list[str]:
        found = []
        for match in self.pattern.finditer(text):
            value = match.group(1) if match.groups() else match.group()
            if value in EXAMPLE_VALUES or "EXAMPLE" in value:
                continue
            if self.accept is None or self.accept(value):
                found.append(value)
        return found


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _mixed(value: str) -> bool:
    """Looks random: entropy above 3 bits/char and not all one character class."""
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return shannon_entropy(value) > 3.0 and classes >= 2


RULES: list[ValueRule] = [
    ValueRule(
        "private_key",
        "critical",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[^-]*-----|$)"),
        ("private key",),
    ),
    ValueRule(
        "aws_access_key_id",
        "high",
        re.compile(r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b"),
        ("akia", "asia", "abia", "acca"),
    ),
    ValueRule(
        "aws_secret_access_key",
        "critical",
        re.compile(
            r"(?i)aws.{0,20}?(?:secret|sk).{0,20}?['\"=:\s]{1,4}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        ("aws",),
        accept=_mixed,
    ),
    ValueRule(
        "github_token",
        "high",
        re.compile(r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})\b"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    ValueRule(
        "github_fine_grained_pat", "high", re.compile(r"\b(github_pat_[A-Za-z0-9_]{82})\b"), ("github_pat_",)
    ),
    ValueRule("gitlab_token", "high", re.compile(r"\b(glpat-[A-Za-z0-9_\-]{20})\b"), ("glpat-",)),
    ValueRule("slack_token", "high", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})\b"), ("xox",)),
    ValueRule(
        "slack_webhook",
        "high",
        re.compile(r"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_]{20,})"),
        ("hooks.slack.com",),
    ),
    ValueRule(
        "stripe_live_key",
        "critical",
        re.compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,99})\b"),
        ("sk_live_", "rk_live_"),
    ),
    ValueRule(
        "stripe_test_key",
        "low",
        re.compile(r"\b((?:sk|rk)_test_[A-Za-z0-9]{20,99})\b"),
        ("sk_test_", "rk_test_"),
    ),
    ValueRule(
        "google_api_key", "high", re.compile(r"\b(AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])"), ("aiza",)
    ),
    ValueRule(
        "anthropic_api_key",
        "high",
        re.compile(r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,120})"),
        ("sk-ant-",),
    ),
    ValueRule(
        "openai_api_key",
        "high",
        re.compile(r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,})"),
        ("t3blbkfj",),
    ),
    ValueRule(
        "sendgrid_api_key", "high", re.compile(r"\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})\b"), ("sg.",)
    ),
    ValueRule("twilio_api_key", "high", re.compile(r"\b(SK[0-9a-f]{32})\b"), ("sk",), accept=_mixed),
    ValueRule("npm_token", "high", re.compile(r"\b(npm_[A-Za-z0-9]{36})\b"), ("npm_",)),
    ValueRule(
        "pypi_token", "high", re.compile(r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})"), ("pypi-agei",)
    ),
    ValueRule(
        "jwt",
        "high",
        re.compile(r"\b(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)"),
        ("eyj",),
    ),
]

# key = value in free text (tracebacks, non-JSON lines): the generic rule, entropy-gated
GENERIC_ASSIGNMENT = ValueRule(
    "generic_secret",
    "medium",
    re.compile(
        r"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)\w{0,20}"
        r"['\"]?\s*[=:]\s*['\"]?([^\s'\"&,;)}\]]{8,})"
    ),
    (
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
    ),
    accept=lambda v: shannon_entropy(v) >= 3.0 and not v.lower().startswith(("http", "none", "null")),
)


def scan_value(text: str) -> list[tuple[ValueRule, str]]:
    """Every (rule, secret) that a format rule finds in the text (not the generic rule)."""
    lowered = text.lower()
    found = []
    for rule in RULES:
        if any(k in lowered for k in rule.keywords):
            found.extend((rule, value) for value in rule.find(text))
    return found
