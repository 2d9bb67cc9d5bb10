"""verify on a CloudTrail trail built with a test RSA key (tests/trail.py): what each kind of tampering
shows, and that an untouched trail passes."""

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
from trail import build_trail, private_key, write_key_file

from forensics_cli.integrity.cloudtrail_digest import base


def _fingerprint(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def trail(tmp_path):
    return build_trail(tmp_path / "evidence", hours=4, backfill=True)


@pytest.fixture
def keys(tmp_path):
    return write_key_file(tmp_path / "keys.json", private_key())


def _signatures(trail) -> list[str]:
    """--signature for the newest regular digest and for the backfill digest (built last)."""
    return [
        "--signature",
        trail.signatures[3],
        "--signature",
        f"{trail.digests[4].name}={trail.signatures[4]}",
    ]


def _json(run, *args):
    """verify's rows as JSON: (result, rows)."""
    result = run("verify", "--format", "json", *args)
    return result, json.loads(result.stdout)


def _verify(run, trail, keys, *extra):
    """verify with the key and both signatures of the built trail."""
    return _json(run, "--public-keys", keys, *_signatures(trail), *extra, trail.root)


def _kinds(rows) -> list[tuple[str, str]]:
    return sorted((row["kind"], Path(row["file"]).name) for row in rows)


def test_an_untouched_trail_verifies_and_is_not_changed(run, trail, keys):
    before = _fingerprint(trail.root)
    result, rows = _verify(run, trail, keys)
    assert rows == []
    assert result.exit_code == 0
    assert "CloudTrail: 5 digests (signatures checked), 9 log files" in result.stderr
    assert _fingerprint(trail.root) == before


def test_a_changed_byte_in_a_log_is_a_hash_mismatch(run, trail, keys):
    log = trail.logs[2]
    text = gzip.decompress(log.read_bytes()).replace(b"user3", b"user4", 1)
    log.write_bytes(gzip.compress(text, mtime=0))
    result, rows = _verify(run, trail, keys)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"], r["file"]) for r in rows] == [("hash_mismatch", "critical", str(log))]
    assert rows[0]["subject"].endswith(trail.digests[1].name)  # the digest that recorded the hash
    assert rows[0]["start"] == "2026-11-18T11:05:00.000000Z"  # the log entry's oldest event


def test_a_flipped_byte_in_the_compressed_bytes_is_a_hash_mismatch(run, trail, keys):
    log = trail.logs[0]
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0x01
    log.write_bytes(bytes(data))
    _, rows = _verify(run, trail, keys)
    assert [(r["kind"], r["file"]) for r in rows] == [("hash_mismatch", str(log))]


def test_a_deleted_log_is_missing_and_its_digest_is_the_evidence(run, trail, keys):
    trail.logs[1].unlink()
    result, rows = _verify(run, trail, keys)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"]) for r in rows] == [("missing_log", "high")]
    assert rows[0]["file"] == str(trail.digests[0]) and rows[0]["line"] == 1
    assert rows[0]["subject"].endswith(trail.logs[1].name)


def test_two_consecutive_digests_deleted_are_a_chain_break_and_one_gap(run, trail, keys):
    """aws-cli#7054: validate-logs missed two digest files deleted in a row."""
    for digest in trail.digests[1:3]:
        digest.unlink()
    result, rows = _verify(run, trail, keys)
    kinds = {(r["kind"], r["severity"]) for r in rows}
    assert ("chain_break", "high") in kinds
    gap = next(r for r in rows if r["kind"] == "digest_gap")
    assert (gap["start"], gap["end"]) == ("2026-11-18T11:00:00.000000Z", "2026-11-18T13:00:00.000000Z")
    assert "about 2 digest(s)" in gap["detail"] and gap["severity"] == "high"
    chain = next(r for r in rows if r["kind"] == "chain_break")
    assert chain["file"] == str(trail.digests[3])  # the digest that links past them
    assert chain["subject"].endswith(trail.digests[2].name)
    # the logs those digests listed are now listed by none; the first digest lost its signature's holder
    assert sorted(Path(r["file"]).name for r in rows if r["kind"] == "unlisted_log") == sorted(
        p.name for p in trail.logs[2:6]
    )
    unverifiable = [r for r in rows if r["kind"] == "unverifiable"]
    assert [Path(r["file"]).name for r in unverifiable] == [trail.digests[0].name]
    assert result.exit_code == 1


def test_a_backfill_digest_is_accepted_and_its_log_is_listed(run, trail, keys):
    _, rows = _verify(run, trail, keys)
    assert rows == []
    result = run(
        "verify", "--format", "json", "--public-keys", keys, "--signature", trail.signatures[3], trail.root
    )
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["severity"], Path(r["file"]).name) for r in rows] == [
        ("unverifiable", "low", trail.digests[4].name)
    ]
    assert "backfill" in rows[0]["detail"]


