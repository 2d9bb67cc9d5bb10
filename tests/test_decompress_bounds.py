"""Input read whole and in bounded memory (issue 18): member boundaries at the edge of a read block,
many tiny members, zstd bombs, millions of empty lines."""

import gzip
import json
import zlib

import pytest

from forensics_cli.decompress import MAX_OUTPUT, READ_SIZE, DecompressedStream
from forensics_cli.ingest_file import BLANK_LINES_LISTED
from forensics_cli.reader import ReadState, read_line_chunks
from tests.conftest import at, rows_of, seed_line

ZSTD_MISSING = "zstd support is the optional 'zstandard' package (installed by make test)"


def _stored_member_of_length(length: int) -> bytes:
    """A gzip member (stored, level 0) of exactly `length` compressed bytes holding whole JSON lines."""
    pad = b'{"pad": "' + b"x" * 1000 + b'"}\n'
    size = length - 40
    for _ in range(50):
        lines, rest = divmod(size, len(pad))
        body = pad * (lines - 1) + b'{"pad": "' + b"x" * (len(pad) + rest - 12) + b'"}\n'
        member = gzip.compress(body, compresslevel=0, mtime=0)
        if len(member) == length:
            return member
        size += length - len(member)
    raise AssertionError("could not size the member")


@pytest.mark.parametrize("boundary", [READ_SIZE - 2, READ_SIZE - 1, READ_SIZE, READ_SIZE + 1])
def test_a_member_ending_at_the_edge_of_a_read_block_is_followed_by_the_next(tmp_path, run, boundary):
    lines = "".join(
        f'{{"time": "{at(i):%Y-%m-%d %H:%M:%S},000", "message": {{"n": {i}}}}}\n' for i in range(50)
    )
    path = tmp_path / "api.log.gz"
    path.write_bytes(_stored_member_of_length(boundary) + gzip.compress(lines.encode(), mtime=0))
    stream = DecompressedStream(str(path), "gzip")
    text = b"".join(stream)
    assert stream.problem is None and text.endswith(lines.encode())
    (row,) = rows_of(run("ingest", "-q", "--no-cache", "--format", "jsonl", path))
    assert (row["status"], row["parsed"], row["timed"]) == ("ok", text.count(b"\n"), 50)


def test_many_tiny_members_are_all_read(tmp_path):
    lines = [f'{{"n": {i}}}\n'.encode() for i in range(20_000)]
    path = tmp_path / "flushes.log.gz"
    path.write_bytes(b"".join(gzip.compress(line, mtime=0) for line in lines))
    stream = DecompressedStream(str(path), "gzip")
    assert b"".join(stream) == b"".join(lines) and stream.problem is None


def test_garbage_after_the_last_member_is_reported_and_the_lines_before_it_kept(tmp_path):
    path = tmp_path / "a.log.gz"
    path.write_bytes(gzip.compress(b'{"n": 1}\n', mtime=0) + b"\x00garbage")
    stream = DecompressedStream(str(path), "gzip")
    assert b"".join(stream) == b'{"n": 1}\n' and "garbage" in stream.problem


def test_a_zstd_bomb_is_produced_in_bounded_steps(tmp_path):
    zstandard = pytest.importorskip("zstandard", reason=ZSTD_MISSING)
    path = tmp_path / "bomb.log.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(b"a" * (64 << 20)))
    assert path.stat().st_size < 4096
    steps = [len(block) for block in DecompressedStream(str(path), "zstd")]
    assert sum(steps) == 64 << 20 and max(steps) <= MAX_OUTPUT + (8 << 20)


def test_zstd_frames_are_read_in_turn_and_a_cut_frame_is_reported(tmp_path):
    zstandard = pytest.importorskip("zstandard", reason=ZSTD_MISSING)
    compressor = zstandard.ZstdCompressor()
    first, second = b'{"n": 1}\n' * 1000, b'{"n": 2}\n' * 1000
    whole = compressor.compress(first) + compressor.compress(second)
    path = tmp_path / "a.log.zst"
    path.write_bytes(whole)
    stream = DecompressedStream(str(path), "zstd")
    assert b"".join(stream) == first + second and stream.problem is None
    path.write_bytes(whole[:-5])
    stream = DecompressedStream(str(path), "zstd")
    assert b"".join(stream).startswith(first) and "ends early" in stream.problem


def test_a_zstd_log_is_read_end_to_end(tmp_path, run):
    zstandard = pytest.importorskip("zstandard", reason=ZSTD_MISSING)
    body = "".join(json.dumps(seed_line(at(i), request_id=f"r{i}")) + "\n" for i in range(10)).encode()
    (tmp_path / "api.log.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    (row,) = rows_of(run("ingest", "-q", "--no-cache", "--format", "jsonl", tmp_path))
    assert (row["compression"], row["status"], row["parsed"]) == ("zstd", "ok", 10)


def test_zlib_output_bound_holds_for_a_gzip_bomb(tmp_path):
    path = tmp_path / "bomb.log.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    path.write_bytes(compressor.compress(b"\n" * (64 << 20)) + compressor.flush())
    steps = [len(block) for block in DecompressedStream(str(path), "gzip")]
    assert sum(steps) == 64 << 20 and max(steps) <= MAX_OUTPUT


def test_empty_lines_are_counted_and_only_a_sample_kept(tmp_path, run, monkeypatch):
    monkeypatch.setattr("forensics_cli.reader.CHUNK_LINES", 1000)  # many chunks, as 16 M blank lines make
    first = json.dumps(seed_line(at(0), request_id="r1"))
    last = json.dumps(seed_line(at(1), request_id="r2"))
    path = tmp_path / "blank.log.gz"
    path.write_bytes(gzip.compress((first + "\n" + "\n" * 5000 + " \n" + last + "\n").encode(), mtime=0))
    (row,) = rows_of(
        run("ingest", "-q", "--no-cache", "--format", "jsonl", "--rejects", tmp_path / "r.csv", path)
    )
    assert (row["lines"], row["parsed"], row["rejected"]) == (5003, 2, 5001)
    assert row["reason"] == "5001 empty_line" and row["status"] == "ok"
    listed = (tmp_path / "r.csv").read_text().splitlines()
    assert len(listed) == 1 + BLANK_LINES_LISTED and listed[1].split(",")[1] == "2"
    (event,) = rows_of(run("timeline", "-q", "--no-cache", "--request-id", "r2", "--format", "jsonl", path))
    assert event["line"] == 5003


def test_a_file_cut_after_blank_lines_is_still_truncated(tmp_path, run):
    path = tmp_path / "cut.log"
    path.write_bytes((json.dumps(seed_line(at(0), request_id="r1")) + "\n" * 300 + "   ").encode())
    (row,) = rows_of(run("ingest", "-q", "--no-cache", "--format", "jsonl", path))
    assert row["status"] == "truncated" and row["rejected"] == 300


@pytest.mark.parametrize("lines", [999, 1000, 1001, 2500])
def test_line_numbers_stay_exact_across_line_capped_chunks(tmp_path, monkeypatch, lines):
    monkeypatch.setattr("forensics_cli.reader.CHUNK_LINES", 1000)
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(b'{"n": %d}\n' % i for i in range(1, lines + 1)))
    state = ReadState()
    chunks = list(read_line_chunks(str(path), "none", state))
    numbers = [n for chunk in chunks for n in chunk.frame["line"].to_list()]
    assert numbers == list(range(1, lines + 1)) and max(c.frame.height for c in chunks) <= 1000
    assert all(json.loads(r)["n"] == n for c in chunks for n, r in c.frame.select("line", "raw").iter_rows())
