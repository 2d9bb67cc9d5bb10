"""The bytes of one input file, hashed as stored and as decompressed text, in one pass."""

import hashlib
from dataclasses import dataclass

from forensics_cli.decompress import DecompressedStream, UnsupportedCompression, compression_of

DIGEST_MAX_BYTES = 64 << 20  # a CloudTrail digest is a few KB to a few MB; more is not a digest


@dataclass(frozen=True)
class Content:
    """What a file holds: `stored_sha256` of its bytes as stored, `text_sha256` of the decompressed
    text (what CloudTrail digests record), sizes, newline-terminated line count, and `problem` (None,
    or why the text could not be read whole: a cut gzip, a permission error)."""

    stored_sha256: str
    text_sha256: str
    size: int
    text_bytes: int
    lines: int
    compression: str
    problem: str | None = None


def read_content(path: str) -> Content:
    """Hash `path` (a file, or `ARCHIVE!MEMBER`) as stored and as decompressed text."""
    try:
        compression = compression_of(path)
        stream = DecompressedStream(path, compression)
        text_digest, text_bytes, lines, last = hashlib.sha256(), 0, 0, b"\n"
        for block in stream:
            text_digest.update(block)
            text_bytes += len(block)
            lines += block.count(b"\n")
            last = block[-1:]
    except (OSError, UnsupportedCompression) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Content("", "", 0, 0, 0, "unknown", f"cannot read: {reason}")
    if last != b"\n":  # a last line without its newline is a line too
        lines += 1
    return Content(
        stream.sha256,
        text_digest.hexdigest(),
        stream.stored_bytes,
        text_bytes,
        lines,
        compression,
        stream.problem,
    )


def read_text(path: str, limit: int = DIGEST_MAX_BYTES) -> tuple[bytes, str | None]:
    """(the decompressed text of a small file, problem or None); at most `limit` bytes are kept."""
    held = bytearray()
    try:
        stream = DecompressedStream(path, compression_of(path))
        for block in stream:
            held += block
            if len(held) > limit:
                return bytes(held[:limit]), f"larger than {limit >> 20} MiB decompressed"
    except (OSError, UnsupportedCompression) as exc:
        return b"", f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    return bytes(held), stream.problem
