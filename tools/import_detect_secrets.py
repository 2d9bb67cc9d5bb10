"""Collect detect-secrets' labelled examples (Apache-2.0) into tests/fixtures/secrets/.

    python tools/import_detect_secrets.py PATH/TO/detect-secrets-checkout

Reads tests/plugins/*_test.py: every `pytest.mark.parametrize` list whose names include `should_flag`
(payload, whether a detector must flag it) and the keyword detector's `*_TEST_CASES` lists (line,
expected secret or None). String expressions are evaluated with nothing but string operations and the
module's own string constants. The corpus builder (benchmarks/secret_corpus.py) places them in log lines.
"""

import ast
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).parent.parent / "tests" / "fixtures" / "secrets" / "detect_secrets_examples.json"


def _evaluate(node: ast.AST, names: dict):
    """A string-valued expression: literals, + and %, str.format, names bound to strings; else None."""
    try:
        code = compile(ast.Expression(node), "<example>", "eval")
        value = eval(code, {"__builtins__": {}}, dict(names))  # noqa: S307 - only names bound to strings
    except Exception:  # noqa: BLE001 - an example we cannot evaluate is skipped
        return None
    return value


def _string_constants(tree: ast.Module) -> dict:
    names: dict = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            if name and isinstance(node.value, ast.List):  # each case on its own: one bad case is skipped
                rows = [_evaluate(element, names) for element in node.value.elts]
                names[name] = [row for row in rows if row is not None]
            elif name:
                value = _evaluate(node.value, names)
                if isinstance(value, str | list | tuple):
                    names[name] = value
    return names


def _parametrized(tree: ast.Module, names: dict):
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
            continue
        if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
            continue
        argnames = [a.strip() for a in str(node.args[0].value).split(",")]
        if "should_flag" not in argnames:
            continue
        flag_at = argnames.index("should_flag")
        payload_at = 0 if flag_at != 0 else 1
        values = node.args[1]
        if not isinstance(values, ast.List | ast.Tuple):
            continue
        for item in values.elts:
            row = _evaluate(item, names)
            if isinstance(row, tuple) and len(row) > max(flag_at, payload_at):
                payload, flag = row[payload_at], row[flag_at]
                if isinstance(payload, str) and isinstance(flag, bool):
                    yield payload, flag


def _keyword_cases(names: dict):
    for name, value in names.items():
        if name.endswith("TEST_CASES") and isinstance(value, list):
            for row in value:
                if isinstance(row, tuple) and len(row) == 2 and isinstance(row[0], str):
                    yield row[0], row[1] is not None


def collect(checkout: Path) -> list[dict]:
    examples = []
    for path in sorted((checkout / "tests" / "plugins").glob("*_test.py")):
        tree = ast.parse(path.read_text())
        names = _string_constants(tree)
        seen = set()
        for text, flag in [*_parametrized(tree, names), *_keyword_cases(names)]:
            if (text, flag) not in seen and "\n" not in text.strip():
                seen.add((text, flag))
                examples.append(
                    {"source": f"detect-secrets tests/plugins/{path.name}", "text": text, "secret": flag}
                )
    return examples


if __name__ == "__main__":
    found = collect(Path(sys.argv[1]))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(found)} examples to {OUTPUT}", file=sys.stderr)
