"""Reading: damaged compression, bad bytes, long lines, provenance."""

import gzip
import subprocess

from forensics_cli.load import LoadOptions, load
from forensics_cli.reader import MAX_LINE_BYTES, ReadState, read_line_chunks
from tests.conftest import write_log


def _lines(path, compression="none"):
    state = ReadState()
    frames = [c.frame for c in read_line_chunks(str(path), compression, state)]
    return [r for f in frames for r in f.iter_rows(named=True)], state


def test_truncated_gzip_yields_every_recoverable_line(tmp_path):
    records = [{"n": i, "pad": "x" * 50} for i in range(5000)]
    path = write_log(tmp_path / "a.log.gz", records, gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    rows, state = _lines(path, "gzip")
    assert state.problem and "ends early" in state.problem
    assert 100 < len(rows) < 5000
    assert [r["line"] for r in rows] == list(range(1, len(rows) + 1))


def test_corrupt_gzip_block_is_reported_not_raised(tmp_path):
    path = write_log(tmp_path / "a.log.gz", [{"n": i} for i in range(2000)], gz=True)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    rows, state = _lines(path, "gzip")
    assert state.problem is not None
    assert len(rows) < 2000


def test_concatenated_gzip_members_are_all_read(tmp_path):
    path = tmp_path / "multi.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n') + gzip.compress(b'{"a": 2}\n'))
    rows, state = _lines(path, "gzip")
    assert [r["raw"] for r in rows] == ['{"a": 1}', '{"a": 2}'] and state.problem is None


def test_bad_utf8_is_kept_and_counted(tmp_path):
    path = tmp_path / "bad.log"
    path.write_bytes(b'{"user": "caf\xe9"}\n{"user": "ok"}\n')
    rows, state = _lines(path)
    assert rows[0]["raw"] == '{"user": "caf\ufffd"}'
    assert state.bad_utf8_lines == 1


def test_overlong_line_is_rejected_without_being_kept(tmp_path):
    path = tmp_path / "huge.log"
    path.write_bytes(b'{"a": 1}\n{"blob": "' + b"x" * (MAX_LINE_BYTES * 2) + b'"}\n{"a": 3}\n')
    result = load([str(path)], LoadOptions(use_cache=False))
    report = result.reports[0]
    assert (report.lines, report.parsed, report.rejected) == (3, 2, 1)
    assert result.rejects["reason"].to_list() == ["too_long"]
    assert result.rejects["line"].to_list() == [2]


def test_line_counts_match_wc_l(tmp_path):
    path = write_log(tmp_path / "x.log", [{"a": i} for i in range(1234)] + ["Traceback", ""])
    wc = int(subprocess.run(["wc", "-l", str(path)], capture_output=True, text=True).stdout.split()[0])
    report = load([str(path)], LoadOptions(use_cache=False)).reports[0]
    assert report.lines == wc
    assert report.parsed + report.rejected == report.lines


def test_crlf_line_endings_are_stripped(tmp_path):
    path = tmp_path / "win.log"
    path.write_bytes(b'{"a": 1}\r\n{"a": 2}\r\n')
    rows, _ = _lines(path)
    assert [r["raw"] for r in rows] == ['{"a": 1}', '{"a": 2}']


def test_crlf_and_bad_utf8_together_keep_byte_counts_and_rejects_in_place(tmp_path):
    path = tmp_path / "mixed.log"
    path.write_bytes(b'{"a": 1}\r\nnot json\r\n{"user": "caf\xe9"}\r\n\r\n{"a": 2}\n')
    rows, state = _lines(path)
    assert [r["raw"] for r in rows] == ['{"a": 1}', "not json", '{"user": "caf\ufffd"}', "", '{"a": 2}']
    assert [r["nbytes"] for r in rows] == [10, 10, 20, 2, 9]  # of the repaired text (U+FFFD: 3 bytes)
    assert state.bad_utf8_lines == 1
    result = load([str(path)], LoadOptions(use_cache=False))
    assert result.rejects.select("line", "reason").rows() == [(2, "not_json"), (4, "empty_line")]
    assert result.events.collect()["line"].to_list() == [1, 3, 5]


def test_bz2_cut_before_its_first_block_ends_is_truncated_not_empty(tmp_path):
    import bz2

    from forensics_cli.load import LoadOptions, load

    text = "".join('{"time": "2026-11-18T10:00:%02dZ", "n": %d}\n' % (i % 60, i) for i in range(5000))
    packed = bz2.compress(text.encode())
    path = tmp_path / "cut.log.bz2"
    path.write_bytes(packed[: len(packed) // 2])
    (report,) = load([str(path)], LoadOptions(use_cache=False)).reports
    assert report.status == "truncated" and "ends early" in report.reason
