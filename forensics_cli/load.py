"""discover -> read -> parse -> normalize: every log file under PATHS into one lazy event frame.

Files are read in parallel: in threads for small inputs, in worker processes when there is enough to
read (the parser holds the GIL for part of its work). Cached files are not read at all (cache.py).
"""

import dataclasses
import hashlib
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from forensics_cli.archives import remember_name, stat_of
from forensics_cli.cache import CacheUnsafe, EventCache, restore_report_fields, with_file
from forensics_cli.discover import Candidate, discover, sniff
from forensics_cli.event_store import PartWriter, StoreWriteError, new_scratch_dir, scan_parts
from forensics_cli.families import BY_NAME, base_name
from forensics_cli.families.generic import GENERIC_FIELDS
from forensics_cli.families.spec import LogFamily
from forensics_cli.ingest_batch import batches, parse_small_files
from forensics_cli.ingest_file import FileReport, parse_file
from forensics_cli.schema import EVENT_SCHEMA, REJECT_SCHEMA, empty_events
from forensics_cli.subsets import DEFAULT_LOGIN_PATHS, auth_candidates

PARSER_VERSION = "7"  # bump when normalization changes: it keys the event cache
PROCESS_POOL_BYTES = 64 << 20  # below this much to read, worker processes cost more than they save

__all__ = ["FileReport", "LoadListener", "LoadOptions", "LoadResult", "load"]


@dataclass
class LoadResult:
    events: pl.LazyFrame  # every parsed line (EVENT_SCHEMA); collect only what an analysis needs
    reports: list[FileReport]
    rejects: pl.DataFrame  # every rejected line (REJECT_SCHEMA)
    auth_candidates: pl.LazyFrame  # the events that can be auth attempts (subsets.py), stored apart
    notes: list[str] = field(default_factory=list)  # about the run, not a file (the cache was not used)
    per_file: list[pl.LazyFrame] = field(default_factory=list)  # `events` of each file, by rank


