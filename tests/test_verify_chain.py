"""verify on hash-chained and HMAC-signed JSON lines: lines altered, removed and inserted, named with
file and line; the scheme as docs/verify.md documents it for applications."""

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forensics_cli.integrity import hashchain
from forensics_cli.integrity.hashchain import ChainError, parse_chain, verify_chain

KEY = "chain-test-key"


def _canonical(record: dict) -> bytes:
    """docs/verify.md's sorted-json form, as an application in Python would write it."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chained(records: list[dict], key: str | None = KEY, previous: str = "") -> list[str]:
    """Lines of a chain: each record gets prev_hash (the line before's hash) and hash (its own)."""
    lines = []
    for record in records:
        body = dict(record, prev_hash=previous)
        data = _canonical(body)
        digest = hmac.new(key.encode(), data, hashlib.sha256) if key else hashlib.sha256(data)
        previous = digest.hexdigest()
        lines.append(json.dumps(dict(body, hash=previous)))
    return lines


def prefix_chained(records: list[dict], previous: str = "") -> list[str]:
    """The prefix form: the hash covers the line's bytes before `,"hash":`, the hash is the last member."""
    lines = []
    for record in records:
        head = json.dumps(dict(record, prev_hash=previous))[:-1]
        previous = hashlib.sha256(head.encode()).hexdigest()
        lines.append(f'{head},"hash":"{previous}"}}')
    return lines


def records(n: int, start: int = 0) -> list[dict]:
    return [
        {"ts": f"2026-11-18T10:{i // 60:02d}:{i % 60:02d}Z", "user": "alice", "action": f"read {i}", "n": i}
        for i in range(start, start + n)
    ]


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def field_map(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_CHAIN_KEY", KEY)
    path = tmp_path / "chain.toml"
    path.write_text(
        '[chain]\nhash = "hash"\nprevious = "prev_hash"\n'
        'algorithm = "hmac-sha256"\nkey_env = "AUDIT_CHAIN_KEY"\n'
    )
    return path


def _verify(run, field_map, *paths):
    result = run("verify", "--format", "json", "--field-map", field_map, *paths)
    return result, json.loads(result.stdout)


def _named(rows) -> list[tuple[str, int]]:
    return [(r["kind"], r["line"]) for r in sorted(rows, key=lambda r: (r["file"], r["line"] or 0))]


def test_an_untouched_chain_verifies(run, tmp_path, field_map):
    log = write(tmp_path / "logs" / "audit.log", chained(records(20)))
    result, rows = _verify(run, field_map, log.parent)
    assert rows == [] and result.exit_code == 0
    assert "hash chains: 1 files" in result.stderr


def test_one_line_removed_and_one_edited_are_both_named(run, tmp_path, field_map):
    lines = chained(records(10))
    lines[2] = lines[2].replace('"read 2"', '"read 9999"')  # line 3 edited, its hash kept
    del lines[6]  # line 7 removed: line 8 becomes line 7 and links to a line that is not there
    log = write(tmp_path / "logs" / "audit.log", lines)
    result, rows = _verify(run, field_map, log.parent)
    assert _named(rows) == [("line_altered", 3), ("line_removed", 7)]
    assert {r["severity"] for r in rows} == {"critical"}
    assert [r["detail"].endswith("(the chain's first broken link)") for r in rows] == [True, False]
    removed = next(r for r in rows if r["kind"] == "line_removed")
    assert removed["subject"] == f"after {log}:6"
    assert result.exit_code == 1


def test_an_inserted_line_is_named_even_with_a_plausible_link(run, tmp_path, field_map):
    lines = chained(records(6))
    forged = chained(
        [{"ts": "2026-11-18T10:00:03Z", "user": "mallory", "action": "grant admin", "n": 99}],
        key="not-the-key",
        previous=json.loads(lines[2])["hash"],
    )
    lines.insert(3, forged[0])  # after line 3, links to line 3: only its HMAC and the next link show it
    log = write(tmp_path / "logs" / "audit.log", lines)
    _, rows = _verify(run, field_map, log.parent)
    assert _named(rows) == [("line_inserted", 4)]
    assert "passes over this line" in rows[0]["detail"]


def test_a_line_without_chain_fields_is_not_part_of_the_chain(run, tmp_path, field_map):
    lines = chained(records(4))
    lines.insert(2, json.dumps({"ts": "2026-11-18T10:00:01Z", "user": "mallory"}))
    log = write(tmp_path / "logs" / "audit.log", lines)
    _, rows = _verify(run, field_map, log.parent)
    assert _named(rows) == [("line_inserted", 3)]


def test_the_chain_runs_on_across_a_rotated_set_and_a_missing_rotation_breaks_it(run, tmp_path, field_map):
    first, second = chained(records(5)), []
    second = chained(records(5, start=5), previous=json.loads(first[-1])["hash"])
    third = chained(records(5, start=10), previous=json.loads(second[-1])["hash"])
    logs = tmp_path / "logs"
    write(logs / "audit.log.2", first)
    write(logs / "audit.log.1", second)
    write(logs / "audit.log", third)
    result, rows = _verify(run, field_map, logs)
    assert rows == [] and result.exit_code == 0
    (logs / "audit.log.1").unlink()
    lines = (logs / "audit.log.2").read_text().splitlines()
    write(logs / "audit.log.2", lines[:2] + lines[3:])  # and a line of the oldest file removed
    _, rows = _verify(run, field_map, logs)
    named = [(r["kind"], Path(r["file"]).name, r["line"]) for r in rows]
    assert named == [("line_removed", "audit.log", 1), ("line_removed", "audit.log.2", 3)]  # by file name
    first = [Path(r["file"]).name for r in rows if r["detail"].endswith("(the chain's first broken link)")]
    assert first == ["audit.log.2"]  # but the chain's first break is in the oldest file
    assert rows[0]["subject"].endswith("audit.log.2:4")  # the oldest file's last line, now its 4th


def test_a_rewritten_line_in_a_keyless_chain_breaks_the_next_link(tmp_path):
    """Without a key anyone can recompute one line's hash; the next line's link still names the old one."""
    spec = parse_chain({"hash": "hash", "previous": "prev_hash", "algorithm": "sha256"}, "t.toml")
    lines = chained(records(5), key=None)
    rewritten = chained(
        [dict(records(5)[2], action="nothing to see")], key=None, previous=json.loads(lines[1])["hash"]
    )
    lines[2] = rewritten[0]
    log = write(tmp_path / "audit.log", lines)
    findings, notes = verify_chain([str(log)], spec)
    assert [(f.kind.value, f.line) for f in findings] == [("line_removed", 4)]
    assert "rewritten" in findings[0].detail and notes == []


def test_the_prefix_form_detects_a_changed_byte(tmp_path):
    spec = parse_chain({"hash": "hash", "previous": "prev_hash", "canonical": "prefix"}, "t.toml")
    lines = prefix_chained(records(4))
    log = write(tmp_path / "audit.log", lines)
    assert verify_chain([str(log)], spec) == ([], [])
    lines[1] = lines[1].replace('"alice"', '"alicf"')
    write(log, lines)
    findings, _ = verify_chain([str(log)], spec)
    assert [(f.kind.value, f.line) for f in findings] == [("line_altered", 2)]


def test_a_chain_that_starts_before_the_copy_is_checked_from_its_first_line(tmp_path):
    spec = parse_chain({"hash": "hash", "previous": "prev_hash"}, "t.toml")
    lines = chained(records(6), key=None)[2:]
    log = write(tmp_path / "audit.log", lines)
    findings, notes = verify_chain([str(log)], spec)
    assert findings == []
    assert notes == [
        f"{log}:1: the chain is checked from this line on; the line it links to is not among "
        "PATHS (a chain proves nothing before its first line)"
    ]


def test_a_wrong_key_alters_every_line(run, tmp_path, field_map, monkeypatch):
    log = write(tmp_path / "logs" / "audit.log", chained(records(3)))
    monkeypatch.setenv("AUDIT_CHAIN_KEY", "another key")
    _, rows = _verify(run, field_map, log.parent)
    assert _named(rows) == [("line_altered", 1), ("line_altered", 2), ("line_altered", 3)]


def test_a_key_file_relative_to_the_field_map(tmp_path):
    (tmp_path / "key").write_text(KEY + "\n")
    spec = parse_chain(
        {"hash": "h", "previous": "p", "algorithm": "hmac-sha256", "key_file": "key"},
        str(tmp_path / "chain.toml"),
    )
    assert spec.key == KEY.encode()


@pytest.mark.parametrize(
    "table, why",
    [
        ({"previous": "p"}, "needs hash"),
        ({"hash": "h", "previous": "p", "algorithm": "md5"}, "is not one of"),
        ({"hash": "h", "previous": "p", "algorithm": "hmac-sha256"}, "needs key_env or key_file"),
        ({"hash": "h", "previous": "p", "key_env": "HOME"}, "uses none"),
        ({"hash": "h", "previous": "p", "canonical": "xml"}, "sorted-json or prefix"),
        (
            {"hash": "h", "previous": "p", "algorithm": "hmac-sha256", "key_env": "UNSET_VARIABLE_X"},
            "not set",
        ),
    ],
    ids=["no_hash", "algorithm", "no_key", "key_without_hmac", "canonical", "unset_env"],
)
def test_unusable_chain_declarations_are_refused(table, why):
    with pytest.raises(ChainError, match=why):
        parse_chain(table, "t.toml")


def test_a_field_map_without_a_chain_is_a_usage_error(run, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('user = "actor"\n')
    log = write(tmp_path / "logs" / "a.log", chained(records(2)))
    result = run("verify", "--field-map", mapping, log.parent)
    assert result.exit_code == 2 and "declares no [chain]" in result.stderr


def test_files_no_check_speaks_for_are_unverifiable_not_clean(run, tmp_path, sample_copy):
    result = run("verify", "--format", "json", sample_copy)
    rows = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {(r["kind"], r["severity"]) for r in rows} == {("unverifiable", "info")}
    assert len(rows) == 8  # every log file of sample_logs/
    assert "not checked: 8 files" in result.stderr


def test_a_field_map_with_fields_and_a_chain_serves_the_other_commands(run, tmp_path, field_map):
    field_map.write_text('user = "user"\n\n' + field_map.read_text())
    log = write(tmp_path / "logs" / "audit.log", chained(records(3)))
    result = run("ingest", "-q", "--format", "json", "--field-map", field_map, log.parent)
    assert result.exit_code == 0 and "user 100%" in json.loads(result.stdout)[0]["coverage"]
    assert _verify(run, field_map, log.parent)[1] == []


def test_a_chain_only_field_map_is_refused_by_the_other_commands(run, tmp_path, field_map):
    log = write(tmp_path / "logs" / "audit.log", chained(records(3)))
    result = run("ingest", "-q", "--field-map", field_map, log.parent)
    assert result.exit_code == 2 and "declares only a [chain]" in result.stderr


def test_a_chain_in_the_user_format_directory_is_checked(run, tmp_path, monkeypatch):
    formats = tmp_path / "config" / "apiforensics" / "formats"
    formats.mkdir(parents=True)
    (formats / "audit.toml").write_text(
        '[recognise]\nkeys = ["prev_hash"]\n[fields]\nuser = "user"\n'
        '[chain]\nhash = "hash"\nprevious = "prev_hash"\n'
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    lines = chained(records(4), key=None)
    lines[1] = lines[1].replace("alice", "bob")
    log = write(tmp_path / "logs" / "audit.log", lines)
    rows = json.loads(run("verify", "--format", "json", log.parent).stdout)
    assert _named(rows) == [("line_altered", 2)]


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=12),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    )
)
def test_sorted_json_is_pythons_json_dumps_sorted_and_compact(record):
    """docs/verify.md promises the canonical form an application in Python writes with json.dumps."""
    spec = parse_chain({"hash": "hash", "previous": "prev"}, "t.toml")
    assert spec.signed_bytes(b"", dict(record, hash="x")) == _canonical(
        {k: v for k, v in record.items() if k != "hash"}
    )


def test_a_line_longer_than_the_limit_is_not_checked_and_the_chain_resumes_after_it(tmp_path, monkeypatch):
    import forensics_cli.integrity.hashchain as hashchain

    monkeypatch.setattr(hashchain, "MAX_JSON_LINE_BYTES", 400)
    spec = parse_chain({"hash": "hash", "previous": "prev_hash"}, "t.toml")
    lines = chained(records(6), key=None)
    lines[2] = chained(
        [dict(records(1)[0], pad="x" * 2000)], key=None, previous=json.loads(lines[1])["hash"]
    )[0]
    log = write(tmp_path / "audit.log", lines)
    findings, notes = verify_chain([str(log)], spec)
    assert [(f.kind.value, f.line) for f in findings] == [("unverifiable", 3)]
    assert notes == []  # line 4 links to the unchecked line: no false "removed", no "checked from" note


def _walk(tmp_path, lines, **table):
    spec = parse_chain({"hash": "hash", "previous": "prev_hash", **table}, "t.toml")
    log = write(tmp_path / "audit.log", lines)
    findings, notes = verify_chain([str(log)], spec)
    return [
        (f.kind.value, f.line, f.subject.rsplit(":", 1)[-1] if f.subject else "") for f in findings
    ], notes


def test_a_moved_line_links_back_past_the_lines_between(tmp_path):
    lines = chained(records(8), key=None)
    moved = lines.pop(1)  # line 2 moved to the end: line 3 (now 2) links to it, it links to line 1
    lines.append(moved)
    assert _walk(tmp_path, lines) == ([("line_removed", 2, "1"), ("line_inserted", 8, "1")], [])


def test_a_link_beyond_the_remembered_window_is_a_removal(tmp_path, monkeypatch):
    monkeypatch.setattr(hashchain, "RECENT_LINKS", 3)
    lines = chained(records(8), key=None)
    lines.append(lines.pop(1))  # links back 6 lines: further than the 3 hashes remembered
    assert _walk(tmp_path, lines)[0] == [("line_removed", 2, "1"), ("line_removed", 8, "7")]
    monkeypatch.setattr(hashchain, "RECENT_LINKS", 7)  # the newest 7 are kept, the oldest dropped
    assert _walk(tmp_path, lines)[0] == [("line_removed", 2, "1"), ("line_inserted", 8, "1")]


def test_a_chain_written_in_upper_case_hex_is_one_chain(tmp_path):
    """An application that writes both hashes in upper case: compared case-blind, hashed as written."""
    lines, previous = [], ""
    for record in records(4):
        body = dict(record, prev_hash=previous)
        previous = hashlib.sha256(_canonical(body)).hexdigest().upper()
        lines.append(json.dumps(dict(body, hash=previous)))
    assert _walk(tmp_path, lines) == ([], [])


def test_a_non_json_line_and_a_half_chained_line_are_not_part_of_the_chain(tmp_path):
    lines = chained(records(5), key=None)
    lines.insert(2, "Traceback (most recent call last):")
    half = dict(records(1)[0], prev_hash=json.loads(lines[1])["hash"])  # the link, but no hash of its own
    lines.insert(4, json.dumps(half))
    assert _walk(tmp_path, lines) == ([("line_inserted", 3, ""), ("line_inserted", 5, "")], [])


def test_an_inserted_line_leaves_the_rest_of_the_chain_whole(tmp_path):
    lines = chained(records(6), key=None)
    lines.insert(3, chained([{"forged": 1}], key=None, previous="ffff")[0])
    assert _walk(tmp_path, lines) == ([("line_inserted", 4, "")], [])


def test_a_chain_may_start_with_zeros_or_null(tmp_path):
    for genesis in ("0" * 64, None, ""):
        lines = chained(records(3), key=None, previous=genesis)
        assert _walk(tmp_path, lines) == ([], [])
    lines = chained(records(3), key=None, previous="0" * 63 + "1")
    assert _walk(tmp_path, lines)[1] != []  # not a start: the note says where the check begins


def test_lines_before_the_first_record_do_not_hide_the_chain():
    spec = parse_chain({"hash": "hash", "previous": "prev_hash"}, "t.toml")
    other = parse_chain({"hash": "sig", "previous": "prev_sig"}, "u.toml")
    head = b"starting up\nTraceback: boom\n" + chained(records(1), key=None)[0].encode() + b"\n"
    assert hashchain.chain_of(head, [other, spec]) is spec
    assert hashchain.chain_of(b'{"hash": "ab"}\n', [spec]) is None  # one field is not a chain
    assert hashchain.chain_of(b"no json at all\n", [spec]) is None
    assert hashchain.chain_of(b"{not json\n", [spec]) is None


def test_an_unreadable_file_in_a_chain_is_reported(tmp_path):
    spec = parse_chain({"hash": "hash", "previous": "prev_hash"}, "t.toml")
    findings, _ = verify_chain([str(tmp_path / "gone.log")], spec)
    assert [(f.kind.value, f.severity.value, f.file, f.line) for f in findings] == [
        ("line_removed", "high", str(tmp_path / "gone.log"), None)
    ]
    assert findings[0].detail.startswith("cannot read the rest of the file: ")
