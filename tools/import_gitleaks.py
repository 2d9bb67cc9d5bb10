"""Port gitleaks' rule catalog (MIT) into forensics_cli/secrets/rules/gitleaks.toml, and Betterleaks'
(MIT, a gitleaks fork with more rules) into rules/betterleaks.toml.

    python tools/import_gitleaks.py PATH/TO/gitleaks-checkout
    python tools/import_gitleaks.py --catalog betterleaks PATH/TO/betterleaks-checkout

Reads config/gitleaks.toml (the generated rule list) and cmd/generate/config/rules/*.go (each rule's
true- and false-positive examples), converts the RE2 patterns to Python's `re` dialect, and writes
one TOML entry per rule with its examples. Examples written with `secrets.NewSecret(<regex>)` are
generated here from the regex with a fixed seed (tools/regex_sample.py), so the output is stable.
Rules listed in SKIPPED are left out, with the reason.
"""

import json
import re
import sys
import tomllib
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from regex_sample import sample  # noqa: E402

from forensics_cli.secrets.validators import shannon_entropy  # noqa: E402

ROOT = Path(__file__).parent.parent
RULES_DIR = ROOT / "forensics_cli" / "secrets" / "rules"
# every rule's examples, skipped rules included: the corpus benchmarks/secret_corpus.py builds on
FIXTURES = ROOT / "tests" / "fixtures" / "secrets"
CATALOGS = {
    "gitleaks": "Copyright (c) 2019 Zachary Rice, MIT licence (github.com/gitleaks/gitleaks)",
    "betterleaks": "Copyright (c) 2026 Zachary Rice, MIT licence (github.com/betterleaks/betterleaks)",
}
SKIPPED = {
    "generic-api-key": "apiforensics' own generic_secret and sensitive-key rules cover assignments",
    "kubernetes-secret-yaml": "spans several lines of a YAML file; a log record is one line",
    "pkcs12-file": "matches file paths, not content",
    "private-key": "apiforensics' private_key rule checks the PEM body",
    "jwt": "apiforensics' jwt rule decodes header and claims",
    "hashicorp-tf-password": "keyword 'password' with a 2-bit entropy gate: the sensitive-key rule covers it",
    "curl-auth-header": "apiforensics reads Authorization and API-key headers in text itself",
}
# gitleaks keywords too common in API logs to gate a rule on (the rule's other keywords still do)
COMMON_KEYWORDS = {
    "s.",
    "ey",
    "api-",
    "key",
    "auth",
    "api",
    "live_",
    "test_",
    "_pub",
    "secret_key",
    "password",
}
# the contexts a generated example is placed in (a subset of gitleaks' GenerateSampleSecrets)
SAMPLE_CONTEXTS = [
    '{i}Token = "{s}"',
    "{i}_token: {s}",
    '{{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}}',
]
_POSIX = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "xdigit": "0-9a-fA-F",
}


def to_python(pattern: str) -> str:
    """RE2 → Python: scoped flags for a mid-pattern (?i), \\z, POSIX classes."""
    pattern = re.sub(r"\[:(\w+):\]", lambda m: _POSIX[m.group(1)], pattern)
    pattern = pattern.replace(r"\z", r"\Z")
    while True:
        index = pattern.find("(?i)", 1)
        if index < 0:
            return pattern
        end = _group_end(pattern, index + 4)
        pattern = pattern[:index] + "(?i:" + pattern[index + 4 : end] + ")" + pattern[end:]


_OPEN_END = re.compile(r"(\[[^\]]+\])\{\d+(?:,\d+)?\}\)?$")


def _bounded(pattern: str) -> str:
    r"""A token pattern that ends in a fixed-length run (`glsoat-[0-9a-zA-Z_\-]{20}`) matches the start of
    any longer run; apiforensics requires the run to end there (a 58-character string is not a 20-character
    token). Patterns with their own end (a boundary, a delimiter group) are left as they are."""
    found = _OPEN_END.search(pattern)
    return f"{pattern}(?!{found.group(1)})" if found else pattern


