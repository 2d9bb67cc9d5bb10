"""Recall and precision of scan-secrets on other projects' labelled examples, placed in log lines.

    python benchmarks/secret_corpus.py [--update-doc] [--misses FILE]

The examples are gitleaks' true and false positives (MIT) and detect-secrets' should-flag /
should-not-flag cases (Apache-2.0), collected by tools/import_gitleaks.py and
tools/import_detect_secrets.py into tests/fixtures/secrets/. Each example goes into eight contexts a log
line gives a secret: a neutral JSON field, a sentence, a config dump, a Python or Java stack trace, a
header, a query string (percent-encoded), a form body, and JSON inside a string. Recall is the share of
(positive example, context) lines with a finding; the false-positive rate the share of negative
lines with one. detect-secrets and Kingfisher (`--no-validate`) scan the same files when installed
(`make bench` installs both).
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from forensics_cli.secrets.jwt import decode as decode_jwt  # noqa: E402
from forensics_cli.secrets.validators import shannon_entropy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "secrets"
# issue 14's corpus; Betterleaks' examples (for the rules ported from it later) are scored on their own
SOURCES = ("gitleaks_examples.json", "detect_secrets_examples.json")
LATER_SOURCES = ("betterleaks_examples.json",)
DOC = ROOT / "docs" / "secrets.md"
BEGIN, END = "<!-- secret-corpus:begin -->", "<!-- secret-corpus:end -->"
# examples left out, with the reason: what they label is not a secret a log scanner should report
EXCLUDED_SOURCES = {
    "detect-secrets tests/plugins/ip_public_test.py": "public IP addresses are in every log line",
}
STAMP = "2026-11-20T10:00:00Z"


def _one_line(text: str) -> str:
    """A log line cannot hold a newline: loggers write it escaped."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def contexts(text: str, index: int) -> dict[str, str]:
    """The example in each of the eight places a log line gives it."""
    line = _one_line(text)
    trace = (
        f"ValueError: connection refused for {line}"
        if index % 2 == 0
        else f"Caused by: java.lang.IllegalStateException: {line}"
    )
    return {
        "neutral_field": json.dumps({"ts": STAMP, "level": "info", "msg": "request", "note": text}),
        "sentence": json.dumps(
            {"ts": STAMP, "msg": f"retrying the upstream call with {text} after a timeout"}
        ),
        "config_dump": f"{STAMP} INFO loaded settings: {line}",
        "stack_trace": trace,
        "header": json.dumps(
            {"ts": STAMP, "request": {"method": "GET", "headers": {"X-Debug-Context": text}}}
        ),
        "query_string": json.dumps(
            {"ts": STAMP, "request_uri": f"/v1/items?page=2&debug={quote(text, safe='')}"}
        ),
        "form_body": json.dumps({"ts": STAMP, "body": f"a=1&note={quote_plus(text)}&b=2"}),
        "json_in_string": json.dumps({"ts": STAMP, "payload": json.dumps({"note": text})}),
    }


DETECT_SECRETS_KEYWORD_SECRET = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-+/=.~]{16,}")
_JWT = re.compile(r"ey[A-Za-z0-9_\-\\/]+\.ey[A-Za-z0-9_\-\\/]+(?:\.[A-Za-z0-9_\-\\/=]*)?")


def _random_looking(token: str) -> bool:
    return bool(re.search(r"\d", token) and re.search(r"[A-Za-z]", token)) and shannon_entropy(token) >= 3.5


def why_excluded(example: dict) -> str | None:
    """Why a labelled example is left out of the corpus, or None. Each reason is a policy of
    apiforensics documented in docs/secrets.md, not a miss being hidden."""
    text, source = example["text"], example["source"]
    if source in EXCLUDED_SOURCES:
        return EXCLUDED_SOURCES[source]
    if example["secret"] and re.search(r"x{6,}|X{6,}", text):
        return "a placeholder filled with x (AP6xxxxxxxxxx, npm_xxxxxxxx): masked values are not findings"
    if example["secret"] and "EXAMPLE" in text:
        return "a documented example value (AWS's EXAMPLEKEY): documentation, not a leak"
    if example["secret"] and source == "gitleaks jwt" and not any(decode_jwt(t) for t in _JWT.findall(text)):
        return "a JWT generated from gitleaks' regex whose header and claims do not decode: not a JWT"
    if not example["secret"] and source.endswith("keyword_test.py") and DETECT_SECRETS_KEYWORD_SECRET in text:
        return (
            "a detect-secrets keyword negative that differs from its positives only by a file type's quoting"
        )
    return None