def test_a_wrong_key_is_a_bad_signature_for_every_digest(run, trail, tmp_path):
    impostor = write_key_file(
        tmp_path / "other.json", private_key("impostor"), as_fingerprint=_aws_fingerprint()
    )
    result, rows = _json(run, "--public-keys", impostor, *_signatures(trail), trail.root)
    assert result.exit_code == 1
    assert sorted(Path(r["file"]).name for r in rows if r["kind"] == "bad_signature") == sorted(
        p.name for p in trail.digests
    )
    assert all(r["severity"] == "critical" for r in rows)


def _aws_fingerprint() -> str:
    from trail import fingerprint

    return fingerprint(private_key())


def test_a_wrong_newest_signature_is_a_bad_signature(run, trail, keys):
    wrong = trail.signatures[2]  # a real signature, of another digest
    result, rows = _json(
        run,
        "--public-keys",
        keys,
        "--signature",
        wrong,
        "--signature",
        f"{trail.digests[4].name}={trail.signatures[4]}",
        trail.root,
    )
    assert [(r["kind"], Path(r["file"]).name) for r in rows] == [("bad_signature", trail.digests[3].name)]


def test_an_altered_digest_breaks_the_chain_and_its_signature(run, trail, keys):
    digest = trail.digests[1]
    body = json.loads(gzip.decompress(digest.read_bytes()))
    body["logFiles"] = body["logFiles"][:1]  # hide a log file from the record
    digest.write_bytes(gzip.compress(json.dumps(body).encode(), mtime=0))
    _, rows = _verify(run, trail, keys)
    assert ("chain_break", "critical", digest.name) in {
        (r["kind"], r["severity"], Path(r["file"]).name) for r in rows
    }
    assert ("bad_signature", digest.name) in {(r["kind"], Path(r["file"]).name) for r in rows}
    assert ("unlisted_log", trail.logs[3].name) in {(r["kind"], Path(r["file"]).name) for r in rows}


def test_an_added_log_file_is_unlisted(run, trail, keys):
    forged = trail.logs[0].with_name(
        "111122223333_CloudTrail_us-east-1_20261118T1140Z_forgedforged0001.json.gz"
    )
    shutil.copy(trail.logs[0], forged)
    _, rows = _verify(run, trail, keys)
    assert [(r["kind"], r["severity"], Path(r["file"]).name) for r in rows] == [
        ("unlisted_log", "medium", forged.name)
    ]


def test_a_log_delivered_after_the_newest_digest_is_unlisted_but_low(run, trail, keys):
    late = trail.logs[0].with_name(
        "111122223333_CloudTrail_us-east-1_20261118T1430Z_afterlastdigest1.json.gz"
    )
    shutil.copy(trail.logs[0], late)
    _, rows = _verify(run, trail, keys)
    assert [(r["kind"], r["severity"]) for r in rows] == [("unlisted_log", "low")]


def test_a_renamed_digest_is_a_chain_break(run, trail, keys):
    moved = trail.digests[1].with_name(trail.digests[1].name.replace("T120000Z", "T120500Z"))
    trail.digests[1].rename(moved)
    _, rows = _verify(run, trail, keys)
    assert ("chain_break", moved.name) in {(r["kind"], Path(r["file"]).name) for r in rows}
    assert any("renamed or moved" in r["detail"] for r in rows)