_LEFT_CONTEXT = re.compile(r"^(\(\?i\))?(?:\[\\w\.-\]\{0,50\}\?)+(\(\?i:)?(?:\[\\w\.-\]\{0,50\}\?)?")


def _without_left_context(pattern: str) -> str:
    """gitleaks' semi-generic patterns open with `[\\w.-]{0,50}?` (twice, in some) to include the start of
    the name in the match. It never decides whether a pattern matches, and in Python's backtracking engine
    the nested pair costs 2,500 tries per character of a hostile line: dropped."""
    return _LEFT_CONTEXT.sub(lambda m: (m.group(1) or "") + (m.group(2) or ""), pattern, count=1)


def _group_end(pattern: str, start: int) -> int:
    """Index of the ')' closing the group that contains `start` (or the end of the pattern)."""
    depth, index, in_class = 0, start, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")" or (char == "|" and depth == 0):
            # the flag ends with its group; at a '|' too (each gitleaks alternative sets its own flag)
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return len(pattern)


# --- a small evaluator for the Go expressions that build example lists -------------------------
_TOKEN = re.compile(
    r'(?P<skip>//[^\n]*|\s+)|(?P<raw>`[^`]*`)|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<name>[A-Za-z_][\w.]*)'
    r"|(?P<num>\d+(?:\.\d+)?)|(?P<op>\.\.\.|:=|\[\]|[(){},+=])|(?P<other>.)",
    re.S,
)
_GO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}


def _go_string(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return re.sub(
        r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)",
        lambda m: (
            chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "xu" else _GO_ESCAPES.get(m.group(1), m.group(1))
        ),
        token[1:-1],
    )


def _tokens(source: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(source) if m.lastgroup != "skip"]


