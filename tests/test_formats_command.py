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


def test_full_user_format_in_the_user_directory_is_recognised(tmp_path, monkeypatch):
    formats_dir = tmp_path / "config" / "apiforensics" / "formats"
    formats_dir.mkdir(parents=True)
    (formats_dir / "billing.toml").write_text(
        'name = "billing"\n[recognise]\nkeys = ["when", "op"]\n[fields]\nts = "when"\nuser = "who"\n'
        'ip = "peer"\n[[outcomes]]\npath = "result"\nsuccess = ["GRANTED"]\nfailure = ["DENIED"]\n'
        '[[auth_when]]\npath = "op"\nregex = "^login$"\n[durations]\nelapsed = "us"\n'
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    logs = tmp_path / "logs"
    logs.mkdir()
    line = '{"when": "2026-11-18T10:00:%02dZ", "op": "login", "who": "kim", "peer": "203.0.113.5:4000", '
    lines = [line % i + '"result": "DENIED", "elapsed": 1500}' for i in range(30)]
    lines.append(line % 40 + '"result": "GRANTED", "elapsed": 900}')
    (logs / "billing.log").write_text("\n".join(lines) + "\n")
    listed = CliRunner().invoke(cli, ["formats", "--format", "json"])
    assert json.loads(listed.output)[0] == {
        "name": "billing",
        "title": str(formats_dir / "billing.toml").join(["field map ", ""]),
        "recognised_by": "when, op",
        "authentication": True,
        "origin": "user",
    }
    events = CliRunner().invoke(cli, ["ingest", "--no-cache", "--format", "json", str(logs)])
    (row,) = json.loads(events.stdout)
    assert (row["format"], row["timed"], events.exit_code) == ("billing", 31, 0)
    found = CliRunner().invoke(cli, ["bruteforce", "-q", "--no-cache", "--format", "json", str(logs)])
    (episode,) = json.loads(found.output)
    assert (episode["kind"], episode["succeeded"], episode["ips"]) == ("brute_force", True, "203.0.113.5")
