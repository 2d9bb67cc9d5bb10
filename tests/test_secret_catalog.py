"""The rule catalog's loader and keyword index (forensics_cli/secrets/catalog.py), on hand-built rule
files: order, replacement, inherited allowlists, duplicates, keyword matching as written or folded."""

import re

import pytest

from forensics_cli.secrets import catalog
from forensics_cli.secrets.catalog import SecretRule, is_exact_keyword, load

OURS = """
[[rule]]
id = "token_one"
severity = "high"
pattern = '''\\b(tok1_[a-z0-9]{12})\\b'''
group = 1
keywords = ["tok1_"]
entropy = 1.5
validator = "mixed"
mask_prefix = "tok1_|t"
replaces = ["their-token"]
source = "test"
flag = ["tok1_abcdef123456"]
ignore = ["tok1_aaaaaaaaaaaa"]

[[field_rule]]
id = "where_it_sits"
severity = "medium"
mask_prefix = "Basic |Bearer "
source = "test"
flag = ['{"a": 1}']
ignore = []
"""
THEIRS = """
[[rule]]
id = "their-token"
severity = "high"
pattern = '''tok1_[a-z0-9]{12}'''
keywords = ["tok1_"]
allow_regexes = ["tok1_000000000000"]
stopwords = ["sample"]
source = "gitleaks their-token"
flag = []
ignore = []

[[rule]]
id = "other-token"
severity = "low"
pattern = '''\\b(OTH-[A-Z0-9]{10})\\b'''
keywords = ["OTH-"]
entropy = 2.5
group = 1
vendor_key = true
source = "gitleaks other-token"
flag = []
ignore = []
"""
LATER = """
[[rule]]
id = "other-token"
severity = "high"
pattern = '''never'''
keywords = ["never"]
source = "betterleaks other-token"

[[rule]]
id = "added-token"
severity = "medium"
pattern = '''add_[0-9]{6}'''
keywords = ["add_"]
role = "assignment"
source = "betterleaks added-token"
"""


@pytest.fixture
def rules_dir(tmp_path):
    (tmp_path / "apiforensics.toml").write_text(OURS)
    (tmp_path / "gitleaks.toml").write_text(THEIRS)
    (tmp_path / "betterleaks.toml").write_text(LATER)
    return tmp_path


def test_load_keeps_ours_first_replaces_theirs_and_inherits_their_allowlist(rules_dir):
    rules, field_rules = load(rules_dir)
    assert [r.id for r in rules] == ["token_one", "other-token", "added-token"]
    expected = SecretRule(
        id="token_one",
        severity="high",
        pattern_text=r"\b(tok1_[a-z0-9]{12})\b",
        keywords=("tok1_",),
        group=1,
        entropy=1.5,
        validator="mixed",
        mask_prefixes=("tok1_", "t"),  # longest first
        role="value",
        allow_regexes=("tok1_000000000000",),  # inherited from the rule it replaces
        stopwords=("sample",),
        source="test",
        flag=("tok1_abcdef123456",),
        ignore=("tok1_aaaaaaaaaaaa",),
        replaces=("their-token",),
        folded=("tok1_",),
        exact=(),
    )
    assert rules[0] == expected and rules[0].replaces == ("their-token",) and not rules[0].vendor_key
    other = rules[1]
    assert (other.severity, other.source, other.entropy, other.group) == (
        "low",
        "gitleaks other-token",
        2.5,
        1,
    )
    assert other.vendor_key and other.exact == ("OTH-",) and other.folded == () and other.mask_prefixes == ()
    assert rules[2].role == "assignment" and rules[2].flag == () and rules[2].validator is None
    (field,) = field_rules
    assert (field.id, field.severity, field.mask_prefixes) == (
        "where_it_sits",
        "medium",
        ("Basic ", "Bearer "),
    )
    assert field.flag == ('{"a": 1}',) and field.source == "test"