def test_a_copy_that_starts_mid_trail_is_checked_from_its_first_digest(run, trail, keys):
    """The oldest digest's predecessor is not a deletion: the chain proves nothing before it (a note)."""
    trail.digests[0].unlink()
    for log in trail.logs[:2]:
        log.unlink()
    result, rows = _verify(run, trail, keys)
    assert rows == []
    assert result.exit_code == 0
    assert "checked from" in result.stderr and "is not among PATHS" in result.stderr


def test_without_public_keys_signatures_are_unverifiable_not_valid(run, trail):
    result, rows = _json(run, trail.root)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"]) for r in rows] == [("unverifiable", "medium")]
    assert "--public-keys" in rows[0]["detail"]
    assert "signatures NOT checked" in result.stderr


def test_the_newest_digest_without_its_signature_is_unverifiable(run, trail, keys):
    result, rows = _json(
        run,
        "--public-keys",
        keys,
        "--signature",
        f"{trail.digests[4].name}={trail.signatures[4]}",
        trail.root,
    )
    assert [(r["kind"], Path(r["file"]).name) for r in rows] == [("unverifiable", trail.digests[3].name)]
    assert "x-amz-meta-signature" in rows[0]["detail"]


def test_a_key_file_without_the_digest_fingerprint_is_unverifiable(run, trail, tmp_path):
    keys = write_key_file(tmp_path / "k.json", private_key(), as_fingerprint="00" * 16)
    result, rows = _json(run, "--public-keys", keys, *_signatures(trail), trail.root)
    assert {r["kind"] for r in rows} == {"unverifiable"} and len(rows) == 5


def test_cloudtrail_logs_without_digests_are_not_reported_clean(run, trail):
    shutil.rmtree(trail.root / "AWSLogs" / "111122223333" / "CloudTrail-Digest")
    result, rows = _json(run, trail.root)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"]) for r in rows] == [("unverifiable", "medium")]
    assert "9 CloudTrail log files and no digest" in rows[0]["detail"]


@pytest.mark.parametrize(
    "text, why",
    [
        ("{not json", "cannot read public keys"),
        ('{"PublicKeyList": []}', "no PublicKeyList"),
        (
            '{"PublicKeyList": [{"Value": "%%%", "Fingerprint": "ab"}]}',
            "is not a CloudTrail public key entry",
        ),
    ],
    ids=["not_json", "empty_list", "bad_base64"],
)
def test_an_unusable_key_file_is_a_usage_error(run, trail, tmp_path, text, why):
    keys = tmp_path / "keys.json"
    keys.write_text(text)
    result = run("verify", "--public-keys", keys, trail.root)
    assert result.exit_code == 2
    assert why in result.stderr and "Traceback" not in result.stderr


def test_a_signature_that_is_not_hex_is_a_usage_error(run, trail, keys):
    result = run("verify", "--public-keys", keys, "--signature", "zz-not-hex", trail.root)
    assert result.exit_code == 2 and "hexadecimal" in result.stderr


def test_base_matches_keys_paths_and_archive_members():
    assert base("AWSLogs/1/CloudTrail/x_CloudTrail_y.json.gz") == "x_CloudTrail_y.json"
    assert base("/copy/x_CloudTrail_y.json") == "x_CloudTrail_y.json"
    assert base("trail.zip!AWSLogs/x_CloudTrail_y.json.gz") == "x_CloudTrail_y.json"


def test_ingest_reads_digests_as_integrity_records_not_unmapped_logs(run, trail):
    result = run("ingest", "-q", "--format", "json", trail.root)
    rows = json.loads(result.stdout)
    digests = [r for r in rows if "CloudTrail-Digest" in r["file"]]
    assert len(digests) == 5
    assert {(r["status"], r["reason"].split(":")[0]) for r in digests} == {
        ("not_a_log", "CloudTrail digest file")
    }
    assert result.exit_code == 0