class _Evaluator:
    def __init__(self, tokens, seed: str):
        self.tokens, self.pos, self.seed, self.env, self.counter = tokens, 0, seed, {}, 0

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def expression(self):
        value = self.term()
        while self.peek()[1] == "+":
            self.take()
            right = self.term()
            value = value + right if isinstance(value, str) and isinstance(right, str) else None
        return value

    def arguments(self):
        args = []
        self.take()  # (
        while self.peek()[1] not in (")", ""):
            args.append(self.expression())
            if self.peek()[1] == "...":
                self.take()
                args[-1] = ("spread", args[-1])
            if self.peek()[1] == ",":
                self.take()
        self.take()  # )
        return args

    def term(self):
        kind, text = self.take()
        if kind in ("raw", "str"):
            return _go_string(text)
        if kind == "num":
            return text
        if text == "[]":
            self.take()  # string
            items = []
            if self.peek()[1] == "{":
                self.take()
                while self.peek()[1] not in ("}", ""):
                    items.append(self.expression())
                    if self.peek()[1] == ",":
                        self.take()
                self.take()
            return items
        if kind == "name" and self.peek()[1] == "(":
            return self.call(text, self.arguments())
        if kind == "name":
            return self.env.get(text)
        if text == "(":
            value = self.expression()
            self.take()
            return value
        return None

    def call(self, name, args):
        plain = [a for a in args if not isinstance(a, tuple)]
        simple = {
            "utils.Numeric": "[0-9]{%s}",
            "utils.Hex": "[a-f0-9]{%s}",
            "utils.AlphaNumeric": "[a-z0-9]{%s}",
            "utils.AlphaNumericExtendedShort": "[a-z0-9_-]{%s}",
            "utils.AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
            "utils.AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}",
        }
        if name in simple and plain and isinstance(plain[0], str):
            return simple[name] % plain[0]
        if name == "utils.Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if name == "secrets.NewSecretWithEntropy" and plain and isinstance(plain[0], str):
            floor = float(plain[1]) if len(plain) > 1 and isinstance(plain[1], str) else 0.0
            for _ in range(50):  # Betterleaks draws until the sample is random enough
                self.counter += 1
                try:
                    drawn = sample(to_python(plain[0]), f"{self.seed}:{self.counter}")
                except re.error:
                    return None
                if shannon_entropy(drawn) >= floor:
                    return drawn
            return None
        if name == "secrets.NewSecret" and plain and isinstance(plain[0], str):
            self.counter += 1
            try:
                return sample(to_python(plain[0]), f"{self.seed}:{self.counter}")
            except re.error:
                return None
        if (
            name == "utils.GenerateSampleSecrets"
            and len(plain) == 2
            and all(isinstance(a, str) for a in plain)
        ):
            ident, secret = plain
            return [c.format(i=ident, I=ident.upper(), s=secret) for c in SAMPLE_CONTEXTS]
        if (
            name == "utils.GenerateSampleSecret"
            and len(plain) == 2
            and all(isinstance(a, str) for a in plain)
        ):
            return f'{plain[0]}_api_token = "{plain[1]}"'
        if (
            name == "fmt.Sprintf"
            and plain
            and isinstance(plain[0], str)
            and all(isinstance(a, str) for a in plain[1:])
        ):
            try:
                return plain[0] % tuple(plain[1:]) if "%s" in plain[0] else plain[0]
            except TypeError:
                return None
        if name == "append" and args:
            items = []
            for arg in args[1:]:
                if isinstance(arg, tuple):
                    items.extend(arg[1] or [])
                else:
                    items.append(arg)
            return ("append", items)
        if name == "strings.ToUpper" and plain and isinstance(plain[0], str):
            return plain[0].upper()
        return None

    def run(self) -> dict[str, list[str]]:
        lists: dict[str, list[str]] = {"tps": [], "fps": []}
        while self.peek()[0] != "eof":
            kind, text = self.peek()
            if kind == "name" and self.peek(1)[1] in (":=", "="):
                self.take()
                self.take()
                start = self.pos
                try:
                    value = self.expression()
                except (IndexError, TypeError):
                    value, self.pos = None, start + 1
                if text in lists:
                    if isinstance(value, tuple):
                        lists[text].extend(v for v in value[1] if isinstance(v, str))
                    elif isinstance(value, list):
                        lists[text] = [v for v in value if isinstance(v, str)]
                    elif isinstance(value, str):
                        lists[text] = [value]
                else:
                    self.env[text] = value
            elif (
                kind == "name"
                and text in ("utils.Validate", "utils.ValidateWithPaths")
                and self.peek(1)[1] == "("
            ):
                self.take()  # Betterleaks passes them inline: utils.Validate(r, []string{…}, []string{…})
                try:
                    args = self.arguments()
                except (IndexError, TypeError):
                    continue
                for name, value in zip(("tps", "fps"), args[1:3], strict=False):
                    if isinstance(value, list) and value is not lists[name]:
                        lists[name].extend(v for v in value if isinstance(v, str) and v not in lists[name])
            else:
                self.take()
        return lists


def examples(go_dir: Path) -> dict[str, dict[str, list[str]]]:
    """rule id -> {"tps": [...], "fps": [...]} from the Go rule definitions."""
    found = {}
    for path in sorted(go_dir.glob("*.go")):
        for chunk in re.split(r"\nfunc ", path.read_text()):
            ids = re.findall(r'RuleID:\s*"([^"]+)"', chunk)
            if len(ids) != 1:
                continue
            found[ids[0]] = _Evaluator(_tokens(chunk), ids[0]).run()
    return found


def _literal_prefix(pattern: str) -> str:
    """The fixed characters a secret starts with (`ghp_`), for masking: none when case is folded."""
    match = re.match(r"\\b|\^", pattern)
    body = pattern[match.end() :] if match else pattern
    if body.startswith("("):
        body = body[1:]
    prefix = re.match(r"(?:[A-Za-z0-9_~]|\\[.\-])+", body)
    return prefix.group().replace("\\", "") if prefix else ""


_LOG_LINES: list[str] = []


