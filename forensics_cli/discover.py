"""Find log files under the given paths, recognise them by content, and order rotated sets."""

import dataclasses
import os
import re
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from forensics_cli.archives import SEPARATOR, is_archive, members, shown_name
from forensics_cli.decompress import DecompressedStream, UnsupportedCompression, compression_of, read_head
from forensics_cli.guard import is_within

SNIFF_BYTES = 64 * 1024
LINK_OUTSIDE = "symbolic link to a file outside the given paths: "
_JSON_OPENING = re.compile(rb"(?:^|\n)[ \t\r]*\{")

_COMPRESSED_SUFFIX = re.compile(r"\.(gz|bz2|xz|zst)$")
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d{1,4})$")  # api-audit.log.3
_DATEEXT = re.compile(r"^(?P<base>.+?)-(?P<date>\d{8})(?:\d{2})?$")  # access.log-20261118
_LUMBERJACK = re.compile(  # app-2026-11-18T10-23-45.123.log (lumberjack, kubelet)
    r"^(?P<base>.+?)-(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)(?P<ext>\.[A-Za-z0-9]+)?$"
)


@dataclass(frozen=True)
class Candidate:
    """One file found under the PATHS, before it is read."""

    path: str  # as found from the PATHS given
    rotation_base: str  # the name its rotated set shares (directory + base name)
    rotation_order: tuple  # sorts oldest first within the set
    service: str
    compression: str
    skip_status: str | None  # "empty", "not_a_log", "unreadable", "truncated"; None: it looks like a log
    skip_reason: str = ""
    disk_path: str = ""  # the name to open, when `path` had to be shown differently (not UTF-8)
    sniffed: bool = False  # `compression` was read off the file's first bytes, which look like a log


def rotation_key(name: str) -> tuple[str, tuple]:
    """(base name, order) of a rotated file name; sorting by order puts the oldest file first.

    `x.log.3.gz` < `x.log.2.gz` < `x.log.1` < `x.log`; `x.log-20261117.gz` < `x.log-20261118.gz`;
    lumberjack stamps sort by their time; the live file (no suffix) is the newest.
    """
    stem = _COMPRESSED_SUFFIX.sub("", name)
    if match := _NUMBERED.match(stem):
        return match["base"], (0, -int(match["n"]), "")
    if match := _DATEEXT.match(stem):
        return match["base"], (0, int(match["date"]), "")
    if match := _LUMBERJACK.match(stem):
        return match["base"] + (match["ext"] or ""), (0, 0, match["stamp"])
    return stem, (1, 0, "")


