"""Every log family's own examples, read through the whole pipeline (file -> recognise -> normalize), and
for the families that log authentication, a burst of failures and a success found as brute force."""

import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from click.testing import CliRunner

from forensics_cli.cli import cli
from forensics_cli.families import FAMILIES, GENERIC, lookup, recognise
from forensics_cli.load import LoadOptions, load

EXAMPLES = [(family, index) for family in FAMILIES for index in range(len(family.examples))]
AUTH_FAMILIES = [family for family in FAMILIES if family.auth_when]


def _printed(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _read(tmp_path, lines: list[str], name: str = "svc/x.log"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return load([str(tmp_path)], LoadOptions(use_cache=False))


def test_every_family_has_an_example_and_a_source():
    for family in FAMILIES:
        assert family.source, family.name
        if family is not GENERIC and family.fields is not FAMILIES[-1].fields:
            assert family.examples, f"{family.name} has no example"


@pytest.mark.parametrize("family,index", EXAMPLES, ids=lambda v: getattr(v, "name", str(v)))
def test_family_example_reads_as_declared(tmp_path, family, index):
    example = family.examples[index]
    assert recognise([orjson.loads(example.record)])[0] is family
    result = _read(tmp_path, [example.record])
    assert [r.family for r in result.reports] == [family.name]
    row = result.events.collect().row(0, named=True)
    for column, expected in example.expect.items():
        assert _printed(row[column]) == expected, f"{family.name}: {column}"


def _with_time(family, record: str, moment: datetime) -> str:
    """The record with its time replaced by `moment`, written the way the record wrote it."""
    decoded = orjson.loads(record)
    for path in family.fields["ts"]:
        value = lookup(decoded, path)
        if isinstance(value, (str, int)) and str(value):
            break
    else:
        raise AssertionError(f"{family.name}: example has no time")
    old = str(value)
    if old.isdigit():
        new = str(int(moment.timestamp() * (10 ** (len(old) - 10))))
    elif "/" in old:
        new = moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
    else:
        new = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert old in record
    return record.replace(old, new)


def _login(family, outcome: str):
    found = [
        e for e in family.examples if e.expect.get("auth") == "true" and e.expect.get("outcome") == outcome
    ]
    return found[0].record if found else None


@pytest.mark.parametrize("family", AUTH_FAMILIES, ids=lambda f: f.name)
def test_auth_family_burst_then_success_is_brute_force(tmp_path, family):
    failure, success = _login(family, "failure"), _login(family, "success")
    assert failure and success, f"{family.name} needs a failed and a successful login example"
    start = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    lines = [_with_time(family, failure, start + timedelta(seconds=3 * i)) for i in range(30)]
    lines.append(_with_time(family, success, start + timedelta(seconds=95)))
    path = tmp_path / "logs" / "auth.log"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["bruteforce", "-q", "--no-cache", "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    episodes = json.loads(result.output)
    kinds = {(e["kind"], e["succeeded"]) for e in episodes}
    assert ("brute_force", True) in kinds or ("brute_force", "true") in kinds, episodes


def _fixture_events(name):
    from tests.conftest import REALWORLD

    result = load([str(REALWORLD / name)], LoadOptions(use_cache=False))
    (report,) = result.reports
    return report, result.events.collect().sort("line")


def test_plaso_cloudtrail_lookup_events_fixture():
    report, events = _fixture_events("plaso__aws_cloudtrail.jsonl")
    assert (report.status, report.family, report.timed) == ("ok", "aws_cloudtrail_lookup", 6)
    first = events.row(0, named=True)
    assert _printed(first["ts"]) == "2022-02-07T22:23:37.000000+00:00"  # eventTime, not EventTime's +11:00
    assert (first["event"], first["ip"], first["user"]) == ("DescribeInstances", "1.2.3.4", "fakeusername")
    assert first["request_id"] == "5e2d469d-002a-40b1-9922-a2e7dca03332"
    assert first["service"] == "ec2.amazonaws.com"


def test_plaso_azure_activity_fixture():
    report, events = _fixture_events("plaso__azure_activity_log.jsonl")
    assert (report.status, report.family, report.timed) == ("ok", "azure_activity", 4)
    first = events.row(0, named=True)
    assert (first["ip"], first["method"], first["request_id"]) == (
        "1.2.3.4",
        "DELETE",
        "c0c54eb6-3a17-42e2-b6f6-37484ac276c4",
    )
    assert first["event"] == "Microsoft.Compute/disks/delete"


def test_plaso_gcp_fixture_mixes_audit_and_other_entries():
    report, events = _fixture_events("plaso__gcp_logging.jsonl")
    assert report.family.startswith("gcp_audit") and report.timed == 11
    first = events.row(0, named=True)
    assert (first["user"], first["ip"], first["event"]) == (
        "fakeemailxyz@gmail.com",
        "1.1.1.1",
        "beta.compute.networks.insert",
    )
    assert _printed(first["ts"]) == "2021-10-19T02:57:47.339377+00:00"


def test_plaso_microsoft_365_fixture_times_are_utc_whatever_tz():
    from tests.conftest import REALWORLD

    result = load(
        [str(REALWORLD / "plaso__microsoft_audit_log.jsonl")], LoadOptions(use_cache=False, tz="Asia/Tokyo")
    )
    events = result.events.collect().sort("line")
    assert result.reports[0].family == "m365_audit"
    assert _printed(events["ts"][0]) == "2022-05-07T12:55:53.000000+00:00"
    assert events["event"][0] == "Install-DefaultSharingPolicy" and events["service"][0] == "Exchange"


def test_unrelated_products_in_one_directory_are_not_one_service(tmp_path):
    from forensics_cli.families import BY_NAME

    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "okta.json").write_text(BY_NAME["okta"].examples[0].record + "\n")
    (folder / "vault.log").write_text(BY_NAME["vault_audit"].examples[0].record + "\n")
    (folder / "app.log").write_text(BY_NAME["structlog"].examples[0].record + "\n")
    (folder / "other.log").write_text(BY_NAME["seed"].examples[0].record + "\n")
    result = load([str(tmp_path)], LoadOptions(use_cache=False))
    services = {r.file.rsplit("/", 1)[-1]: r.service for r in result.reports}
    assert services == {
        "okta.json": "samples/okta",
        "vault.log": "samples/vault_audit",
        "app.log": "samples",
        "other.log": "samples",
    }
    events = result.events.collect()
    assert set(events["service"].to_list()) == {"samples/okta", "samples/vault_audit", "samples"}


LOOKUPS = [
    (family, example, column)
    for family in FAMILIES
    for example in family.examples[:1]
    for column in ("request_id", "ip")
    if example.expect.get(column)
]


@pytest.mark.parametrize(
    "family,example,column", LOOKUPS, ids=lambda v: getattr(v, "name", v if isinstance(v, str) else "")
)
def test_timeline_finds_each_family_by_request_id_and_ip(tmp_path, family, example, column):
    path = tmp_path / "logs" / "x.log"
    path.parent.mkdir()
    path.write_text(example.record + "\n")
    option = {"request_id": "--request-id", "ip": "--ip"}[column]
    result = CliRunner().invoke(
        cli, ["timeline", "-q", "--no-cache", "--format", "json", option, example.expect[column], str(path)]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["file"], row["line"]) == (str(path), 1)


def test_an_odd_line_does_not_make_a_file_mixed_but_a_second_product_does():
    from forensics_cli.families import BY_NAME
    from forensics_cli.ingest_file import families_for

    okta = [orjson.loads(BY_NAME["okta"].examples[0].record)] * 190
    odd = [{"msg": "startup banner"}] * 9
    assert [f.name for f in families_for(okta + odd, LoadOptions())] == ["okta"]
    vault = [orjson.loads(BY_NAME["vault_audit"].examples[0].record)] * 10
    assert [f.name for f in families_for(okta + vault, LoadOptions())] == ["okta", "vault_audit"]
    nginx = [orjson.loads(BY_NAME["nginx_json"].examples[0].record)] * 100
    assert [f.name for f in families_for(nginx + odd * 10, LoadOptions())] == ["nginx_json"]