def _common_in_logs(keyword: str) -> bool:
    """The keyword, matched as apiforensics will match it, is in more than 0.5 % of the lines of ordinary
    API logs (sample_logs/ and the real fixtures): `ion_` is in every `session_id`, and would send every
    line to the slow path."""
    if not _LOG_LINES:
        for path in [
            *(ROOT / "sample_logs").rglob("*"),
            *(ROOT / "tests" / "fixtures" / "realworld").glob("*"),
        ]:
            if path.is_file():
                data = path.read_bytes()
                if path.suffix == ".gz":  # sample_logs/ holds a gzip cut short on purpose: what it has
                    data = zlib.decompressobj(wbits=31).decompress(data)
                _LOG_LINES.extend(data.decode("utf-8", "replace").splitlines())
    exact = keyword != keyword.lower() or re.fullmatch(r"[0-9a-f]+", keyword)  # as catalog.is_exact_keyword
    hits = sum(keyword in (line if exact else line.lower()) for line in _LOG_LINES)
    return hits > 0.005 * len(_LOG_LINES)


def _keyword_case(keyword: str, regex: str) -> str:
    """The keyword as the pattern spells it where the pattern is case-sensitive (`A3-`, `EAAC`), so that
    apiforensics matches it as written (catalog.is_exact_keyword): folded, `a3-` is in every other UUID."""
    if regex.startswith("(?i)") or len(keyword) > 5:  # long keywords do not collide with hex runs
        return keyword
    found = re.search(re.escape(keyword), regex, re.IGNORECASE)
    if found and regex[: found.start()].endswith(("|", "(?-i:")):  # (?-i:[Oo]kta|OKTA): any case
        return keyword
    if found and found.group() != keyword:
        return found.group()
    head = re.search(re.escape(keyword[:3]), regex, re.IGNORECASE)
    if not found and head and head.group().isupper():
        return keyword.upper()
    return keyword


def severity(rule_id: str) -> str:
    if re.search(r"test|client-id|public-key|pub-key|user-api-id|publishable", rule_id):
        return "low"
    return "high"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _toml_list(values) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


_FILTER_ENTROPY = re.compile(r'^\s*(?:filter\.)?entropy\(finding\["secret"\]\)\s*(<=?)\s*([0-9.]+)\s*$')


def _filter_entropy(rule: dict) -> float | None | bool:
    """Betterleaks writes a rule's entropy floor as a CEL filter (`entropy(finding["secret"]) < 3.5`):
    the floor, None without a filter, False for a filter this port cannot express (the rule is skipped)."""
    expression = rule.get("filter")
    if not expression:
        return None
    found = _FILTER_ENTROPY.match(expression)
    if not found:
        return False
    floor = float(found.group(2))
    return floor + 0.001 if found.group(1) == "<=" else floor