def test_gaps_reports_events_no_digest_lists_as_unsigned(run, trail):
    for digest in trail.digests[1:3]:
        digest.unlink()
    result = run("gaps", "-q", "--format", "json", trail.root)
    rows = [r for r in json.loads(result.stdout) if r["kind"] == "unsigned"]
    # hours 11 and 12 lost their digests; the backfill digest still signs the 11:50 log between them
    assert [(r["start"], r["end"]) for r in rows] == [
        ("2026-11-18T11:05:00.000000Z", "2026-11-18T11:25:05.000000Z"),
        ("2026-11-18T12:05:00.000000Z", "2026-11-18T12:25:05.000000Z"),
    ]
    assert [Path(r["file"]).name for r in rows] == [trail.logs[2].name, trail.logs[4].name]
    assert all(r["line"] == 1 and "4 CloudTrail events" in r["detail"] for r in rows)
    assert {(r["severity"], r["duration_s"], r["service"]) for r in rows} == {
        ("medium", 1205.0, "iam.amazonaws.com")
    }
    assert rows[0]["detail"] == (
        "4 CloudTrail events of 111122223333 us-east-1 in 2 log files no digest lists: they cannot be proven "
        "unaltered (digest deleted, validation off, or files added; run apiforensics verify)"
    )
    assert result.exit_code == 1


def test_gaps_on_an_untouched_trail_reports_nothing_unsigned(run, trail):
    result = run("gaps", "-q", "--format", "json", trail.root)
    assert [r for r in json.loads(result.stdout) if r["kind"] == "unsigned"] == []


def _documented_digest(end: str, key: str, previous: dict | None, logs: list) -> dict:
    """A digest with the fields and value shapes of AWS's "CloudTrail digest file structure" page;
    the first digest of a chain has every previous* field and both event times null."""
    return {
        "awsAccountId": "111122223333",
        "digestStartTime": "2015-08-17T14:01:31Z" if previous is None else "2015-08-17T15:01:31Z",
        "digestEndTime": end,
        "digestS3Bucket": "amzn-s3-demo-bucket",
        "digestS3Object": key,
        "digestPublicKeyFingerprint": "31e8b5433410dfb61a9dc45cc65b22ff",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": None if not logs else "2015-08-17T15:52:27Z",
        "oldestEventTime": None if not logs else "2015-08-17T15:42:27Z",
        "previousDigestS3Bucket": previous and "amzn-s3-demo-bucket",
        "previousDigestS3Object": previous and previous["key"],
        "previousDigestHashValue": previous and previous["sha256"],
        "previousDigestHashAlgorithm": previous and "SHA-256",
        "previousDigestSignature": previous and "50887ccf" * 64,
        "logFiles": logs,
    }


def test_documented_digest_shapes_are_read(run, tmp_path):
    """Pretty-printed as the documentation shows them, the first of a chain with nulls and no log file."""
    import hashlib

    folder = tmp_path / "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17"
    folder.mkdir(parents=True)
    prefix = "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/"
    first_key = (
        f"{prefix}111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz"
    )
    shape = _documented_digest("2015-08-17T15:01:31Z", first_key, None, [])
    first = json.dumps(shape, indent=2).encode()
    (folder / (base(first_key) + ".gz")).write_bytes(gzip.compress(first, mtime=0))
    log = (
        "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/"
        "111122223333_CloudTrail_us-east-2_20150817T1545Z_9nYN7gp2eWAJHIfT.json.gz"
    )
    entry = {
        "s3Bucket": "amzn-s3-demo-bucket",
        "s3Object": log,
        "hashValue": "9bb6" * 16,
        "hashAlgorithm": "SHA-256",
        "newestEventTime": "2015-08-17T15:52:27Z",
        "oldestEventTime": "2015-08-17T15:42:27Z",
    }
    second_key = first_key.replace("T150131Z", "T160131Z")
    link = {"key": first_key, "sha256": hashlib.sha256(first).hexdigest()}
    second = json.dumps(
        _documented_digest("2015-08-17T16:01:31Z", second_key, link, [entry]), indent=2
    ).encode()
    (folder / (base(second_key) + ".gz")).write_bytes(gzip.compress(second, mtime=0))
    rows = json.loads(run("verify", "--format", "json", tmp_path).stdout)
    # the chain holds (no chain_break, no gap); the listed log was not copied; signatures were not checked
    assert sorted((r["kind"], r["severity"]) for r in rows) == [
        ("missing_log", "high"),
        ("unverifiable", "medium"),
    ]
    missing = next(r for r in rows if r["kind"] == "missing_log")
    assert (missing["subject"], missing["start"]) == (log, "2015-08-17T15:42:27.000000Z")


