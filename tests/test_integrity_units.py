"""The integrity modules' parts at their boundaries (mutation testing showed what the end-to-end tests of
test_verify_*.py left unpinned)."""

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from trail import fingerprint, private_key, public_der

from forensics_cli.integrity import hashchain
from forensics_cli.integrity.cloudtrail import _label, _signature_result
from forensics_cli.integrity.cloudtrail_digest import Digest
from forensics_cli.integrity.cloudtrail_keys import PublicKey, SignatureCheck, check_signature, string_to_sign


@pytest.mark.parametrize(
    "seconds, label",
    [
        (3600, "1 h"),
        (7200, "2 h"),
        (5400, "90 min"),
        (120, "2 min"),
        (60, "1 min"),
        (61, "61 s"),
        (3660, "61 min"),
    ],
)
def test_durations_are_said_in_the_largest_whole_unit(seconds, label):
    assert _label(timedelta(seconds=seconds)) == label


def _lines(tmp_path, data: bytes, name="a.log"):
    path = tmp_path / name
    path.write_bytes(data)
    return list(hashchain._lines(str(path)))


def test_lines_are_numbered_from_one_without_their_line_ends(tmp_path):
    assert _lines(tmp_path, b'{"a":1}\r\n\n{"b":2}\n') == [(1, b'{"a":1}'), (2, b""), (3, b'{"b":2}')]


def test_a_last_line_without_newline_is_a_line(tmp_path):
    assert _lines(tmp_path, b"x\ny") == [(1, b"x"), (2, b"y")]
    assert _lines(tmp_path, b"") == []


def test_lines_of_a_gzip_file_are_read_decompressed(tmp_path):
    assert _lines(tmp_path, gzip.compress(b"x\ny\n"), "a.log.gz") == [(1, b"x"), (2, b"y")]


def test_a_line_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(hashchain, "MAX_JSON_LINE_BYTES", 10)
    data = b"a" * 10 + b"\n" + b"b" * 11 + b"\n" + b"c\n"
    assert _lines(tmp_path, data) == [(1, b"a" * 10), (2, None), (3, b"c")]


def test_a_too_long_line_across_read_blocks_is_one_skipped_line(tmp_path, monkeypatch):
    monkeypatch.setattr(hashchain, "MAX_JSON_LINE_BYTES", 1000)
    data = b"x\n" + b"y" * (3 << 20) + b"\nz\n"  # 3 MiB: longer than one 1 MiB read block
    assert _lines(tmp_path, data) == [(1, b"x"), (2, None), (3, b"z")]
    assert _lines(tmp_path, b"x\n" + b"y" * 5000) == [(1, b"x"), (2, None)]  # the last line, too long


def _digest(**fields) -> Digest:
    data = {
        "digestStartTime": "2026-11-18T10:00:00Z",
        "digestEndTime": "2026-11-18T11:00:00Z",
        "digestS3Object": "k/x_CloudTrail-Digest_r_t_r_20261118T110000Z.json.gz",
        "digestS3Bucket": "b",
        "logFiles": [],
        "digestSignatureAlgorithm": "SHA256withRSA",
        **fields,
    }
    return Digest("d.json.gz", b"{}", data)


@pytest.mark.parametrize(
    "check, kind, severity, words",
    [
        (SignatureCheck.NO_KEY, "unverifiable", "medium", "no key with fingerprint ab in --public-keys"),
        (
            SignatureCheck.BAD_ALGORITHM,
            "unverifiable",
            "medium",
            "signature algorithm 'MD5withRSA' is not SHA256",
        ),
        (SignatureCheck.INVALID, "bad_signature", "critical", "does not verify with key ab"),
        (SignatureCheck.KEY_EXPIRED, "bad_signature", "critical", "outside the key's validity period"),
        (SignatureCheck.BAD_HEX, "bad_signature", "critical", "not hexadecimal"),
    ],
)
def test_each_signature_result_is_a_row(check, kind, severity, words):
    finding = _signature_result(_digest(digestSignatureAlgorithm="MD5withRSA"), check, "ab")
    assert (finding.kind.value, finding.severity.value, finding.file, finding.line) == (
        kind,
        severity,
        "d.json.gz",
        1,
    )
    assert words in finding.detail
    assert (finding.start, finding.end) == (
        datetime(2026, 11, 18, 10, tzinfo=UTC),
        datetime(2026, 11, 18, 11, tzinfo=UTC),
    )


