"""`apiforensics formats` and `formats detect`: the registry as a person sees it, and a proposed field
map that, passed back with --field-map, makes an unknown log readable."""

import json

from click.testing import CliRunner

from forensics_cli.cli import cli
from forensics_cli.families import FAMILIES


def test_formats_lists_every_family():
    result = CliRunner().invoke(cli, ["formats", "--format", "json"])
    assert result.exit_code == 0
    names = [row["name"] for row in json.loads(result.output)]
    assert names == [family.name for family in FAMILIES]
    auth = {row["name"] for row in json.loads(result.output) if row["authentication"]}
    assert {"okta", "auth0", "aws_cloudtrail", "entra_diagnostic", "teleport"} <= auth


def test_detect_names_the_family_and_proposes_a_map_that_works(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "odd.log").write_text(
        '{"when_it_happened": "2026-11-18T10:00:00Z", "actor": {"login": "kim"}, '
        '"client_ip": "203.0.113.5"}\n'
    )
    (logs / "okta.json").write_text(
        FAMILIES[[f.name for f in FAMILIES].index("okta")].examples[0].record + "\n"
    )
    result = CliRunner().invoke(cli, ["formats", "detect", "--format", "json", str(logs)])
    assert result.exit_code == 0
    rows = {row["file"].rsplit("/", 1)[-1]: row for row in json.loads(result.output)}
    assert rows["okta.json"]["format"] == "okta" and rows["okta.json"]["timed"] == 1
    assert rows["odd.log"]["status"] == "no_timestamps"
    assert rows["odd.log"]["proposed_field_map"]["ts"] == "when_it_happened"
    proposal = tmp_path / "map.toml"
    result = CliRunner().invoke(cli, ["formats", "detect", "--propose", str(proposal), str(logs)])
    assert result.exit_code == 0 and proposal.exists()
    again = CliRunner().invoke(
        cli, ["ingest", "--no-cache", "--format", "json", "--field-map", str(proposal), str(logs / "odd.log")]
    )
    (row,) = json.loads(again.stdout)
    assert (again.exit_code, row["status"], row["timed"]) == (0, "ok", 1)
