"""Logs inside tar.gz and zip bundles: read in place, named ARCHIVE!MEMBER, same findings as the
directory they were made from; unsafe member names reported, never read."""

import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from forensics_cli.cli import cli
from forensics_cli.load import LoadOptions, load

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def _findings(command: str, target: Path) -> list[dict]:
    result = CliRunner().invoke(cli, [command, "-q", "--no-cache", "--format", "json", str(target)])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.output)
    for row in rows:  # the member name replaces the directory: compare the rest, and the file's tail
        for key in ("file", "success_file"):
            if row.get(key):
                row[key] = row[key].split("sample_logs/")[-1].split("!")[-1]
        row.pop("detail", None)
    return rows


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    where = tmp_path_factory.mktemp("bundles")
    with tarfile.open(where / "evidence.tar.gz", "w:gz") as bundle:
        bundle.add(SAMPLES, arcname="sample_logs")
    with zipfile.ZipFile(where / "evidence.zip", "w") as bundle:
        for path in sorted(SAMPLES.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(SAMPLES).as_posix())
    return where


@pytest.mark.parametrize("command", ["bruteforce", "gaps", "scan-secrets"])
@pytest.mark.parametrize("bundle", ["evidence.tar.gz", "evidence.zip"])
def test_bundle_gives_the_directory_findings(bundles, command, bundle):
    assert _findings(command, bundles / bundle) == _findings(command, SAMPLES)


def test_members_are_named_with_their_archive_and_services_come_from_member_names(bundles):
    result = load([str(bundles / "evidence.tar.gz")], LoadOptions(use_cache=False))
    names = {r.file.split("!")[1]: r for r in result.reports}
    report = names["sample_logs/app/api-audit.log.3.gz"]
    assert report.file == f"{bundles / 'evidence.tar.gz'}!sample_logs/app/api-audit.log.3.gz"
    assert (report.service, report.compression, report.status) == ("app", "gzip", "truncated")
    assert {r.service for r in result.reports} == {"app", "gateway", "worker"}


def test_zip_slip_and_absolute_members_are_reported_not_read(tmp_path):
    path = tmp_path / "bad.zip"
    line = '{"time": "2026-11-18T10:00:00Z", "user": "x"}\n'
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("../../etc/cron.d/evil.log", line)
        bundle.writestr("/abs/evil.log", line)
        bundle.writestr("ok/app.log", line)
    result = load([str(tmp_path)], LoadOptions(use_cache=False))
    statuses = {r.file.split("!")[1]: (r.status, r.reason) for r in result.reports}
    assert statuses["ok/app.log"][0] == "ok"
    assert statuses["../../etc/cron.d/evil.log"] == (
        "unreadable",
        "member name climbs out of the archive (zip-slip): not read",
    )
    assert statuses["/abs/evil.log"] == ("unreadable", "absolute member name: not read")
    assert not (tmp_path.parent / "etc").exists()
