"""docs/cli.md is the --help of every command, checked here (UPDATE_DOCS=1 rewrites it)."""

import os
from pathlib import Path

from click.testing import CliRunner

from forensics_cli.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
COMMANDS = [
    [],
    ["ingest"],
    ["timeline"],
    ["bruteforce"],
    ["takeover"],
    ["scan-secrets"],
    ["gaps"],
    ["verify"],
    ["cache"],
    ["cache", "clear"],
    ["cache", "path"],
    ["formats"],
    ["formats", "detect"],
]
HEADER = """# CLI reference

Generated from `apiforensics ... --help`: tests/test_docs.py checks it, and
`UPDATE_DOCS=1 pytest tests/test_docs.py` rewrites it.
Columns and exit codes that scripts rely on: [contract.md](contract.md).
"""


def render() -> str:
    runner = CliRunner(env={"COLUMNS": "100"})
    parts = [HEADER]
    for command in COMMANDS:
        text = runner.invoke(cli, [*command, "--help"], prog_name="apiforensics").stdout
        title = " ".join(["apiforensics", *command])
        parts.append(f"\n## {title}\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)


def test_cli_reference_matches_help():
    expected = render()
    if os.environ.get("UPDATE_DOCS"):
        DOC.write_text(expected)
    assert DOC.read_text() == expected, "docs/cli.md is stale: run UPDATE_DOCS=1 pytest tests/test_docs.py"


def test_formats_doc_lists_every_family():
    from forensics_cli.families import FAMILIES

    text = (DOC.parent / "formats.md").read_text()
    missing = [family.name for family in FAMILIES if f"| `{family.name}` |" not in text]
    assert not missing, f"docs/formats.md does not list {missing}"


def test_cli_reference_covers_every_command():
    assert sorted(cli.commands) == sorted({c[0] for c in COMMANDS if c})