def service_of(path: Path, root: Path) -> str:
    """The first directory under the given root, else the file's base name without rotation suffixes."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    if len(relative.parts) > 1:
        return relative.parts[0]
    return base_service(path.name)


def base_service(name: str) -> str:
    """The service a lone file stands for: its name without rotation and log suffixes."""
    base, _ = rotation_key(name)
    for suffix in (".log", ".jsonl", ".ndjson", ".json", ".txt"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base or name


NO_JSON_TEXT = "no JSON object in the first 64 KB"  # text, not a JSON log: scan-secrets reads it as text
CLOUDTRAIL_DIGEST = "CloudTrail digest file: an integrity record, not a log (apiforensics verify checks it)"


def is_cloudtrail_digest(head: bytes) -> bool:
    """A CloudTrail digest (hashes of the hour's log files, a link to the previous digest), by content."""
    return head.lstrip().startswith(b"{") and b'"digestS3Object"' in head and b'"logFiles"' in head


def sniff(path: str) -> tuple[str, str | None, str]:
    """(compression, skip status or None, reason) from the file's first decompressed bytes."""
    return sniff_head(path)[:3]


def sniff_head(path: str) -> tuple[str, str | None, str, bytes]:
    """sniff()'s answer and the first SNIFF_BYTES decompressed bytes it was judged on."""
    try:
        compression = compression_of(path)
        head = read_head(path, compression, SNIFF_BYTES)
    except PermissionError:
        return "none", "unreadable", "permission denied", b""
    except UnsupportedCompression as exc:
        return "zstd", "unreadable", str(exc), b""
    except OSError as exc:
        return "none", "unreadable", exc.strerror or str(exc), b""
    return (*_judged(path, compression, head), head)


def _judged(path: str, compression: str, head: bytes) -> tuple[str, str | None, str]:
    if not head:
        if compression != "none":  # bz2 and xz give nothing before a whole block: a cut file looks empty
            stream = DecompressedStream(path, compression)
            for _ in stream:
                pass
            if stream.problem:
                return compression, "truncated", f"{stream.problem}; nothing before the cut could be read"
        return compression, "empty", "no bytes" if compression == "none" else "decompresses to nothing"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return compression, "not_a_log", "UTF-16 text (convert with iconv -f UTF-16 -t UTF-8)"
    if head.count(b"\x00") > len(head) // 10:
        return compression, "not_a_log", "binary content (NUL bytes)"
    if is_cloudtrail_digest(head):
        return compression, "not_a_log", CLOUDTRAIL_DIGEST
    # a log when a line of the first 64 KB opens a JSON object (a log may open with a long traceback),
    # or the file opens a JSON array (an export of records)
    if not _JSON_OPENING.search(head) and not head.lstrip().startswith(b"["):
        return compression, "not_a_log", NO_JSON_TEXT
    return compression, None, ""


# directories that are never evidence, skipped when no PATHS were given (a crawl of the current directory)
TOOL_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".cache",
    ".venv",
    "venv",
    ".idea",
    ".vscode",
}


def is_tool_dir(path: Path) -> bool:
    """A version-control, package, cache or virtual-environment directory (a `pyvenv.cfg` marks any venv)."""
    return path.name in TOOL_DIRS or (path / "pyvenv.cfg").is_file()


def _walk(root: Path, errors: list[tuple[str, str]], inside: Callable[[str], bool], skip_tool_dirs=False):
    """Files under root, depth first without recursion (a tree 10,000 levels deep is fine), following no
    directory twice (symlink loops) and no link whose target leaves the given PATHS (`inside`); with
    `skip_tool_dirs`, not into directories that are never evidence (TOOL_DIRS, virtual environments)."""
    seen_dirs: set[str] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            real = os.path.realpath(directory)
        except OSError as exc:
            errors.append((str(directory), str(exc)))
            continue
        if real in seen_dirs:
            errors.append((str(directory), "directory visited twice (symlink loop)"))
            continue
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            errors.append((str(directory), exc.strerror or str(exc)))
            continue
        subdirectories = []
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink() and not inside(os.path.realpath(path)):
                    target = shown_name(os.path.realpath(path))
                    reason = f"{LINK_OUTSIDE}{target} (not followed; --follow-links reads it)"
                    errors.append((str(path), reason))
                elif entry.is_dir():
                    if not (skip_tool_dirs and is_tool_dir(path)):
                        subdirectories.append(path)
                else:
                    yield path
            except OSError as exc:
                errors.append((str(path), exc.strerror or str(exc)))
        stack.extend(reversed(subdirectories))  # the same order a recursive walk gives