def _key(valid_from=None, valid_until=None) -> PublicKey:
    return PublicKey(fingerprint(private_key()), public_der(private_key()), valid_from, valid_until)


def _signed(text: bytes = b"to sign") -> tuple[bytes, str]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return text, private_key().sign(text, padding.PKCS1v15(), hashes.SHA256()).hex()


AT = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_signature_verifies_within_the_key_validity_and_at_its_edges():
    signed, signature = _signed()
    assert check_signature(signature, signed, "SHA256withRSA", _key(), AT) is SignatureCheck.VALID
    assert check_signature(signature, signed, "SHA256withRSA", _key(AT, AT), AT) is SignatureCheck.VALID
    before = _key(AT + timedelta(seconds=1), None)
    after = _key(None, AT - timedelta(seconds=1))
    assert check_signature(signature, signed, "SHA256withRSA", before, AT) is SignatureCheck.KEY_EXPIRED
    assert check_signature(signature, signed, "SHA256withRSA", after, AT) is SignatureCheck.KEY_EXPIRED


def test_signature_checks_that_fail():
    signed, signature = _signed()
    assert check_signature(signature, signed + b"!", "SHA256withRSA", _key(), AT) is SignatureCheck.INVALID
    assert check_signature(signature, signed, "SHA1withRSA", _key(), AT) is SignatureCheck.BAD_ALGORITHM
    assert check_signature(signature, signed, "SHA256withRSA", None, AT) is SignatureCheck.NO_KEY
    assert check_signature("zz" + signature, signed, "SHA256withRSA", _key(), AT) is SignatureCheck.BAD_HEX
    garbage = PublicKey("ab", b"\x30\x03\x02\x01\x01", None, None)
    assert check_signature(signature, signed, "SHA256withRSA", garbage, AT) is SignatureCheck.INVALID


def test_the_signed_string_is_awss():
    """AWS: end time, bucket/key, SHA-256 of the decompressed digest, previous signature or 'null'."""
    sha = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"  # sha256(b"{}")
    assert string_to_sign("2026-11-18T11:00:00Z", "b", "k/d.json.gz", sha, None) == (
        f"2026-11-18T11:00:00Z\nb/k/d.json.gz\n{sha}\nnull".encode()
    )
    assert string_to_sign("T", "b", "k", sha, "ab12").endswith(b"\nab12")


# CloudTrail rows, every column: the scenarios of test_verify_cloudtrail.py through the library

from forensics_cli.discover import sniff_head  # noqa: E402
from forensics_cli.integrity import cloudtrail  # noqa: E402
from forensics_cli.integrity.cloudtrail_keys import load_public_keys  # noqa: E402
from forensics_cli.integrity.findings import Finding, Kind, Severity  # noqa: E402

T = datetime(2026, 11, 18, tzinfo=UTC)


def _at(hour: int, minute: int = 0) -> datetime:
    return T + timedelta(hours=hour, minutes=minute)


def _check(root, signatures=None, keys=True, tmp_path=None):
    files = sorted(str(p) for p in root.rglob("*") if p.is_file())
    found = cloudtrail.collect([(f, sniff_head(f)[3]) for f in files])
    from trail import write_key_file

    key_file = write_key_file(root.parent / "keys.json", private_key()) if keys else None
    options = cloudtrail.TrailOptions(load_public_keys(str(key_file)) if keys else None, signatures or {})
    findings, notes = cloudtrail.check(found, options)
    return sorted(findings, key=lambda f: (f.kind, f.file, f.start or T)), notes


def test_rows_of_two_digests_deleted_in_a_row(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=4)
    deleted = trail.digests[2]
    key = str(deleted.relative_to(trail.root))
    for digest in trail.digests[1:3]:
        digest.unlink()
    findings, notes = _check(trail.root, {"": trail.signatures[3]})
    newest, oldest = str(trail.digests[3]), str(trail.digests[0])
    unlisted = (
        "no digest lists this log file, though digests cover its time: its digest is missing, or it was "
        "added or renamed"
    )
    assert findings == [
        Finding(
            Kind.CHAIN_BREAK,
            Severity.HIGH,
            newest,
            1,
            "links to a previous digest that is not among PATHS: deleted or not copied",
            _at(13),
            _at(13),
            key,
        ),
        Finding(
            Kind.DIGEST_GAP,
            Severity.HIGH,
            newest,
            1,
            "no digest covers 2 h: about 2 digest(s) of the trail's 1 h cadence are missing before this one, "
            "and it links back past them",
            _at(11),
            _at(13),
        ),
        *[
            Finding(Kind.UNLISTED_LOG, Severity.MEDIUM, str(log), None, unlisted, when, when)
            for log, when in zip(
                trail.logs[2:6], [_at(11, 5), _at(11, 25), _at(12, 5), _at(12, 25)], strict=True
            )
        ],
        Finding(
            Kind.UNVERIFIABLE,
            Severity.LOW,
            oldest,
            1,
            "no digest among PATHS links to it, so no signature of it is known",
            _at(10),
            _at(11),
        ),
    ]
    assert notes == []


