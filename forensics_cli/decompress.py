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
    """Gives zstandard's decompressobj the small interface the loop below uses."""

    def __init__(self, inner):
        self._inner = inner
        self.unused_data = b""
        self.eof = False

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:  # noqa: ARG002 - bounded by input
        out = self._inner.decompress(data)
        self.eof = getattr(self._inner, "eof", False)
        return out

    @property
    def unconsumed_tail(self) -> bytes:
        return b""


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
                yield from self._decompress(handle, digest)
        self.sha256 = digest.hexdigest()

    def _decompress(self, handle, digest) -> Iterator[bytes]:
        decompressor = _new_decompressor(self.compression)
        pending = b""
        finished_member = False
        while True:
            if not pending:
                pending = handle.read(READ_SIZE)
                digest.update(pending)
                self.stored_bytes += len(pending)
                if not pending:
                    break
            if finished_member:
                # concatenated members (gzip -c a >> x; pigz; logrotate appends)
                if not pending.startswith(_magic_of(self.compression)):
                    self.problem = f"{len(pending)}+ bytes of garbage after the compressed data"
                    for rest in iter(lambda: handle.read(READ_SIZE), b""):
                        digest.update(rest)
                    return
                decompressor = _new_decompressor(self.compression)
                finished_member = False
            try:
                out = decompressor.decompress(pending, MAX_OUTPUT)
            except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                self.problem = f"corrupt compressed data: {exc}"
                for rest in iter(lambda: handle.read(READ_SIZE), b""):
                    digest.update(rest)
                return
            pending = getattr(decompressor, "unconsumed_tail", b"")
            if out:
                yield out
            if decompressor.eof:
                pending = decompressor.unused_data + pending
                finished_member = True
            # keep draining while the decompressor holds output back (max_length reached)
            while not pending and not decompressor.eof and _has_buffered_output(decompressor):
                out = decompressor.decompress(b"", MAX_OUTPUT)
                if not out:
                    break
                yield out
        if not finished_member and not decompressor.eof:
            self.problem = "compressed stream ends early (file cut short)"


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
