"""Normalized-event cache: one entry per input file, keyed by its content hash and the parser settings.

A later command on the same files reads only Parquet. The index maps (path, size, mtime, ctime, inode)
to the content hash, so an unchanged file is not even hashed again; a file that changed is re-read (ctime
is in the key because `touch -r` puts an mtime back, and nothing in user space sets ctime); a rotated
file that kept its bytes under a new name is a hit. The cache lives in the user cache directory, never
next to the evidence, in a directory only its owner can open (it holds every raw line: tokens,
passwords). An entry lists the size of each of its parts: a part cut short by a full disk or a crash
drops the entry and the file is read again. Readers hold a shared lock on the cache, so `cache clear`
never removes the parts of a command still running.
"""

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path

import polars as pl

from forensics_cli.archives import open_input, split, stat_of
from forensics_cli.errors import CacheBusy
from forensics_cli.event_store import PART_GLOB
from forensics_cli.schema import REJECT_SCHEMA

CACHE_ENV = "APIFORENSICS_CACHE_DIR"
_STORED_REJECT_SCHEMA = {name: dtype for name, dtype in REJECT_SCHEMA.items() if name != "file"}


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apiforensics"


class CacheUnsafe(Exception):
    """The cache directory belongs to another user: it is not used."""


_held_locks: list[int] = []  # descriptors of the shared locks this process holds until release_locks()


def release_locks() -> None:
    """Let `cache clear` run again (called when a command ends)."""
    while _held_locks:
        os.close(_held_locks.pop())