def test_rows_of_an_altered_digest(tmp_path):
    import hashlib
    import json

    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=3)
    altered = trail.digests[1]
    body = json.loads(gzip.decompress(altered.read_bytes()))
    recorded = hashlib.sha256(gzip.decompress(altered.read_bytes())).hexdigest()
    body["logFiles"] = []
    text = json.dumps(body).encode()
    altered.write_bytes(gzip.compress(text, mtime=0))
    findings, _ = _check(trail.root, {"": trail.signatures[2]})
    now = hashlib.sha256(text).hexdigest()
    fp = fingerprint(private_key())
    unlisted = (
        "no digest lists this log file, though digests cover its time: its digest is missing, or it was "
        "added or renamed"
    )
    assert findings == [
        Finding(
            Kind.BAD_SIGNATURE,
            Severity.CRITICAL,
            str(altered),
            1,
            f"the signature does not verify with key {fp}: the digest or its signature was altered",
            _at(11),
            _at(12),
        ),
        Finding(
            Kind.CHAIN_BREAK,
            Severity.CRITICAL,
            str(altered),
            1,
            f"its bytes hash to {now[:16]}…, but the next digest ({trail.digests[2].name[:-3]}) recorded "
            f"{recorded[:16]}…: the digest was altered",
            _at(11),
            _at(12),
            trail.digests[2].name[:-3],
        ),
        *[
            Finding(Kind.UNLISTED_LOG, Severity.MEDIUM, str(log), None, unlisted, when, when)
            for log, when in zip(trail.logs[2:4], [_at(11, 5), _at(11, 25)], strict=True)
        ],
    ]


def test_rows_when_the_chain_starts_again_after_logging_was_off(tmp_path):
    from trail import build_trail

    first = build_trail(tmp_path / "ev", hours=2)
    second = build_trail(tmp_path / "later", hours=5)  # a chain whose first digest has no previous
    for digest in second.digests[:4]:
        digest.unlink()
    for log in second.logs[:8]:
        log.unlink()
    restarted = second.digests[4]
    target = first.digests[0].parent / restarted.name
    import json

    body = json.loads(gzip.decompress(restarted.read_bytes()))
    body.update(previousDigestS3Object=None, previousDigestSignature=None, previousDigestHashValue=None)
    body["digestS3Object"] = str(target.relative_to(first.root))
    target.write_bytes(gzip.compress(json.dumps(body).encode(), mtime=0))
    findings, _ = _check(first.root, keys=False)
    gap = [f for f in findings if f.kind is Kind.DIGEST_GAP]
    assert gap == [
        Finding(
            Kind.DIGEST_GAP,
            Severity.MEDIUM,
            str(target),
            1,
            "no digest covers 2 h: the chain starts again here (no previous digest): logging or log file "
            "validation was off, or the trail was recreated",
            _at(12),
            _at(14),
        ),
    ]


def test_a_given_signature_that_contradicts_the_chain_is_a_bad_signature(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=2)
    other = trail.signatures[1]
    findings, _ = _check(trail.root, {"": other, trail.digests[0].name[:-3]: trail.signatures[1]})
    assert [(f.kind, f.severity, f.file, f.detail) for f in findings] == [
        (
            Kind.BAD_SIGNATURE,
            Severity.CRITICAL,
            str(trail.digests[0]),
            "the --signature given differs from the one the next digest recorded",
        ),
    ]


def test_a_copy_of_one_digest_notes_where_its_chain_is_checked_from(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=3)
    for digest in trail.digests[:2]:
        digest.unlink()
    for log in trail.logs[:4]:
        log.unlink()
    findings, notes = _check(trail.root, {"": trail.signatures[2]})
    name = trail.digests[2].name[:-3]
    assert findings == []
    trail_name = "111122223333_CloudTrail-Digest_us-east-1_management-events_us-east-1"
    previous = trail.digests[1].name[:-3]
    assert notes == [
        f"trail {trail_name}: checked from {name} on; its previous digest {previous} is not among PATHS "
        "(a chain proves nothing before its first digest)"
    ]


