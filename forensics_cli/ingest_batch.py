"""Small files parsed together: their lines go through the chunk pipeline as one chunk per log family,
so a directory of 20,000 one-line files does not pay the fixed cost of a chunk (tens of Polars calls)
20,000 times. Each file keeps its own reading (hash, damage, line numbers), report and rejects; the
result per file is what `ingest_file.parse_file` gives it alone.
"""

import itertools
from collections.abc import Callable

import polars as pl

from forensics_cli.discover import Candidate
from forensics_cli.ingest_file import (
    BlankLines,
    FileReport,
    Normalized,
    count_events,
    documents_or_lines,
    families_for,
    finish_file,
    note_field_map_paths,
    parse_chunk,
    parse_chunks,
    sample_records,
)
from forensics_cli.parse import build_tree
from forensics_cli.reader import LineChunk, ReadState, read_line_chunks

SMALL_FILE_BYTES = 256 << 10  # stored size below which a file is parsed with others
BATCH_BYTES = 8 << 20  # stored bytes of one batch (a worker task)
BATCH_FILES = 400  # files of one batch: enough to amortize a chunk, few enough to spread over workers
WAITING_BYTES = 8 << 20  # decompressed lines held for one round of a batch (small gzips can expand)


def batches(sizes: dict[int, int]) -> tuple[list[list[int]], list[int]]:
    """(batches of small files' ranks, the other ranks) from each file's stored size, in rank order."""
    grouped: list[list[int]] = []
    alone = []
    batch_bytes = 0
    for rank in sorted(sizes):
        size = sizes[rank]
        if size >= SMALL_FILE_BYTES:
            alone.append(rank)
            continue
        if not grouped or len(grouped[-1]) >= BATCH_FILES or batch_bytes + size > BATCH_BYTES:
            grouped.append([])
            batch_bytes = 0
        grouped[-1].append(rank)
        batch_bytes += size
    return grouped, alone


class _SmallFile:
    """One file of a batch while it is read: its first chunk, and what reading found."""

    def __init__(self, candidate: Candidate, rank: int, report: FileReport):
        self.candidate, self.rank, self.report = candidate, rank, report
        self.state = ReadState()
        self.chunks = documents_or_lines(
            read_line_chunks(candidate.path, report.compression, self.state), report
        )
        self.first: list[LineChunk] = []
        self.families: list = []  # as recognised on the first chunk (set by parse_small_files)
        try:
            self.first = list(itertools.islice(self.chunks, 2))
        except OSError as exc:  # vanished or became unreadable between discovery and reading
            self.state.problem = exc.strerror or str(exc)

    @property
    def one_chunk(self) -> bool:
        return len(self.first) == 1


def parse_small_files(
    files: list[tuple[Candidate, int, FileReport]],
    options,
    writer_for: Callable[[int], Callable[[pl.DataFrame], None]],
) -> dict[int, pl.DataFrame]:
    """Read, parse and normalize small files together: per file rank, its rejected lines; its events go
    to `writer_for(rank)` and its report is filled in. A file that turns out to hold more than one chunk
    (a small gzip of a large log) is parsed alone at once, as parse_file would. Files waiting for their
    group hold at most WAITING_BYTES of decompressed lines: a batch of small gzips that each expand to
    megabytes is parsed in several rounds, never held whole."""
    rejects: dict[int, pl.DataFrame] = {}
    waiting: list[_SmallFile] = []
    waiting_bytes = 0
    for file in files:
        small = _SmallFile(*file)
        if not small.one_chunk:  # no line (empty, unreadable) or several chunks: the one-file path
            chunks = itertools.chain(small.first, small.chunks)
            rejects[small.rank] = parse_chunks(
                chunks,
                small.state,
                small.candidate,
                small.rank,
                options,
                small.report,
                writer_for(small.rank),
            )
            continue
        small.families = families_for(sample_records(small.first[0].frame["raw"]), options)
        small.report.family = ", ".join(f.name for f in small.families)
        waiting.append(small)
        waiting_bytes += len(small.first[0].payload)
        if waiting_bytes >= WAITING_BYTES:
            rejects.update(_parse_waiting(waiting, options, writer_for))
            waiting, waiting_bytes = [], 0
    rejects.update(_parse_waiting(waiting, options, writer_for))
    return rejects


def _parse_waiting(waiting: list["_SmallFile"], options, writer_for) -> dict[int, pl.DataFrame]:
    """The waiting one-chunk files, one chunk per group of files recognised as the same families."""
    by_families: dict[tuple, list[_SmallFile]] = {}
    for small in waiting:
        by_families.setdefault(tuple(f.name for f in small.families), []).append(small)
    rejects: dict[int, pl.DataFrame] = {}
    for group in by_families.values():
        rejects.update(_parse_group(group, options, writer_for))
    return rejects


def _parse_group(
    group: list["_SmallFile"], options, writer_for: Callable[[int], Callable[[pl.DataFrame], None]]
) -> dict[int, pl.DataFrame]:
    """One chunk of the lines of files recognised as the same families, split back per file."""
    families = group[0].families
    tree = build_tree(list(dict.fromkeys(p for f in families for p in f.paths())))
    chunk = LineChunk(
        pl.concat(
            [
                small.first[0].frame.with_columns(
                    pl.lit(small.candidate.path).alias("file"),
                    pl.lit(small.rank, dtype=pl.Int32).alias("file_rank"),
                )
                for small in group
            ]
        ),
        b"".join(small.first[0].payload for small in group),
    )
    normalized, chunk_rejects = parse_chunk(chunk, group[0].candidate, group[0].rank, tree, families, options)
    events_of = normalized.events.partition_by("file_rank", as_dict=True)
    unreadable_of = normalized.unreadable_time.partition_by("file_rank", as_dict=True)
    rejects_of = chunk_rejects.partition_by("file_rank", as_dict=True)
    empty_events = normalized.events.clear()
    results = {}
    for small in group:
        key = (small.rank,)
        events = events_of.get(key, empty_events)
        count_events(
            small.report, Normalized(events, unreadable_of.get(key, normalized.unreadable_time.clear()))
        )
        note_field_map_paths(small.report, normalized, options)
        writer_for(small.rank)(events)
        blank = BlankLines()
        file_rejects = rejects_of.get(key, chunk_rejects.clear())
        results[small.rank] = finish_file(
            small.candidate, small.report, small.state, [blank.sample(file_rejects)], blank
        )
    return results
