"""Streaming, damage-tolerant decompression: recover every byte before a cut or a corrupt block."""

import bz2
import hashlib
import lzma
import zlib
from collections.abc import Iterator

from forensics_cli.archives import open_input

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}

READ_SIZE = 1 << 20  # compressed bytes read at a time
MAX_OUTPUT = 8 << 20  # decompressed bytes produced per step: memory stays bounded for a bomb


def compression_of(path: str) -> str:
    """'gzip', 'bz2', 'xz', 'zstd' or 'none', by magic bytes (never by file name)."""
    with open_input(path) as handle:
        head = handle.read(6)
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            return name
    return "none"


def _new_decompressor(compression: str):
    if compression == "gzip":
        return zlib.decompressobj(wbits=31)
    if compression == "bz2":
        return bz2.BZ2Decompressor()
    if compression == "xz":
        return lzma.LZMADecompressor()
    if compression == "zstd":
        try:
            import zstandard  # optional: only where the user installed it
        except ImportError as exc:
            raise UnsupportedCompression("zstd needs the optional 'zstandard' package") from exc
        return _ZstdAdapter(zstandard.ZstdDecompressor().decompressobj())
    raise ValueError(compression)


class UnsupportedCompression(Exception):
    """The file is compressed in a format this installation cannot read."""


class _ZstdAdapter:
    """Gives zstandard's decompressobj the interface of zlib's, output bound included.

    zstandard's decompressobj takes no output bound, and one zstd byte can stand for ~32 KB (RLE
    blocks: a 2 KB file holds a 64 MiB line). So the input is fed ZSTD_FEED bytes at a time and
    feeding stops once max_length is reached: one step's output is at most max_length + 8 MiB."""

    def __init__(self, inner):
        self._inner = inner
        self.unconsumed_tail = b""

    @property
    def eof(self) -> bool:
        return bool(self._inner.eof)

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        view, produced, size, position = memoryview(data), [], 0, 0
        while position < len(view) and not self._inner.eof and (not max_length or size < max_length):
            out = self._inner.decompress(view[position : position + ZSTD_FEED])
            position += ZSTD_FEED
            if out:
                produced.append(out)
                size += len(out)
        self.unconsumed_tail = bytes(view[position:]) if not self._inner.eof else b""
        return b"".join(produced)


ZSTD_FEED = 256  # compressed bytes per zstandard call: 256 bytes inflate to at most ~8 MiB


class DecompressedStream:
    """Iterate over the decompressed bytes of a file in bounded blocks.

    After iteration: `sha256` of the stored bytes, `problem` (None, or why the stream ended early)
    and `trailing` (bytes after the last complete compressed member, ignored).
    """

    def __init__(self, path: str, compression: str):
        self.path = path
        self.compression = compression
        self.sha256 = ""
        self.problem: str | None = None
        self.stored_bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        digest = hashlib.sha256()
        with open_input(self.path) as handle:
            if self.compression == "none":
                while block := handle.read(READ_SIZE):
                    digest.update(block)
                    self.stored_bytes += len(block)
                    yield block
            else:
                yield from _coalesced(self._decompress(handle, digest))
        self.sha256 = digest.hexdigest()

    def _read(self, handle, digest) -> bytes:
        block = handle.read(READ_SIZE)
        digest.update(block)
        self.stored_bytes += len(block)
        return block

    def _decompress(self, handle, digest) -> Iterator[bytes]:
        """Decompress `handle` member after member (concatenated gzip, pigz, logrotate appends).

        The read block is fed from a cursor, FEED_AFTER_MEMBER bytes at first after a member ends and
        doubling up to READ_SIZE: a member's end copies the rest of what was fed (zlib's unused_data), so
        a file of 200,000 tiny members (one per logger flush) costs 200,000 small copies, not 1 MiB each.
        """
        decompressor = _new_decompressor(self.compression)
        magic = _magic_of(self.compression)
        block, position, feed = b"", 0, READ_SIZE
        finished_member = False
        while True:
            if position >= len(block):
                block, position = self._read(handle, digest), 0
                if not block:
                    break
            if finished_member:
                if len(block) - position < len(magic):  # a member boundary near the end of a read block
                    block, position = block[position:] + self._read(handle, digest), 0
                if not block.startswith(magic, position):
                    self.problem = f"{len(block) - position}+ bytes of garbage after the compressed data"
                    while self._read(handle, digest):
                        pass
                    return
                decompressor = _new_decompressor(self.compression)
                finished_member = False
            piece = memoryview(block)[position : position + feed]
            try:
                out = decompressor.decompress(piece, MAX_OUTPUT)
            except (zlib.error, OSError, EOFError, lzma.LZMAError, _zstd_error()) as exc:
                self.problem = f"corrupt compressed data: {exc}"
                while self._read(handle, digest):
                    pass
                return
            left = len(getattr(decompressor, "unconsumed_tail", b""))
            if decompressor.eof:
                left += len(decompressor.unused_data)
                finished_member = True
                feed = FEED_AFTER_MEMBER
            else:
                feed = min(READ_SIZE, feed * 2)
            position += len(piece) - left
            if out:
                yield out
            # keep draining while the decompressor holds output back (max_length reached)
            while not decompressor.eof and _has_buffered_output(decompressor):
                out = decompressor.decompress(b"", MAX_OUTPUT)
                if not out:
                    break
                yield out
        if not finished_member and not decompressor.eof:
            self.problem = "compressed stream ends early (file cut short)"


FEED_AFTER_MEMBER = 4096


def _zstd_error() -> type[Exception]:
    try:
        import zstandard
    except ImportError:
        return OSError
    return zstandard.ZstdError


COALESCE_BYTES = 1 << 20


def _coalesced(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Small outputs (a member per logger flush yields a line at a time) joined into ~1 MiB blocks, so
    readers downstream see a few large blocks, never 200,000 tiny ones."""
    held: list[bytes] = []
    size = 0
    for block in blocks:
        if len(block) >= COALESCE_BYTES and not held:
            yield block
            continue
        held.append(block)
        size += len(block)
        if size >= COALESCE_BYTES:
            yield b"".join(held)
            held, size = [], 0
    if held:
        yield b"".join(held)


def _has_buffered_output(decompressor) -> bool:
    # bz2 and lzma report needs_input=False when they have more output for the same input
    return getattr(decompressor, "needs_input", True) is False


def _magic_of(compression: str) -> bytes:
    return next(magic for magic, name in MAGIC.items() if name == compression)


def read_head(path: str, compression: str, size: int) -> bytes:
    """Up to `size` decompressed bytes from the start of the file, tolerating damage."""
    head = bytearray()
    for block in DecompressedStream(path, compression):
        head += block
        if len(head) >= size:
            break
    return bytes(head[:size])