def test_a_digest_with_fields_of_the_wrong_type_is_reported_once_not_a_crash(run, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    hostile = {
        "digestStartTime": 7,
        "digestEndTime": "2026-11-18T11:00:00Z",
        "digestS3Bucket": ["x"],
        "digestS3Object": 123,
        "previousDigestS3Object": {"a": 1},
        "logFiles": [{"s3Object": 5}, "x"],
    }
    (folder / "a.json.gz").write_bytes(gzip.compress(json.dumps(hostile).encode()))
    result, rows = _json(run, folder)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"]) for r in rows] == [("chain_break", "high")]
    assert "lacks digestS3Bucket, digestS3Object, digestStartTime" in rows[0]["detail"]


def test_hostile_digest_text_is_inert_in_the_terminal_and_in_a_spreadsheet(run, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    digest = {
        "awsAccountId": "1",
        "digestStartTime": "2026-11-18T10:00:00Z",
        "digestEndTime": "2026-11-18T11:00:00Z",
        "digestS3Bucket": "b",
        "digestS3Object": "x_CloudTrail-Digest_r_t_r_20261118T110000Z.json.gz\x1b]0;pwned\x07",
        "previousDigestS3Object": "=cmd|' /C calc'!A0",
        "previousDigestHashValue": {"x": 1},
        "logFiles": [{"s3Object": "=HYPERLINK(1)\x1b[31m.json.gz", "hashValue": 7}, 3],
    }
    (folder / "d.json").write_text(json.dumps(digest))
    table = run("verify", folder)
    assert "\x1b" not in table.stdout + table.stderr and "\\x1b]0;pwned" in table.stdout
    cells = [
        cell
        for row in csv.reader(io.StringIO(run("verify", "--format", "csv", folder).stdout))
        for cell in row
    ]
    assert "'=cmd|' /C calc'!A0" in cells and "'=HYPERLINK(1)\\x1b[31m.json.gz" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_a_verify_report_inside_the_evidence_is_refused(run, trail, keys):
    before = _fingerprint(trail.root)
    result = run("verify", "--public-keys", keys, "-o", trail.root / "report.csv", trail.root)
    assert result.exit_code == 2 and "inside the evidence" in result.stderr
    assert _fingerprint(trail.root) == before


def test_a_log_whose_name_holds_no_time_is_unlisted_not_a_crash(run, trail, keys):
    odd = trail.logs[0].with_name("111122223333_CloudTrail_us-east-1_20261399T9999Z_impossibletime1.json.gz")
    shutil.copy(trail.logs[0], odd)
    result, rows = _verify(run, trail, keys)
    assert result.exit_code == 1
    assert [(r["kind"], r["severity"], r["start"], Path(r["file"]).name) for r in rows] == [
        ("unlisted_log", "medium", None, odd.name)
    ]
    assert rows[0]["detail"] == "no digest lists this log file, and the time in its name is no time"


def test_a_records_file_under_another_name_is_unlisted_not_silently_covered(run, trail, keys):
    renamed = trail.logs[0].with_name("export-from-colleague.json.gz")
    shutil.copy(trail.logs[0], renamed)
    _, rows = _verify(run, trail, keys)
    assert [(r["kind"], r["severity"], Path(r["file"]).name) for r in rows] == [
        ("unlisted_log", "medium", renamed.name)
    ]
    assert "not named as CloudTrail delivers it" in rows[0]["detail"]