def discover(paths: list[str], follow_links: bool = False, skip_tool_dirs: bool = False) -> list[Candidate]:
    """Every file under `paths`, sniffed and in rotation order (oldest first within each set). A
    symbolic link whose target is outside every given path is reported, not read, unless follow_links.

    Raises FileNotFoundError for a path that does not exist.
    """
    roots = [os.path.realpath(p) for p in paths]

    def inside(real: str) -> bool:
        return follow_links or any(is_within(real, root) for root in roots)

    for given in paths:
        if not os.path.lexists(given):
            raise FileNotFoundError(given)
    candidates: list[Candidate] = []
    seen_files: set[str] = set()
    errors: list[tuple[str, str]] = []
    for given in paths:
        root = Path(given)
        if root.is_dir():
            files, base = list(_walk(root, errors, inside, skip_tool_dirs)), root
        else:
            files, base = [root], root.parent
        for path in sorted(files, key=os.path.islink):  # a file and a link to it: the file's name is kept
            key = os.path.realpath(path)
            if key in seen_files:
                continue
            seen_files.add(key)
            if is_archive(str(path)):
                candidates.extend(_archive_candidates(path, errors))
            else:
                candidates.append(_candidate(path, base))
    for path, reason in errors:
        candidates.append(Candidate(path, path, (1, 0, ""), Path(path).name, "none", "unreadable", reason))
    candidates = [_shown(c) for c in candidates]
    return sorted(candidates, key=lambda c: (c.service, c.rotation_base, c.rotation_order, c.path))


def _shown(candidate: Candidate) -> Candidate:
    """The candidate named in text every output can hold (a file name need not be UTF-8)."""
    path = shown_name(candidate.path)
    if path == candidate.path and candidate.service.isprintable():
        return candidate
    return dataclasses.replace(
        candidate,
        path=path,
        rotation_base=shown_name(candidate.rotation_base),
        service=shown_name(candidate.service),
        skip_reason=shown_name(candidate.skip_reason),
        disk_path=candidate.path if path != candidate.path else "",
    )


def _archive_candidates(archive: Path, errors: list[tuple[str, str]]) -> list[Candidate]:
    """One candidate per regular member, named ARCHIVE!MEMBER; services and rotation sets come from the
    member names (a top directory every member shares, as `tar czf x.tgz logs/` writes, is skipped)."""
    try:
        found = members(str(archive))
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile) as exc:
        errors.append((str(archive), f"archive cannot be read: {exc}"))
        return []
    parts = [PurePosixPath(m.name.lstrip("./") or m.name).parts for m in found]
    shared = parts[0][0] if parts and all(len(p) > 1 and p[0] == parts[0][0] for p in parts) else None
    candidates = []
    for member, member_parts in zip(found, parts, strict=True):
        name = f"{archive}{SEPARATOR}{member.name}"
        inner = PurePosixPath(*member_parts[1:]) if shared else PurePosixPath(*member_parts)
        base, order = rotation_key(inner.name)
        service = inner.parts[0] if len(inner.parts) > 1 else base_service(inner.name)
        rotation_base = f"{archive}{SEPARATOR}{inner.parent / base}"
        skip = "unreadable" if member.unsafe else None
        reason = f"{member.unsafe}: not read" if member.unsafe else ""
        candidates.append(Candidate(name, rotation_base, order, service, "none", skip, reason))
    return candidates


def _candidate(path: Path, root: Path) -> Candidate:
    name = str(path)
    base, order = rotation_key(path.name)
    service = service_of(path, root)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return Candidate(
            name, str(path.parent / base), order, service, "none", "unreadable", exc.strerror or str(exc)
        )
    if not stat.S_ISREG(mode):
        return Candidate(
            name,
            str(path.parent / base),
            order,
            service,
            "none",
            "not_a_log",
            "not a regular file (FIFO, socket or device)",
        )
    # content sniffing happens when the file is read (in parallel, and not at all on a cache hit)
    return Candidate(name, str(path.parent / base), order, service, "none", None, "")


def rotation_slot(name: str) -> tuple[str, int] | None:
    """('numbered', N) for x.log.N[.gz], ('daily', ordinal day) for x.log-YYYYMMDD[.gz], else None."""
    stem = _COMPRESSED_SUFFIX.sub("", name)
    if match := _NUMBERED.match(stem):
        return "numbered", int(match["n"])
    if match := _DATEEXT.match(stem):
        try:
            return "daily", datetime.strptime(match["date"], "%Y%m%d").toordinal()
        except ValueError:
            return None
    return None