def test_an_inherited_allowlist_and_stopword_drop_their_values(rules_dir):
    ours = load(rules_dir)[0][0]
    assert [f.secret for f in ours.find("tok1_abcdef123456 tok1_000000000000")] == ["tok1_abcdef123456"]
    sample_rule = SecretRule("s", "high", r"\b(tok1_[a-z0-9]{12})\b", ("tok1_",), stopwords=("sample",))
    assert sample_rule.find("tok1_sample12345x") == []


def test_find_takes_the_named_secret_the_group_or_the_first_group_that_matched():
    named = SecretRule("n", "high", r"(?P<key>pw)=(?P<secret>\w+)", ("pw",))
    numbered = SecretRule("g", "high", r"(a)(b)", ("a",), group=2)
    first = SecretRule("f", "high", r"(x)|(y)", ("x",))
    whole = SecretRule("w", "high", r"zz", ("z",))
    assert [(f.secret, f.key) for f in named.find("pw=hunter22")] == [("hunter22", "pw")]
    assert [f.secret for f in numbered.find("ab")] == ["b"]
    assert [f.secret for f in first.find("y")] == ["y"]
    assert [f.secret for f in whole.find("zz")] == ["zz"]


def test_entropy_floor_is_a_boundary():
    floor = catalog.shannon_entropy("ab12")  # 2 bits per character
    assert SecretRule("e", "high", r"\w+", ("a",), entropy=floor).find("ab12")
    assert not SecretRule("e", "high", r"\w+", ("a",), entropy=floor + 0.01).find("ab12")


@pytest.mark.parametrize(
    ("keyword", "exact"),
    [
        ("A3-", True),
        ("EAAA", True),
        ("4b1d", True),
        ("abcdef", True),
        ("ghp_", False),
        ("a3-", False),
        ("xoxb", False),
    ],
)
def test_exact_keywords_are_those_with_capitals_or_only_hex_digits(keyword, exact):
    assert is_exact_keyword(keyword) is exact


def test_keywords_in_a_text_fold_case_except_the_exact_ones():
    assert {"ghp_"} <= catalog.keywords_in("token GHP_abc")
    assert "A3-" not in catalog.keywords_in("uuid 1a3-4b")  # folded it would be in every UUID
    assert "A3-" in catalog.keywords_in("key A3-ABCDEF")


def test_rules_for_a_text_come_in_catalog_order_once_each():
    found = catalog.rules_for("ghp_x gho_y AKIA z")
    ids = [r.id for r in found]
    assert ids.index("aws_access_key_id") < ids.index("github_token") and ids.count("github_token") == 1
    assert catalog.rules_for("nothing to see") == []


def test_vendor_owns_a_name_its_rule_is_gated_on_or_a_value_with_its_prefix():
    rules = catalog.rules_for("meraki_api_key xoxp-1234 dapi")
    assert catalog.vendor_owns("meraki_api_key", rules)
    assert catalog.vendor_owns("token1", rules, "xoxp-1234567890")
    assert not catalog.vendor_owns("token1", rules, "qq8W3e5R7t9Y1u3I5")
    assert not catalog.vendor_owns("access_token", catalog.rules_for("eyJ"), "eyJ0eXAioiJKV1slS3oASx==")


def test_escaped_newlines_count_as_whitespace_for_value_and_assignment_rules():
    token = "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"
    assert [r.id for r, _ in catalog.scan_value("cfg\\n" + token)] == ["github_token"]
    assert catalog.scan_value("cfg\\n" + token, []) == []
    found = catalog.scan_assignments("x\\npassword=Tr0ub4dor3x")
    assert [(r.id, f.secret) for r, f in found] == [("generic_secret", "Tr0ub4dor3x")]


def test_every_keyword_of_the_shipped_catalog_is_indexed():
    assert all(re.fullmatch(r"\S+(?: \S+)*", k) for k in catalog.FOLDED_KEYWORDS + catalog.EXACT_KEYWORDS)
    assert set(catalog.EXACT_KEYWORDS) >= {"A3T", "AKIA", "SK"}