@dataclass
class LoadOptions:
    user_format: LogFamily | None = None  # --field-map: its paths in front of the recognised family's
    families: dict[str, LogFamily] = field(default_factory=lambda: dict(BY_NAME))  # registry + user formats
    tz: str = "UTC"
    service: str | None = None  # force one service name for every file
    cache_dir: str | None = None
    use_cache: bool = True
    workers: int = max(1, min(4, os.cpu_count() or 1))
    processes: bool = True  # allow worker processes for large inputs
    rehash: bool = False  # hash every file again, even when the cache index knows it (a hash is printed)
    follow_links: bool = False  # read files behind symbolic links that leave the given paths
    skip_tool_dirs: bool = False  # no PATHS were given: .git, node_modules, venvs... are not evidence

    def settings_key(self) -> str:
        """What, besides a file's bytes, decides its normalized events (keys the cache)."""
        formats = [repr(self.user_format), [repr(f) for f in self.families.values()]]
        text = json.dumps([PARSER_VERSION, formats, self.tz, DEFAULT_LOGIN_PATHS], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _with_service(events: pl.LazyFrame, candidate: Candidate, options: LoadOptions) -> pl.LazyFrame:
    """--service wins, then a mapped service field, then the directory or file name."""
    fallback = pl.lit(options.service or candidate.service)
    service = fallback if options.service else pl.coalesce(pl.col("service"), fallback)
    return events.with_columns(service.alias("service")).select(_EVENT_ORDER)


_EVENT_ORDER = [pl.col(name) for name in EVENT_SCHEMA]  # built once: a select per file per run


def _new_report(candidate: Candidate, rank: int, options: LoadOptions) -> FileReport:
    return FileReport(
        candidate.path,
        options.service or candidate.service,
        candidate.compression,
        rank,
        rotation_base=candidate.rotation_base,
        rotation_order=candidate.rotation_order,
    )


def _from_cache(candidate: Candidate, rank: int, options: LoadOptions, cache: EventCache, sha: str):
    """(directory of parts, rejects, report) of a file whose bytes were read before, or None."""
    hit = cache.get(sha)
    if not hit:
        return None
    parts, rejects, fields = hit
    report = _new_report(candidate, rank, options)
    for key, value in restore_report_fields(fields).items():
        setattr(report, key, value)
    report.cached = True
    return parts, with_file(rejects, candidate.path), report


def _read_fresh(candidate: Candidate, rank: int, options: LoadOptions, scratch: Path, cache_root, sha):
    """Sniff and parse one file (in a worker thread or process), its events written as Parquet parts in
    `scratch`; they become the file's cache entry when there is a cache and the file did not change while
    it was read. Returns (directory of parts, or the events themselves when they could not be written,
    or None for a skipped file; rejects; report)."""
    if candidate.disk_path:  # a worker process learns the file's name on disk
        remember_name(candidate.path, candidate.disk_path)
    report, skipped = _sniffed(candidate, rank, options)
    if skipped:
        return None, pl.DataFrame(schema=REJECT_SCHEMA), report
    try:
        writer = PartWriter(scratch / f"{rank}")
        rejects = parse_file(candidate, rank, options, report, writer.write)
        parts = writer.finish()
    except StoreWriteError:  # no room on disk for the parsed events: keep this file's in memory instead
        report = _new_report(candidate, rank, options)
        report.compression = sniff(candidate.path)[0]
        chunks: list[pl.DataFrame] = []
        rejects = parse_file(candidate, rank, options, report, chunks.append)
        return (pl.concat(chunks) if chunks else empty_events()), rejects, report
    return _cached(parts, rejects, report, sha, _cache_at(cache_root, options)), rejects, report


def _cache_at(cache_root: Path | None, options: LoadOptions) -> EventCache | None:
    """The cache a worker puts its files in (the parent process holds the one it reads)."""
    return EventCache(cache_root, options.settings_key()) if cache_root else None


def _cached(parts: Path, rejects: pl.DataFrame, report: FileReport, sha, cache: EventCache | None) -> Path:
    """The file's parts made its cache entry when there is a cache and the file did not change while it
    was read (its hash then is the one the cache was asked for); else the parts where they are."""
    if cache and sha and report.sha256 == sha:
        try:
            return cache.put(sha, parts, rejects, report)
        except OSError:
            pass  # a full or read-only cache disk must not stop the analysis: the parts stay in scratch
    return parts


def _read_fresh_batch(
    batch: list[tuple[Candidate, int, str | None]], options: LoadOptions, scratch, cache_root
):
    """_read_fresh for many small files at once (ingest_batch.py): [(rank, its result)]."""
    results, to_parse = [], []
    for candidate, rank, _ in batch:
        if candidate.disk_path:
            remember_name(candidate.path, candidate.disk_path)
        report, skipped = _sniffed(candidate, rank, options)
        if skipped:
            results.append((rank, (None, pl.DataFrame(schema=REJECT_SCHEMA), report)))
        else:
            to_parse.append((candidate, rank, report))
    writers: dict[int, PartWriter] = {}

    def writer_for(rank: int):
        writers[rank] = writers.get(rank) or PartWriter(scratch / f"{rank}")
        return writers[rank].write

    sha_of = {rank: sha for _, rank, sha in batch}
    try:
        rejects = parse_small_files(to_parse, options, writer_for)
    except StoreWriteError:  # no room on disk: each file alone, which keeps its events in memory
        for writer in writers.values():
            shutil.rmtree(writer.directory, ignore_errors=True)
        return results + [
            (rank, _read_fresh(candidate, rank, options, scratch, cache_root, sha_of[rank]))
            for candidate, rank, _ in to_parse
        ]
    cache = _cache_at(cache_root, options)  # once: its key is a hash of every family's settings
    for _, rank, report in to_parse:
        parts = (writers.get(rank) or PartWriter(scratch / f"{rank}")).finish()
        parts = _cached(parts, rejects[rank], report, sha_of[rank], cache)
        results.append((rank, (parts, rejects[rank], report)))
    return results


def _as_lazy(
    parts: Path | pl.DataFrame | None, candidate: Candidate, rank: int, options: LoadOptions
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(events, auth candidates) of one file, from its parts, or from its events held in memory."""
    if parts is None:
        return empty_events().lazy(), empty_events().lazy()
    if isinstance(parts, pl.DataFrame):  # held in memory: the disk was full
        events = _with_service(parts.lazy(), candidate, options)
        return events, events.filter(auth_candidates())
    stored, stored_auth = scan_parts(parts, candidate.path, rank)
    events = _with_service(stored, candidate, options)
    if stored_auth is None:  # not expected (every part gets one); stay correct if missing
        return events, events.filter(auth_candidates())
    return events, _with_service(stored_auth, candidate, options)


def _skipped(candidate: Candidate, rank: int, options: LoadOptions):
    """(no events, no rejects, report) for a file discovery already found unreadable or not a log."""
    report = _new_report(candidate, rank, options)
    report.status, report.reason = candidate.skip_status, candidate.skip_reason
    return None, pl.DataFrame(schema=REJECT_SCHEMA), report


HASH_WITHOUT_SNIFF_BYTES = 1 << 20  # a smaller file is hashed at once: the sniff would cost as much


def _worth_sniffing_first(candidate: Candidate, cache: EventCache | None) -> bool:
    """A large file the cache would hash (read whole) before anything looked at what it holds."""
    if cache is None or cache.hash_known(candidate.path):
        return False
    try:
        return stat_of(candidate.path).st_size > HASH_WITHOUT_SNIFF_BYTES
    except OSError:
        return False


def _sniffed(candidate: Candidate, rank: int, options: LoadOptions) -> tuple[FileReport, bool]:
    """A new report with the compression the file's first 64 KB show, and whether they show it is not
    a log (binary, UTF-16, empty, no JSON: status and reason then say so). A candidate sniffed already
    (_sniff_first) is not sniffed again."""
    report = _new_report(candidate, rank, options)
    if candidate.sniffed:
        return report, False
    report.compression, skip, reason = sniff(candidate.path)
    if skip:
        report.status, report.reason = skip, reason
    return report, bool(skip)


def _sniff_first(candidates: list[Candidate], rank: int, options: LoadOptions):
    """_skipped's result for a file its first 64 KB show is not a log; None for a file to read, whose
    candidate then carries the compression found, so that the reader does not sniff it a second time."""
    report, skipped = _sniffed(candidates[rank], rank, options)
    if skipped:
        return None, pl.DataFrame(schema=REJECT_SCHEMA), report
    candidates[rank] = dataclasses.replace(candidates[rank], compression=report.compression, sniffed=True)
    return None


def _scratch_dir(cache_root: Path | None) -> Path:
    """Where this run writes parsed events: under the cache, else in the system's temporary directory
    (--no-cache, or a cache directory that cannot be written)."""
    if cache_root is not None:
        try:
            return new_scratch_dir(cache_root / "events")
        except OSError:
            pass
    return new_scratch_dir(None)


def _stored_size(candidate: Candidate) -> int:
    try:
        return stat_of(candidate.path).st_size
    except OSError:
        return 0  # read (and reported) like any other file


def _read_one(candidate: Candidate, rank: int, options: LoadOptions, scratch: Path, cache_root, sha):
    """_read_fresh with its rank, in the shape of _read_fresh_batch's results."""
    return [(rank, _read_fresh(candidate, rank, options, scratch, cache_root, sha))]


def _pool(size: int, tasks: int, options: LoadOptions):
    """Worker processes when there is enough to read and more than one task; else threads."""
    if tasks > 1 and (os.cpu_count() or 1) > 1 and size >= PROCESS_POOL_BYTES and options.processes:
        # spawn, not fork: forking a process that runs Polars' thread pool can deadlock
        return ProcessPoolExecutor(
            max_workers=min(tasks, os.cpu_count() or 1), mp_context=multiprocessing.get_context("spawn")
        )
    return ThreadPoolExecutor(max_workers=options.workers)


def services_by_evidence(candidates: list[Candidate], reports: list[FileReport], options) -> list[str]:
    """The service of each file: its directory (or name), split by product where one directory holds
    rotated sets of different vendor families (unrelated products side by side are not one service).
    A rotated set keeps one service; logging libraries and unknown JSON count as one kind."""

    def product(report: FileReport) -> str:
        family = BY_NAME.get(base_name(report.family))
        return family.name if family and family.fields is not GENERIC_FIELDS else ""

    if options.service:
        return [options.service] * len(candidates)
    set_product: dict[str, str] = {}
    for candidate, report in zip(candidates, reports, strict=True):
        if report.family and candidate.rotation_base not in set_product:
            set_product[candidate.rotation_base] = product(report)
    kinds: dict[str, set[str]] = {}
    for candidate in candidates:
        if candidate.rotation_base in set_product:
            kinds.setdefault(candidate.service, set()).add(set_product[candidate.rotation_base])
    services = []
    for candidate in candidates:
        kind = set_product.get(candidate.rotation_base, "")
        split = len(kinds.get(candidate.service, ())) > 1 and kind
        services.append(f"{candidate.service}/{kind}" if split else candidate.service)
    return services


class LoadListener(Protocol):
    """Told how much there is to read, then of each file as it is done (a progress display)."""

    def planned(self, files: int, stored_bytes: int) -> None: ...

    def file_done(self, report: FileReport, stored_bytes: int) -> None: ...


def load(
    paths: list[str],
    options: LoadOptions | None = None,
    listener: LoadListener | None = None,
) -> LoadResult:
    """Every log file under `paths` as one lazy event frame, files read in parallel (and cached)."""
    options = options or LoadOptions()
    candidates = discover(paths, options.follow_links, options.skip_tool_dirs)
    sizes = [_stored_size(candidate) for candidate in candidates]
    if listener:
        listener.planned(len(candidates), sum(sizes))
    on_file = (lambda rank: listener.file_done(results[rank][2], sizes[rank])) if listener else None
    cache, notes = _open_cache(options)
    # per file: (its events: a directory of parts, a frame held in memory, or None; rejects; report)
    results: list[tuple] = [None] * len(candidates)
    misses: dict[int, str | None] = {}
    for rank, candidate in enumerate(candidates):
        if candidate.skip_status:
            results[rank] = _skipped(candidate, rank, options)
        elif _worth_sniffing_first(candidate, cache) and (sniffed := _sniff_first(candidates, rank, options)):
            results[rank] = sniffed  # not a log: never hashed (an 8 GB sparse file is not read whole)
        else:
            sha = cache.content_hash(candidate.path) if cache else None
            results[rank] = _from_cache(candidate, rank, options, cache, sha) if sha else None
            if results[rank] is None:
                misses[rank] = sha
        if results[rank] and on_file:
            on_file(rank)
    if misses:
        cache_root = cache.root if cache else None
        scratch = _scratch_dir(cache_root)
        miss_sizes = {rank: sizes[rank] for rank in misses}
        small_batches, alone = batches(miss_sizes)
        with _pool(sum(miss_sizes.values()), len(small_batches) + len(alone), options) as pool:
            futures = [
                pool.submit(
                    _read_fresh_batch,
                    [(candidates[r], r, misses[r]) for r in batch],
                    options,
                    scratch,
                    cache_root,
                )
                for batch in small_batches
            ]
            futures += [
                pool.submit(_read_one, candidates[r], r, options, scratch, cache_root, misses[r])
                for r in alone
            ]
            for future in as_completed(futures):
                for rank, result in future.result():
                    results[rank] = result
                    if on_file:
                        on_file(rank)
    if cache:
        try:
            cache.save_index()
        except OSError:
            pass
    if not results:
        return LoadResult(
            empty_events().lazy(), [], pl.DataFrame(schema=REJECT_SCHEMA), empty_events().lazy(), notes
        )
    services = services_by_evidence(candidates, [report for _, _, report in results], options)
    for (_, _, report), service in zip(results, services, strict=True):
        report.service = service
    frames = [
        _as_lazy(parts, dataclasses.replace(candidates[rank], service=services[rank]), rank, options)
        for rank, (parts, _, _) in enumerate(results)
    ]
    return LoadResult(
        pl.concat([events for events, _ in frames], how="vertical"),
        [report for _, _, report in results],
        pl.concat([rejects for _, rejects, _ in results]),
        pl.concat([auth for _, auth in frames], how="vertical"),
        notes,
        [events for events, _ in frames],
    )


def _open_cache(options: LoadOptions) -> tuple[EventCache | None, list[str]]:
    """The cache, locked for reading; None (and why) when it must not or cannot be used."""
    if not options.use_cache:
        return None, []
    cache = EventCache(options.cache_dir, options.settings_key())
    cache.rehash = options.rehash
    try:
        cache.open_for_reading()
    except CacheUnsafe as exc:
        return None, [f"{exc} (files were read without it)"]
    except OSError as exc:
        return None, [
            f"cache {cache.root} cannot be used: {exc.strerror or exc} (files were read without it)"
        ]
    return cache, []