def test_a_backfill_digest_alone_is_checked_without_a_chain(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=2, backfill=True)
    for digest in trail.digests[:2]:
        digest.unlink()
    for log in trail.logs[:4]:
        log.unlink()
    findings, notes = _check(trail.root, {trail.digests[2].name[:-3]: trail.signatures[2]})
    assert (findings, notes) == ([], [])


def _hourly(starts_ends: list[tuple[datetime, datetime]], linked: bool = True) -> list[Digest]:
    digests = []
    for number, (start, end) in enumerate(starts_ends):
        digests.append(
            _digest(
                digestStartTime=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                digestEndTime=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                digestS3Object=f"k/x_CloudTrail-Digest_r_t_r_{end:%Y%m%dT%H%M%SZ}.json.gz",
                previousDigestS3Object="k/previous.json.gz" if linked and number else None,
            )
        )
    return digests


def test_a_hole_of_one_second_is_no_gap_and_of_two_seconds_is():
    touching = _hourly([(_at(10), _at(11)), (_at(11) + timedelta(seconds=1), _at(12))])
    assert cloudtrail._coverage(touching) == []
    apart = _hourly([(_at(10), _at(11)), (_at(11) + timedelta(seconds=2), _at(12))])
    [gap] = cloudtrail._coverage(apart)
    assert (gap.kind, gap.severity, gap.start, gap.end) == (
        Kind.DIGEST_GAP,
        Severity.HIGH,
        _at(11),
        _at(11) + timedelta(seconds=2),
    )
    assert gap.detail.startswith(
        "no digest covers 2 s: about 1 digest(s)"
    )  # less than the cadence: still one


def test_every_gap_of_a_trail_is_reported_and_the_cadence_is_learnt():
    half_hourly = [
        (_at(10), _at(10, 30)),
        (_at(10, 30), _at(11)),
        (_at(12), _at(12, 30)),
        (_at(14), _at(14, 30)),
    ]
    gaps = cloudtrail._coverage(_hourly(half_hourly))
    assert [(g.start, g.end, g.file, g.line) for g in gaps] == [
        (_at(11), _at(12), "d.json.gz", 1),
        (_at(12, 30), _at(14), "d.json.gz", 1),
    ]
    tail = "digest(s) of the trail's 30 min cadence are missing before this one, and it links back past them"
    assert [g.detail.split(":")[1].strip() for g in gaps] == [f"about 2 {tail}", f"about 3 {tail}"]


def test_given_signatures_compare_case_blind_with_the_recorded_ones(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=2)
    given = {"": trail.signatures[1].upper(), trail.digests[0].name[:-3]: trail.signatures[0].upper()}
    assert _check(trail.root, given) == ([], [])


def test_each_digest_without_a_known_signature_is_its_own_row(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=2, backfill=True)
    findings, _ = _check(trail.root)
    assert [(f.kind, f.severity, f.file, f.start, f.end) for f in findings] == [
        (Kind.UNVERIFIABLE, Severity.LOW, str(trail.digests[1]), _at(11), _at(12)),
        (Kind.UNVERIFIABLE, Severity.LOW, str(trail.digests[2]), _at(11), _at(12)),
    ]


def test_without_keys_one_row_covers_the_trail(tmp_path):
    from trail import build_trail

    trail = build_trail(tmp_path / "ev", hours=3)
    findings, _ = _check(trail.root, keys=False)
    assert findings == [
        Finding(
            Kind.UNVERIFIABLE,
            Severity.MEDIUM,
            str(trail.digests[0]),
            None,
            "3 digests of trail 111122223333_CloudTrail-Digest_us-east-1_management-events_us-east-1: "
            "signatures not checked (give --public-keys, the saved output of "
            "`aws cloudtrail list-public-keys`)",
            _at(10),
            _at(13),
        ),
    ]