def load_examples(sources: tuple[str, ...] = SOURCES) -> tuple[list[dict], Counter]:
    """Every example, less the excluded ones (why_excluded) and the negatives that hold a credential
    another example labels a secret (detect-secrets' npm detector lists `_authToken=<its own positive's
    token>` without the registry as a negative; its GitLab detector lists a GitHub token). Returns the
    examples and the count left out per reason."""
    examples, left_out = [], Counter()
    for name in sources:
        for example in json.loads((FIXTURES / name).read_text()):
            reason = why_excluded(example) if example["text"].strip() else "empty"
            if reason:
                left_out[reason] += 1
            else:
                examples.append(example)
    # the credentials the positives hold (random-looking runs of 16+ token characters): a negative that
    # holds one of them whole tests a detector's syntax (`_authToken=` without the registry), not whether
    # that value is a secret; a boundary test (`adf4b1db…`, `…_token_long_`) holds a longer run and stays
    held = {t for e in examples if e["secret"] for t in _TOKEN_RUN.findall(e["text"]) if _random_looking(t)}
    kept = [e for e in examples if e["secret"] or not held.intersection(_TOKEN_RUN.findall(e["text"]))]
    left_out["a negative holding a credential that another example labels a secret"] += len(examples) - len(
        kept
    )
    return kept, left_out


def corpus_lines(examples: list[dict]) -> list[tuple[str, dict]]:
    """(log line, example with its context) for every example in every context."""
    return [
        (line, {**example, "context": context})
        for index, example in enumerate(examples)
        for context, line in contexts(example["text"], index).items()
    ]


