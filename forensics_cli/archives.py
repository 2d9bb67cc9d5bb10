"""Logs inside .tar, .tar.gz/.tgz/.tar.bz2/.tar.xz and .zip bundles, read in place: never extracted.

A member is named `ARCHIVE!MEMBER` (`bundle.tar.gz!app/api-audit.log.3.gz`) everywhere a file is named,
and `open_input` opens either a plain file or such a member for reading. A member name that is
absolute or climbs out of the archive (`../`, zip-slip) is reported, never read or followed.
"""

import os
import posixpath
import tarfile
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

SEPARATOR = "!"
_ON_DISK: dict[str, str] = {}  # shown name -> name on disk, for the names that are not UTF-8
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


@dataclass(frozen=True)
class Member:
    """One regular file inside an archive."""

    name: str  # as stored in the archive
    size: int
    unsafe: str = ""  # why the name must not be followed (absolute, climbs out), else ""


def is_archive(path: str) -> bool:
    """A tar (any compression) or zip bundle, by name and by content."""
    lower = path.lower()
    try:
        if lower.endswith(".zip"):
            with open_evidence(path) as handle:
                return zipfile.is_zipfile(handle)
        if not lower.endswith(_TAR_SUFFIXES):
            return False
        with open_evidence(path) as handle:
            return tarfile.is_tarfile(handle)
    except OSError:
        return False


def _unsafe(name: str) -> str:
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute member name"
    if ".." in posixpath.normpath(name).split("/"):
        return "member name climbs out of the archive (zip-slip)"
    return ""


def members(path: str) -> list[Member]:
    """The regular-file members of an archive, in stored order (links and devices are not logs)."""
    if path.lower().endswith(".zip"):
        with open_evidence(path) as handle, zipfile.ZipFile(handle) as bundle:
            return [
                Member(i.filename, i.file_size, _unsafe(i.filename))
                for i in bundle.infolist()
                if not i.is_dir()
            ]
    with open_evidence(path) as handle, tarfile.open(fileobj=handle) as bundle:
        return [Member(m.name, m.size, _unsafe(m.name)) for m in bundle.getmembers() if m.isfile()]


def shown_name(path: str) -> str:
    """The path as text every output can hold: bytes of the name that are not UTF-8 written as \\xNN.

    Such a name is remembered, so `open_input` and `stat_of` still open the file by its shown name."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        _ON_DISK[shown] = path
        return shown


def remember_name(shown: str, on_disk: str) -> None:
    """Make `shown` open `on_disk` in this process (a worker process gets the pair with its file)."""
    if shown != on_disk:
        _ON_DISK[shown] = on_disk


def on_disk(name: str) -> str:
    """The name to open for a shown name."""
    return _ON_DISK.get(name, name)


def split(name: str) -> tuple[str, str | None]:
    """('bundle.tgz', 'app/x.log') for 'bundle.tgz!app/x.log'; (name, None) for a plain file."""
    archive, sep, member = on_disk(name).partition(SEPARATOR)
    while sep and not os.path.isfile(archive):  # a "!" in a directory or file name, not a member
        more, sep, member = member.partition(SEPARATOR)
        archive = archive + SEPARATOR + more
    return (archive, member) if sep else (on_disk(name), None)


class _Closing:
    """A member stream that also closes its archive."""

    def __init__(self, stream: BinaryIO, bundle, handle: BinaryIO):
        self._stream, self._bundle, self._handle = stream, bundle, handle

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stream.close()
        self._bundle.close()
        self._handle.close()  # a bundle opened on a file object leaves it open


_NO_ATIME = getattr(os, "O_NOATIME", 0)  # Linux only


def open_evidence(path: str) -> BinaryIO:
    """Open an input file read-only without updating its access time where the OS allows it.

    O_NOATIME is Linux's, and only for the file's owner (or CAP_FOWNER): for anyone else the open is
    retried without it, and the access time may change (a read-only mount keeps it: docs/architecture.md).
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    if _NO_ATIME:
        try:
            return os.fdopen(os.open(path, flags | _NO_ATIME), "rb")
        except PermissionError:
            pass
    return os.fdopen(os.open(path, flags), "rb")


def open_input(name: str):
    """A binary reader of a plain file or an archive member (a context manager either way)."""
    archive, member = split(name)
    if member is None:
        return open_evidence(archive)
    handle = open_evidence(archive)
    try:
        if archive.lower().endswith(".zip"):
            bundle = zipfile.ZipFile(handle)
            return _Closing(bundle.open(member), bundle, handle)
        bundle = tarfile.open(fileobj=handle)
        stream = bundle.extractfile(member)
        if stream is None:
            bundle.close()
            raise OSError(f"{member}: not a regular file in {archive}")
        return _Closing(stream, bundle, handle)
    except BaseException:
        handle.close()
        raise


def stat_of(name: str) -> os.stat_result:
    """The stat of the file, or of the archive holding the member."""
    return os.stat(split(name)[0])