def test_key_validity_times_as_the_cli_prints_them(tmp_path):
    import base64
    import json

    value = base64.b64encode(public_der(private_key())).decode()
    entries = [
        {
            "Value": value,
            "Fingerprint": "AA",
            "ValidityStartTime": "2026-01-01T00:00:00+00:00",
            "ValidityEndTime": "",
        },
        {"Value": value, "Fingerprint": "bb", "ValidityStartTime": 1767225600, "ValidityEndTime": None},
        {"Value": value, "Fingerprint": "cc", "ValidityStartTime": "2026-01-01T00:00:00"},
    ]
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"PublicKeyList": entries}))
    keys = load_public_keys(str(path))
    new_year = datetime(2026, 1, 1, tzinfo=UTC)
    assert sorted(keys) == ["aa", "bb", "cc"]  # fingerprints compare lower-case
    assert [(k.valid_from, k.valid_until) for k in keys.values()] == [(new_year, None)] * 3
    assert keys["aa"].der == public_der(private_key())
    path.write_text(json.dumps([entries[0]]))  # a bare list (the PublicKeyList itself) is read too
    assert list(load_public_keys(str(path))) == ["aa"]


# gaps' unsigned stretches, on a hand-built frame

import polars as pl  # noqa: E402

from forensics_cli.analyses.unsigned import unsigned_stretches  # noqa: E402
from forensics_cli.integrity.cloudtrail_digest import base, is_cloudtrail_log, parse_time, read_digest  # noqa: E402


def _events(rows: list[tuple[str, int, datetime | None, str]]) -> pl.LazyFrame:
    return pl.DataFrame(
        rows,
        schema={"file": pl.String, "line": pl.Int64, "ts": pl.Datetime("us", "UTC"), "service": pl.String},
        orient="row",
    ).lazy()


def test_unlisted_files_between_listed_ones_make_separate_stretches():
    events = _events(
        [
            ("a", 1, _at(10), "ct"),
            ("b", 2, _at(11, 5), "ct"),
            ("b", 1, _at(11, 1), "iam"),
            ("b", 3, None, "x"),
            ("c", 1, _at(11, 30), "ct"),
            ("d", 1, _at(12), "ct"),
            ("e", 7, _at(13), "s3"),
            ("e", 9, _at(13), "ec2"),
            ("other", 1, _at(11, 10), "ct"),  # another trail's file at the same time: not this trail's
        ]
    )
    rows = unsigned_stretches(events, {("1", "r"): (["a", "b", "c", "d", "e"], {"b", "c", "e"})})
    assert [(r["start"], r["end"], r["duration_s"], r["file"], r["line"], r["service"]) for r in rows] == [
        (_at(11, 1), _at(11, 30), 1740.0, "b", 1, "iam"),  # b then c, no listed file between: one stretch
        (_at(13), _at(13), 0.0, "e", 7, "s3"),  # the first event: by time, then line
    ]
    assert [r["detail"].split(" no digest")[0] for r in rows] == [
        "3 CloudTrail events of 1 r in 2 log files",
        "2 CloudTrail events of 1 r in 1 log files",
    ]
    assert {(r["kind"], r["severity"]) for r in rows} == {("unsigned", "medium")}


def test_trails_are_kept_apart_and_a_trail_with_nothing_unlisted_has_no_stretch():
    events = _events([("a", 1, _at(10), "ct"), ("b", 1, _at(10), "ct"), ("c", 1, _at(9), "ct")])
    rows = unsigned_stretches(
        events, {("2", "r"): (["b"], {"b"}), ("1", "r"): (["a", "c"], {"a", "c"}), ("3", "r"): (["x"], set())}
    )
    assert [(r["file"], r["start"], r["end"]) for r in rows] == [
        ("c", _at(9), _at(10)),
        ("b", _at(10), _at(10)),
    ]
    assert [r["detail"].split(" in ")[0] for r in rows] == [
        "2 CloudTrail events of 1 r",
        "1 CloudTrail events of 2 r",
    ]


def test_an_unlisted_file_without_timed_events_makes_no_stretch():
    events = _events([("a", 1, None, "ct")])
    assert unsigned_stretches(events, {("1", "r"): (["a"], {"a"})}) == []


@pytest.mark.parametrize(
    "name, expected",
    [
        ("AWSLogs/1/CloudTrail/x_CloudTrail_y.json.gz", "x_CloudTrail_y.json"),
        ("C:\\copy\\logs\\x.json.gz", "x.json"),
        ("case.zip!AWSLogs/1/x.json.gz", "x.json"),
        ("outer.zip!inner!x.json", "x.json"),
        ("x.json", "x.json"),
        ("x.gz.json", "x.gz.json"),
    ],
)
def test_base_is_the_file_name_without_gz(name, expected):
    assert base(name) == expected


