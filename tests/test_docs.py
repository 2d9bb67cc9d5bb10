"""docs/cli.md is the --help of every command, and README's examples are the commands' real output;
both checked here (UPDATE_DOCS=1 rewrites them)."""

import os
import re
import shlex
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
    ["report"],
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
    assert cli.list_commands(None) == sorted({c[0] for c in COMMANDS if c})


def test_the_command_list_says_what_each_command_says_of_itself():
    """`apiforensics --help` lists commands without importing them: the summaries it keeps must be the
    first paragraph of each command's own help."""
    from forensics_cli.cli import COMMANDS as LAZY

    for name, (_, _, summary) in LAZY.items():
        command = cli.get_command(None, name)
        assert command.name == name
        assert (command.help or "").split("\n\n")[0] == summary


def test_version_and_help_load_no_command_and_no_polars():
    """A runbook that calls the tool many times does not pay for Polars and the analyses on --version."""
    import subprocess
    import sys

    probe = (
        "import sys; from forensics_cli.cli import main; sys.argv = ['apiforensics', '{flag}']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m == 'polars' or m.startswith('forensics_cli.cli.commands')]\n"
        "print('LOADED', loaded)"
    )
    for flag in ("--version", "--help"):
        done = subprocess.run([sys.executable, "-c", probe.format(flag=flag)], capture_output=True, text=True)
        assert done.stdout.strip().endswith("LOADED []"), done.stdout + done.stderr


README = Path(__file__).resolve().parent.parent / "README.md"
README_WIDTH = 100  # the README's examples are what a 100-column terminal shows
# an example: the command (on sample_logs/) in a sh block, then its output in a text block
_EXAMPLE = re.compile(r"(```sh\n(apiforensics [^\n]*sample_logs/)\n```\n\n```text\n)(.*?)(```)", re.S)


def _example_output(command: str, monkeypatch) -> str:
    monkeypatch.chdir(README.parent)  # the README runs it from the repository: paths read sample_logs/...
    result = CliRunner(env={"COLUMNS": str(README_WIDTH)}).invoke(cli, shlex.split(command)[1:])
    return "".join(line.rstrip() + "\n" for line in result.stdout.splitlines())


def test_readme_examples_are_the_real_output_at_100_columns(monkeypatch):
    current = README.read_text()
    found = _EXAMPLE.findall(current)
    assert len(found) >= 6  # ingest, bruteforce, takeover, timeline, scan-secrets, gaps
    expected = _EXAMPLE.sub(lambda m: m[1] + _example_output(m[2], monkeypatch) + m[4], current)
    if os.environ.get("UPDATE_DOCS"):
        README.write_text(expected)
    assert current == expected, "README examples are stale: run UPDATE_DOCS=1 pytest tests/test_docs.py"