def _private_root(root: Path) -> None:
    """Create the cache root 0700, or tighten an existing one; refuse one another user owns."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = root.stat()
    if info.st_uid != os.geteuid():
        raise CacheUnsafe(f"cache directory {root} belongs to another user; not using it")
    if info.st_mode & 0o077:
        os.chmod(root, 0o700)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open_input(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EventCache:
    """get/put of (events, rejects, report fields) per input file."""

    def __init__(self, directory: str | Path | None, settings_key: str):
        self.root = Path(directory) if directory else default_cache_dir()
        self.settings_key = settings_key  # parser version, field map, time zone
        self.index_path = self.root / "index.json"
        self._index: dict | None = None
        self.rehash = False  # hash every file even when the index knows it (when a hash is printed)

    def open_for_reading(self) -> None:
        """Make the root private and take the shared lock that `clear` waits for."""
        _private_root(self.root)
        descriptor = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        _held_locks.append(descriptor)

    def _load_index(self) -> dict:
        if self._index is None:
            try:
                self._index = json.loads(self.index_path.read_text())
            except (OSError, ValueError):
                self._index = {}
        return self._index

    @staticmethod
    def _stat_key(path: str) -> str | None:
        try:
            info = stat_of(path)
        except OSError:
            return None
        archive, member = split(path)
        place = os.path.realpath(archive) + (f"!{member}" if member else "")
        return f"{place}|{info.st_size}|{info.st_mtime_ns}|{info.st_ctime_ns}|{info.st_ino}"

    def hash_known(self, path: str) -> bool:
        """Whether content_hash can answer from the index, without reading the file."""
        key = self._stat_key(path)
        return key is not None and not self.rehash and key in self._load_index()

    def content_hash(self, path: str) -> str | None:
        """The file's sha256, from the index when size, mtime, ctime and inode are unchanged; None when
        the file cannot be read (it is then read, and reported, like any unreadable file)."""
        key = self._stat_key(path)
        if key is None:
            return None
        index = self._load_index()
        if key not in index or self.rehash:
            try:
                index[key] = file_sha256(path)
            except OSError:
                return None
        return index[key]

    def _paths(self, sha: str) -> tuple[Path, Path, Path]:
        """(directory of event parts, rejects, report) of one file's entry; the report is written last."""
        stem = self.root / "events" / f"{sha[:2]}" / f"{sha}-{self.settings_key}"
        return stem, stem.with_suffix(".rejects.parquet"), stem.with_suffix(".json")

    def get(self, sha: str) -> tuple[Path, pl.DataFrame, dict] | None:
        events, rejects, meta = self._paths(sha)
        try:
            report = json.loads(meta.read_text())
            sizes = _part_sizes(events)
            if not any(fnmatch(name, PART_GLOB) for name in sizes) or sizes != report.get("parts"):
                self._drop(sha)  # a part cut short or lost (full disk, crash): read the file again
                return None
            if report.get("rejected") == 0:  # most files: no need to open their rejects
                return events, _NO_STORED_REJECTS, report
            return events, pl.read_parquet(rejects), report
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None

    def _drop(self, sha: str) -> None:
        events, rejects, meta = self._paths(sha)
        for path in (meta, rejects):
            path.unlink(missing_ok=True)
        shutil.rmtree(events, ignore_errors=True)

    def put(self, sha: str, parts: Path, rejects: pl.DataFrame, report) -> Path:
        """Make a file's event parts (written by event_store.PartWriter in a scratch directory under
        this cache) its entry, by a rename; store its rejects and report. Returns the entry's parts."""
        events_path, rejects_path, meta_path = self._paths(sha)
        for directory in (events_path.parent.parent, events_path.parent):  # mkdir's parents get 0755
            directory.mkdir(exist_ok=True, mode=0o700)
        shutil.rmtree(events_path, ignore_errors=True)  # an entry without its report: left by a crash
        os.replace(parts, events_path)
        if rejects.height:  # most files have none: get() does not open them when the report says so
            _atomic_parquet(rejects.drop("file"), rejects_path)
        fields = {
            k: v
            for k, v in asdict(report).items()
            if k not in ("file", "service", "rank", "rotation_base", "rotation_order")
        }
        for key in ("first_ts", "last_ts"):
            fields[key] = fields[key].isoformat() if isinstance(fields[key], datetime) else None
        fields["parts"] = _part_sizes(events_path)
        _atomic_text(json.dumps(fields), meta_path)
        return events_path

    def save_index(self):
        if self._index is not None:
            _private_root(self.root)
            _atomic_text(json.dumps(self._index), self.index_path)

    def clear(self) -> int:
        """Remove every cached file; returns how many were removed. Raises CacheBusy while another
        command reads the cache."""
        removed = 0
        if self.root.exists():
            descriptor = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise CacheBusy(f"another apiforensics command is reading {self.root}; try again") from None
            for path in sorted(self.root.rglob("*"), reverse=True):
                if path.is_file() and (path.suffix in (".parquet", ".json")):
                    path.unlink()
                    removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            os.close(descriptor)
        self._index = {}
        return removed


def _part_sizes(directory: Path) -> dict[str, int]:
    """Name -> size of the Parquet parts in an entry's directory (one scandir, no glob)."""
    with os.scandir(directory) as entries:
        found = {e.name: e.stat().st_size for e in entries if e.name.endswith(".parquet") and e.is_file()}
    return dict(sorted(found.items()))


def restore_report_fields(fields: dict) -> dict:
    fields.pop("parts", None)
    for key in ("first_ts", "last_ts"):
        if fields.get(key):
            fields[key] = datetime.fromisoformat(fields[key])
    return fields


def _atomic_parquet(frame: pl.DataFrame, target: Path):
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    os.close(handle)
    frame.write_parquet(temporary, compression="lz4")
    os.replace(temporary, target)


def _atomic_text(text: str, target: Path):
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, target)


_NO_REJECTS = pl.DataFrame(schema=REJECT_SCHEMA)
_NO_STORED_REJECTS = pl.DataFrame(schema=_STORED_REJECT_SCHEMA)


def with_file(rejects: pl.DataFrame, file: str) -> pl.DataFrame:
    """Stored rejects (no file column) with the file's current path."""
    if rejects.height == 0:
        return _NO_REJECTS  # most files: no frame to build
    return rejects.with_columns(pl.lit(file).alias("file")).select(list(REJECT_SCHEMA))
