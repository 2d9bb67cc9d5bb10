"""Parsed events go to disk chunk by chunk, one Parquet part per chunk (and beside it the part's subset
of possible authentication attempts, subsets.py), so that memory is bounded by a chunk, not by a file.
A file's parts then become its cache entry (cache.py), or stay in a scratch directory that is removed
when the process ends (--no-cache, a file that changed while it was read).
"""

import atexit
import os
import shutil
import tempfile
from fnmatch import fnmatch
from pathlib import Path

import polars as pl

from forensics_cli.schema import empty_events
from forensics_cli.subsets import auth_candidates

PER_FILE_COLUMNS = ("file", "file_rank")  # depend on the path, not the bytes: set when scanned
PART_GLOB = "part-*.parquet"
AUTH_GLOB = "auth-*.parquet"  # per part, its lines that can be authentication attempts (subsets.py)


class StoreWriteError(Exception):
    """Parsed events could not be written (full or read-only disk). Not an OSError on purpose: an
    OSError while reading means the input file went away, this one does not."""


class PartWriter:
    """Writes one file's event chunks as numbered Parquet parts in `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.parts = 0
        try:
            directory.mkdir(parents=True, mode=0o700)  # raw log lines: tokens, passwords
        except OSError as exc:
            raise StoreWriteError(str(exc)) from exc

    def write(self, events: pl.DataFrame):
        stored = events.drop(PER_FILE_COLUMNS)
        try:
            # lz4: fast to write and read, and the store is disposable
            for name, frame in (("part", stored), ("auth", stored.filter(auth_candidates()))):
                target = self.directory / f"{name}-{self.parts:06d}.parquet"
                frame.write_parquet(target, compression="lz4")
                os.chmod(target, 0o600)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise StoreWriteError(str(exc)) from exc
        self.parts += 1

    def finish(self) -> Path:
        """The directory of parts; a file without events gets one empty part, so it can be scanned."""
        if self.parts == 0:
            self.write(empty_events())
        return self.directory


def scan_parts(directory: Path, file: str, rank: int) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
    """(the stored events of one file, their subset of possible authentication attempts or None when the
    directory has none), with the file's current path and rank. One listing of the directory."""
    with os.scandir(directory) as entries:
        names = sorted(entry.name for entry in entries)
    provenance = (pl.lit(file).alias("file"), pl.lit(rank, dtype=pl.Int32).alias("file_rank"))
    parts = [directory / name for name in names if fnmatch(name, PART_GLOB)]
    auth = [directory / name for name in names if fnmatch(name, AUTH_GLOB)]
    events = pl.scan_parquet(parts).with_columns(provenance)
    return events, (pl.scan_parquet(auth).with_columns(provenance) if auth else None)


def new_scratch_dir(parent: Path | None) -> Path:
    """A directory for this run's parts that is removed at exit. Inside the cache root when there is one,
    so that a finished file's parts become a cache entry by a rename."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory = Path(tempfile.mkdtemp(prefix=".run-" if parent else "apiforensics-", dir=parent))
    if not _SCRATCH_DIRS:
        atexit.register(remove_scratch_dirs)
    _SCRATCH_DIRS.append(directory)
    return directory


_SCRATCH_DIRS: list[Path] = []  # this process's, removed at exit (and on SIGTERM: cli.main)


def remove_scratch_dirs() -> None:
    """Remove the scratch directories this process made (their parts hold raw log lines)."""
    while _SCRATCH_DIRS:
        shutil.rmtree(_SCRATCH_DIRS.pop(), ignore_errors=True)
