"""Normalized-event cache: one entry per input file, keyed by its content hash and the parser settings.

A later command on the same files reads only Parquet. The index maps (path, size, mtime, inode) to the
content hash, so an unchanged file is not even hashed again; a file that changed is re-read; a rotated
file that kept its bytes under a new name is a hit. The cache lives in the user cache directory, never
next to the evidence.
"""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import polars as pl

from forensics_cli.archives import open_input, split, stat_of
from forensics_cli.event_store import PART_GLOB
from forensics_cli.schema import REJECT_SCHEMA

CACHE_ENV = "APIFORENSICS_CACHE_DIR"
_STORED_REJECT_SCHEMA = {name: dtype for name, dtype in REJECT_SCHEMA.items() if name != "file"}


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apiforensics"


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
        return f"{place}|{info.st_size}|{info.st_mtime_ns}|{info.st_ino}"

    def content_hash(self, path: str) -> str | None:
        """The file's sha256, from the index when size, mtime and inode are unchanged."""
        key = self._stat_key(path)
        if key is None:
            return None
        index = self._load_index()
        if key not in index:
            index[key] = file_sha256(path)
        return index[key]

    def _paths(self, sha: str) -> tuple[Path, Path, Path]:
        """(directory of event parts, rejects, report) of one file's entry; the report is written last."""
        stem = self.root / "events" / f"{sha[:2]}" / f"{sha}-{self.settings_key}"
        return stem, stem.with_suffix(".rejects.parquet"), stem.with_suffix(".json")

    def get(self, sha: str) -> tuple[Path, pl.DataFrame, dict] | None:
        events, rejects, meta = self._paths(sha)
        try:
            report = json.loads(meta.read_text())
            if not any(events.glob(PART_GLOB)):
                return None
            if report.get("rejected") == 0:  # most files: no need to open their rejects
                return events, pl.DataFrame(schema=_STORED_REJECT_SCHEMA), report
            return events, pl.read_parquet(rejects), report
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None

    def put(self, sha: str, parts: Path, rejects: pl.DataFrame, report) -> Path:
        """Make a file's event parts (written by event_store.PartWriter in a scratch directory under
        this cache) its entry, by a rename; store its rejects and report. Returns the entry's parts."""
        events_path, rejects_path, meta_path = self._paths(sha)
        events_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(events_path, ignore_errors=True)  # an entry without its report: left by a crash
        os.replace(parts, events_path)
        _atomic_parquet(rejects.drop("file"), rejects_path)
        fields = {
            k: v
            for k, v in asdict(report).items()
            if k not in ("file", "service", "rank", "rotation_base", "rotation_order")
        }
        for key in ("first_ts", "last_ts"):
            fields[key] = fields[key].isoformat() if isinstance(fields[key], datetime) else None
        _atomic_text(json.dumps(fields), meta_path)
        return events_path

    def save_index(self):
        if self._index is not None:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_text(json.dumps(self._index), self.index_path)

    def clear(self) -> int:
        """Remove every cached file; returns how many were removed."""
        removed = 0
        if self.root.exists():
            for path in sorted(self.root.rglob("*"), reverse=True):
                if path.is_file() and (path.suffix in (".parquet", ".json")):
                    path.unlink()
                    removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
        self._index = {}
        return removed


def restore_report_fields(fields: dict) -> dict:
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


def with_file(rejects: pl.DataFrame, file: str) -> pl.DataFrame:
    return rejects.with_columns(pl.lit(file).alias("file")).select(list(REJECT_SCHEMA))