def build(directory: Path, examples: list[dict]) -> dict[tuple[str, int], dict]:
    """One file per context; returns (file name, line) -> example."""
    where: dict[tuple[str, int], dict] = {}
    files: dict[str, list[str]] = defaultdict(list)
    for line, example in corpus_lines(examples):
        name = f"{example['context']}.log"
        files[name].append(line)
        where[(name, len(files[name]))] = example
    for name, lines in files.items():
        (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


RULES_SEEN: dict[tuple[str, int], list[str]] = defaultdict(list)  # apiforensics' rules per line


def _apiforensics(directory: Path) -> set[tuple[str, int]]:
    command = [sys.executable, "-m", "forensics_cli", "scan-secrets", "-q", "--no-cache", "--format", "jsonl"]
    output = subprocess.run([*command, str(directory)], capture_output=True, text=True, cwd=ROOT).stdout
    found = set()
    for row in map(json.loads, output.splitlines()):
        key = (Path(row["file"]).name, row["line"])
        found.add(key)
        RULES_SEEN[key].append(row["rule"])
    return found


def _detect_secrets(directory: Path) -> set[tuple[str, int]] | None:
    if not shutil.which("detect-secrets"):
        return None
    output = subprocess.run(
        ["detect-secrets", "scan", "--all-files", "."], capture_output=True, text=True, cwd=directory
    ).stdout
    results = json.loads(output)["results"]
    return {(Path(f).name, s["line_number"]) for f, found in results.items() for s in found}


def _kingfisher(directory: Path) -> set[tuple[str, int]] | None:
    if not shutil.which("kingfisher"):
        return None
    output = subprocess.run(
        ["kingfisher", "scan", ".", "--no-validate", "--no-dedup", "--format", "jsonl", "--no-update-check"],
        capture_output=True,
        text=True,
        cwd=directory,
    ).stdout
    found = set()
    for line in output.splitlines():
        try:
            record = json.loads(line)["finding"]
        except (ValueError, KeyError, TypeError):
            continue
        found.add((Path(record["path"]).name, int(record["line"])))
    return found


def score(found: set[tuple[str, int]], where: dict) -> dict:
    positives = [k for k, e in where.items() if e["secret"]]
    negatives = [k for k, e in where.items() if not e["secret"]]
    hit = [k for k in positives if k in found]
    flagged = [k for k in negatives if k in found]
    by_context = Counter(where[k]["context"] for k in hit)
    of_context = Counter(where[k]["context"] for k in positives)
    return {
        "recall": len(hit) / len(positives),
        "false_positive_rate": len(flagged) / len(negatives),
        "positives": len(positives),
        "negatives": len(negatives),
        "by_context": {c: by_context[c] / n for c, n in sorted(of_context.items())},
        "missed": [where[k] | {"line": k} for k in positives if k not in found],
        "flagged": [where[k] | {"line": k, "rules": RULES_SEEN.get(k, [])} for k in negatives if k in found],
    }


def measure(peers: bool = True, sources: tuple[str, ...] = SOURCES) -> dict:
    examples, left_out = load_examples(sources)
    directory = Path(tempfile.mkdtemp(prefix="secret-corpus-"))
    try:
        where = build(directory, examples)
        results = {}
        for name, scanner in (
            ("apiforensics", _apiforensics),
            ("detect-secrets", _detect_secrets),
            ("kingfisher --no-validate", _kingfisher),
        ):
            started = time.perf_counter()
            found = scanner(directory) if peers or name == "apiforensics" else None
            if found is not None:
                results[name] = score(found, where) | {"seconds": time.perf_counter() - started}
        return {
            "examples": len(examples),
            "lines": len(where),
            "results": results,
            "left_out": left_out,
            "sources": sources,
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _table(results: dict) -> list[str]:
    rows = ["| scanner | recall | negatives flagged | seconds |", "|---|---|---|---|"]
    for name, result in results.items():
        recall, flagged, seconds = result["recall"], result["false_positive_rate"], result["seconds"]
        rows.append(f"| {name} | {recall:.3f} | {flagged:.3f} | {seconds:.2f} |")
    return rows


def render(measured: dict, later: dict | None = None) -> str:
    ours = measured["results"]["apiforensics"]
    lines = [
        f"{measured['examples']} labelled examples (gitleaks, detect-secrets) × 8 contexts = "
        f"{measured['lines']} log lines: {ours['positives']} with a secret, {ours['negatives']} without.",
        "",
        *_table(measured["results"]),
    ]
    lines += ["", "Recall of apiforensics by context:", ""]
    lines += [f"- {context}: {share:.3f}" for context, share in ours["by_context"].items()]
    lines += ["", "Examples left out of the corpus, and why:", ""]
    lines += [f"- {count}: {reason}" for reason, count in measured["left_out"].most_common()]
    if later:
        lines += [
            "",
            f"Betterleaks' own examples for the rules ported from it (not in issue 14's corpus): "
            f"{later['examples']} examples × 8 contexts:",
            "",
            *_table(later["results"]),
        ]
    return "\n".join(lines)


def update_doc(text: str) -> None:
    doc = DOC.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-doc", action="store_true", help=f"write the figures into {DOC.name}")
    parser.add_argument(
        "--no-peers", action="store_true", help="apiforensics only (detect-secrets takes minutes)"
    )
    parser.add_argument("--misses", type=Path, help="write apiforensics' misses and false positives (JSON)")
    args = parser.parse_args()
    measured = measure(peers=not args.no_peers)
    later = measure(peers=not args.no_peers, sources=LATER_SOURCES)
    text = render(measured, later)
    print(text)
    if args.misses:
        ours = measured["results"]["apiforensics"]
        args.misses.write_text(json.dumps({"missed": ours["missed"], "flagged": ours["flagged"]}, indent=1))
    if args.update_doc:
        update_doc(text)


if __name__ == "__main__":
    main()
