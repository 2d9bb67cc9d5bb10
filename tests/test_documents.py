"""JSON documents instead of JSON lines: S3-delivered CloudTrail, Graph array exports, pretty-printed
exports. One event per record, `line` where the record starts, never reported truncated."""

import gzip
import json

import orjson
from click.testing import CliRunner

from forensics_cli.cli import cli
from forensics_cli.families.auth0 import AUTH0
from forensics_cli.families.aws_cloudtrail import CLOUDTRAIL
from forensics_cli.families.microsoft_entra import ENTRA_GRAPH_SIGNIN
from forensics_cli.load import LoadOptions, load


def _records(family):
    return [orjson.loads(example.record) for example in family.examples]


def _ingest(path):
    result = load([str(path)], LoadOptions(use_cache=False))
    (report,) = result.reports
    return report, result.events.collect().sort("line")


def test_s3_cloudtrail_records_file_gives_every_record(tmp_path):
    path = tmp_path / "111122223333_CloudTrail_us-east-1_20261118T1000Z_abc.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": _records(CLOUDTRAIL)}).encode()))
    report, events = _ingest(path)
    assert (report.status, report.parsed, report.lines, report.document) == ("ok", 3, 1, True)
    assert report.family == "aws_cloudtrail"
    assert events["event"].to_list() == ["ConsoleLogin", "ConsoleLogin", "CreateAccessKey"]
    assert events["line"].to_list() == [1, 1, 1]
    assert events["ts"].null_count() == 0


def test_graph_array_export_pretty_printed_gives_lines_where_records_start(tmp_path):
    path = tmp_path / "signins.json"
    document = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
        "value": _records(ENTRA_GRAPH_SIGNIN),
    }
    path.write_text(json.dumps(document, indent=2))
    report, events = _ingest(path)
    text_lines = path.read_text().splitlines()
    assert (report.status, report.parsed, report.family) == ("ok", 2, "entra_graph_signin")
    starts = [i + 1 for i, line in enumerate(text_lines) if line == "    {"]
    assert events["line"].to_list() == starts
    assert events["user"].to_list() == ["bob@contoso.com", "bob@contoso.com"]
    assert events["outcome"].to_list() == ["failure", "success"]


def test_pretty_printed_auth0_array_is_not_truncated(tmp_path):
    path = tmp_path / "auth0-export.json"
    path.write_text(json.dumps(_records(AUTH0), indent=4))
    report, events = _ingest(path)
    assert (report.status, report.rejected, report.parsed) == ("ok", 0, 2)
    assert events["line"].to_list() == [2, 2 + len(json.dumps(_records(AUTH0)[0], indent=4).splitlines())]
    result = CliRunner().invoke(
        cli, ["timeline", "-q", "--no-cache", "--format", "json", "--ip", "203.0.113.66", str(path)]
    )
    assert result.exit_code == 0 and len(json.loads(result.output)) == 2


def test_one_pretty_printed_record(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_records(CLOUDTRAIL)[0], indent=2))
    report, events = _ingest(path)
    assert (report.status, report.parsed, events["line"].to_list()) == ("ok", 1, [1])


def test_log_opening_with_a_long_traceback_is_read(tmp_path):
    path = tmp_path / "app.log"
    trace = ["Traceback (most recent call last):"] + [f'  File "x.py", line {i}, in f' for i in range(40)]
    path.write_text("\n".join(trace + [AUTH0.examples[0].record]) + "\n")
    report, events = _ingest(path)
    assert (report.parsed, report.rejected, report.status) == (1, 41, "ok")
    assert events["line"].to_list() == [42]


def test_a_cut_short_document_is_read_as_lines(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps({"Records": _records(CLOUDTRAIL)})[:-30])
    report, _ = _ingest(path)
    assert report.status == "truncated" and report.parsed == 0


def test_otel_export_lines_give_one_event_per_log_record_with_its_service():
    from tests.conftest import REALWORLD

    report, events = _ingest(REALWORLD / "lnav__logfile_otel_collector.jsonl")
    assert (report.lines, report.parsed, report.timed, report.family) == (6, 11, 11, "otel_logs")
    first_line = events.filter(events["line"] == 1)
    assert first_line["event"].to_list() == [
        "Processing payment request",
        "Payment gateway slow response",
        "Payment completed successfully",
    ]
    assert set(first_line["service"].to_list()) == {"payment-service"}