def convert(checkout: Path, catalog: str, known: set[str]) -> str:
    """The catalog's rules as apiforensics rule entries, less SKIPPED and the ids in `known`."""
    config = tomllib.loads((checkout / "config" / f"{catalog}.toml").read_text())
    tests = examples(checkout / "cmd" / "generate" / "config" / "rules")
    lines = [
        f"# Generated by tools/import_gitleaks.py from {catalog}' rule catalog: do not edit by hand.",
        f"# {catalog}: {CATALOGS[catalog]}.",
        "# Patterns converted from RE2 to Python; examples from cmd/generate/config/rules/*.go.",
        "",
    ]
    for rule in config["rules"]:
        rule_id = rule["id"]
        if rule_id in SKIPPED or rule_id in known or "regex" not in rule:
            continue
        if rule.get("required") or rule.get("skipReport"):  # composite rules: parts of another finding
            continue
        entropy = rule.get("entropy") or _filter_entropy(rule)
        if entropy is False:
            print(f"skipped {rule_id}: filter {rule['filter'].strip()[:60]!r}", file=sys.stderr)
            continue
        pattern = _bounded(_without_left_context(to_python(rule["regex"])))
        try:
            re.compile(pattern)
        except re.error as error:
            print(f"skipped {rule_id}: {error}", file=sys.stderr)
            continue
        keywords = [
            cased
            for k in rule.get("keywords", [])
            if k.lower() not in COMMON_KEYWORDS
            and not _common_in_logs(cased := _keyword_case(k.lower(), rule["regex"]))
        ]
        if not keywords:
            print(f"skipped {rule_id}: only common keywords {rule.get('keywords')}", file=sys.stderr)
            continue
        if known and not tests.get(rule_id, {}).get("tps"):  # an added catalog brings only tested rules
            print(f"skipped {rule_id}: no examples", file=sys.stderr)
            continue
        lines += [
            "[[rule]]",
            f"id = {_toml_string(rule_id)}",
            f"severity = {_toml_string(severity(rule_id))}",
        ]
        lines.append(f"pattern = {_toml_string(pattern)}")
        if "secretGroup" in rule:  # else the first group that took part in the match, as gitleaks does
            lines.append(f"group = {rule['secretGroup']}")
        lines.append(f"keywords = {_toml_list(keywords)}")
        if entropy:
            lines.append(f"entropy = {entropy}")
        if "{0,50}?(?:" in rule["regex"][:40] or "{0,50}?(?i:" in rule["regex"][:40]:
            # gitleaks' semi-generic form: `<vendor name>... = <value in the vendor's format>`
            lines.append("vendor_key = true")
        prefix = _literal_prefix(rule["regex"])
        if len(prefix) >= 3:
            lines.append(f"mask_prefix = {_toml_string(prefix)}")
        allow = [a for a in rule.get("allowlists", []) if a.get("regexes") or a.get("stopwords")]
        regexes = [
            to_python(r)
            for a in allow
            if a.get("regexTarget", "secret") == "secret"
            for r in a.get("regexes", [])
        ]
        stopwords = [s for a in allow for s in a.get("stopwords", [])]
        if regexes:
            lines.append(f"allow_regexes = {_toml_list(regexes)}")
        if stopwords:
            lines.append(f"stopwords = {_toml_list(stopwords)}")
        lines.append(f"source = {_toml_string(catalog + ' ' + rule_id)}")
        found = tests.get(rule_id, {"tps": [], "fps": []})
        # a value marked EXAMPLE is a documentation example (fields.EXAMPLE_MARK): not a finding
        flag = [t for t in found["tps"] if "EXAMPLE" not in t]
        ignore = found["fps"] + [t for t in found["tps"] if "EXAMPLE" in t]
        lines.append(f"flag = {_toml_list(dict.fromkeys(flag))}")
        lines.append(f"ignore = {_toml_list(dict.fromkeys(ignore))}")
        lines.append("")
    return "\n".join(lines)


def all_examples(checkout: Path, catalog: str) -> list[dict]:
    """Every rule's true and false positives, as labelled by the catalog."""
    config = tomllib.loads((checkout / "config" / f"{catalog}.toml").read_text())
    tests = examples(checkout / "cmd" / "generate" / "config" / "rules")
    found = []
    for rule in config["rules"]:
        cases = tests.get(rule["id"], {"tps": [], "fps": []})
        for label, texts in ((True, cases["tps"]), (False, cases["fps"])):
            for text in dict.fromkeys(texts):
                found.append({"source": f"{catalog} {rule['id']}", "text": text, "secret": label})
    return found


def _rule_ids(path: Path) -> set[str]:
    return {r["id"] for r in tomllib.loads(path.read_text()).get("rule", [])} if path.exists() else set()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    catalog = "gitleaks"
    if arguments[:1] == ["--catalog"]:
        catalog, arguments = arguments[1], arguments[2:]
    checkout = Path(arguments[0])
    output = RULES_DIR / f"{catalog}.toml"
    # a later catalog adds only the rules the earlier ones lack (Betterleaks is a gitleaks fork)
    known = set() if catalog == "gitleaks" else _rule_ids(RULES_DIR / "gitleaks.toml")
    output.write_text(convert(checkout, catalog, known))
    examples_file = FIXTURES / f"{catalog}_examples.json"
    examples_file.parent.mkdir(parents=True, exist_ok=True)
    found = [e for e in all_examples(checkout, catalog) if e["source"].split(" ", 1)[1] not in known]
    examples_file.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {output} and {examples_file}", file=sys.stderr)
