"""Every secret rule's own examples (rules/apiforensics.toml, rules/gitleaks.toml): each `flag` example
is found by that rule, each `ignore` example is not (detect-secrets style, one case per example)."""

import pytest

from forensics_cli.secrets.catalog import (
    FIELD_RULES,
    RULES,
    SecretRule,
    rules_for,
    scan_assignments,
    scan_value,
)
from forensics_cli.secrets.scan import scan_line

VALUE_CASES = [(r, e) for r in RULES for e in r.flag]
IGNORE_CASES = [(r, e) for r in RULES for e in r.ignore]


def _case_ids(cases) -> list[str]:
    """`rule-N`: ids without spaces or brackets, which tools that re-run one test by id (mutmut) need."""
    seen: dict[str, int] = {}
    ids = []
    for rule, _ in cases:
        seen[rule.id] = seen.get(rule.id, 0) + 1
        ids.append(f"{rule.id}-{seen[rule.id]}")
    return ids


def _finds(rule: SecretRule, text: str) -> bool:
    """The rule, gated by its keywords as in a scan, finds a secret in the text (gitleaks' semantics)."""
    if rule.role == "assignment":
        return any(found_rule is rule for found_rule, _ in scan_assignments(text))
    gated = [r for r in rules_for(text) if r is rule]
    return any(found_rule is rule for found_rule, _ in scan_value(text, gated))


@pytest.mark.parametrize("case", VALUE_CASES, ids=_case_ids(VALUE_CASES))
def test_rule_finds_its_should_flag_example(case):
    rule, example = case
    assert _finds(rule, example), f"{rule.id} misses {example!r}"


@pytest.mark.parametrize("case", IGNORE_CASES, ids=_case_ids(IGNORE_CASES))
def test_rule_leaves_its_should_not_flag_example(case):
    rule, example = case
    assert not _finds(rule, example), f"{rule.id} flags {example!r}"


OWN_RULES = [r for r in RULES if r.source.startswith("apiforensics") or r.replaces if r.role == "value"]


@pytest.mark.parametrize("rule", OWN_RULES, ids=[r.id for r in OWN_RULES])
def test_own_rule_examples_are_found_by_the_whole_scan_in_a_json_line(rule: SecretRule):
    """The scan (prefilter keywords, field walk, dedup) reports the rule for its examples."""
    for example in rule.flag:
        escaped = example.replace("\\", "\\\\").replace('"', '\\"')
        assert rule.id in {h.rule for h in scan_line('{"note": "seen %s here"}' % escaped)}, example


FIELD_FLAG = [(r, e) for r in FIELD_RULES for e in r.flag]
FIELD_IGNORE = [(r, e) for r in FIELD_RULES for e in r.ignore]


@pytest.mark.parametrize("case", FIELD_FLAG, ids=_case_ids(FIELD_FLAG))
def test_field_rule_flags_its_example_line(case):
    rule, line = case
    assert rule.id in {h.rule for h in scan_line(line)}


@pytest.mark.parametrize("case", FIELD_IGNORE, ids=_case_ids(FIELD_IGNORE))
def test_field_rule_leaves_its_example_line(case):
    rule, line = case
    assert rule.id not in {h.rule for h in scan_line(line)}


def test_every_rule_has_examples_and_a_source():
    """A rule nobody can test is a rule nobody can trust (four gitleaks rules ship with no example)."""
    without = {r.id for r in RULES if not r.flag}
    assert without <= {
        "dropbox-long-lived-api-token",
        "dropbox-short-lived-api-token",
        "nuget-config-password",
    }
    assert all(r.source for r in [*RULES, *FIELD_RULES])


def test_rule_ids_are_unique_and_replaced_gitleaks_rules_are_not_loaded_twice():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert "github-pat" not in ids and "github_token" in ids and "azure-ad-client-secret" in ids


def test_no_ported_pattern_keeps_gitleaks_left_context():
    """`[\\w.-]{0,50}?` before a name never decides a match and, nested, made one hostile 60 KB line cost
    1.5 s in Python's backtracking engine: tools/import_gitleaks.py drops it."""
    assert not [r.id for r in RULES if "{0,50}?" in r.pattern_text]


def test_unbounded_scans_are_bounded_in_our_rules():
    """A lazy `.*?` or `[^\\n]*?` over a whole line, once per keyword occurrence, is quadratic."""
    assert not [r.id for r in RULES if "*?" in r.pattern_text or "[^\\n]*" in r.pattern_text]