def test_digest_times_are_iso_with_an_offset():
    assert parse_time("2026-11-18T10:00:00Z") == _at(10)
    assert parse_time("2026-11-18T12:00:00+02:00") == _at(10)
    assert parse_time("2026-11-18T10:00:00") is None  # no offset: not a time a digest writes
    assert parse_time("2026-11-18T10:00:00z") is None
    assert parse_time(1763460000) is None and parse_time(None) is None and parse_time("soon") is None


def test_a_records_document_is_a_cloudtrail_log_whatever_its_name():
    assert is_cloudtrail_log("x.json", b'\n  {"Records": [')
    assert is_cloudtrail_log("111122223333_CloudTrail_us-east-1_20261118T1005Z_abc.json.gz", b"")
    assert not is_cloudtrail_log("x.json", b'{"records": [')
    assert not is_cloudtrail_log("x.json", b'{"eventVersion": "1.08"}')


def test_an_unreadable_digest_is_a_chain_break_on_its_first_line(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"digestS3Object": "x", "logFiles": [')
    finding = read_digest(str(path))
    assert (finding.kind, finding.severity, finding.line) == (Kind.CHAIN_BREAK, Severity.HIGH, 1)
    assert finding.detail.startswith("digest file cannot be read: not JSON (")


def test_a_listed_hash_that_is_not_text_mismatches_and_a_cut_log_says_why(tmp_path):
    from forensics_cli.integrity.cloudtrail_logs import check_logs

    log = tmp_path / "111122223333_CloudTrail_r_20261118T1005Z_abc.json.gz"
    log.write_bytes(gzip.compress(b'{"Records": []}')[:-6])  # cut before the gzip trailer
    entries = [
        {
            "s3Object": f"k/{log.name}",
            "hashValue": 5,
            "oldestEventTime": "2026-11-18T10:00:00Z",
            "newestEventTime": "2026-11-18T10:04:00Z",
        },
        {"s3Object": "k/gone-1.json.gz", "hashValue": "ab"},
        {"s3Object": "k/gone-2.json.gz", "hashValue": "cd", "newestEventTime": "2026-11-18T10:09:00Z"},
    ]
    findings = check_logs([_digest(logFiles=entries)], {log.name[:-3]: [str(log)]})
    assert [(f.kind, f.file, f.start, f.end, f.subject) for f in findings] == [
        (
            Kind.HASH_MISMATCH,
            str(log),
            _at(10),
            _at(10, 4),
            "k/x_CloudTrail-Digest_r_t_r_20261118T110000Z.json.gz",
        ),
        (Kind.MISSING_LOG, "d.json.gz", None, None, "k/gone-1.json.gz"),
        (Kind.MISSING_LOG, "d.json.gz", None, _at(10, 9), "k/gone-2.json.gz"),
    ]
    assert findings[0].detail.endswith(
        "is not the (none)… the digest recorded; compressed stream ends early (file cut short)"
    )
    assert findings[1].detail == "listed in this digest, not among PATHS: deleted or not copied"


def test_a_log_delivered_at_the_edges_of_the_digests_time_is_inside_it(tmp_path):
    from forensics_cli.integrity.cloudtrail_logs import check_logs

    digest = _digest(
        awsAccountId="111122223333", digestS3Object="AWSLogs/111122223333/CloudTrail-Digest/r1/x.json.gz"
    )
    logs = {
        f"111122223333_CloudTrail_r1_{stamp}_abc.json": [f"{stamp}.json"]
        for stamp in ("20261118T1000Z", "20261118T1100Z", "20261118T0959Z", "20261118T1101Z")
    }
    severities = {f.file: f.severity for f in check_logs([digest], logs)}
    assert severities == {
        "20261118T1000Z.json": Severity.MEDIUM,
        "20261118T1100Z.json": Severity.MEDIUM,
        "20261118T0959Z.json": Severity.LOW,
        "20261118T1101Z.json": Severity.LOW,
    }
    backfill = _digest(
        awsAccountId="111122223333",
        digestS3Object="AWSLogs/111122223333/CloudTrail-Digest/r1/x_CloudTrail-Digest_r1_t_r1_20261118T110000Z_backfill.json.gz",
    )
    assert {f.severity for f in check_logs([backfill], logs)} == {
        Severity.LOW
    }  # a backfill window is no hour
