"""Read, parse and normalize one log file: its events, its rejected lines, and its health report."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from forensics_cli.discover import Candidate
from forensics_cli.normalize import normalize
from forensics_cli.parse import MAX_JSON_LINE_BYTES, build_tree, decode_objects
from forensics_cli.reader import LineChunk, ReadState, read_line_chunks
from forensics_cli.schema import REJECT_SCHEMA


@dataclass
class FileReport:
    """The ingest health of one input file (one row of `apiforensics ingest`)."""

    file: str
    service: str
    compression: str
    rank: int = 0
    lines: int = 0
    parsed: int = 0
    rejected: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    status: str = "ok"
    sha256: str = ""
    reason: str = ""  # why the status is not ok
    reject_reasons: dict[str, int] = field(default_factory=dict)
    bad_utf8_lines: int = 0
    last_line_cut: bool = False
    rotation_base: str = ""  # the name the rotated set shares (directory + base name)
    rotation_order: tuple = ()  # sorts the set oldest first (see discover.rotation_key)
    cached: bool = False  # read from the event cache, not from the file


def _classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `reject` (a reason, or null for a line that looks like a JSON object) to a line frame."""
    plain_objects = frame.select(
        (
            pl.col("raw").str.starts_with("{")
            & pl.col("raw").str.ends_with("}")
            & (pl.col("nbytes") <= MAX_JSON_LINE_BYTES)
        ).all()
    ).item()
    if plain_objects:  # the usual chunk: no need to strip whitespace off every line to find out why
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("reject"))
    text = pl.col("raw").str.strip_chars()
    return frame.with_columns(
        pl.when(text == "")
        .then(pl.lit("empty_line"))
        .when(pl.col("nbytes") > MAX_JSON_LINE_BYTES)
        .then(pl.lit("too_long"))
        .when(~text.str.starts_with("{"))
        .then(pl.lit("not_json"))
        .when(~text.str.ends_with("}"))
        .then(pl.lit("cut_short"))
        .alias("reject")
    )


def _candidate_payload(chunk: LineChunk, classified: pl.DataFrame) -> bytes:
    """The chunk's bytes without the lines already rejected, so the JSON reader needs no copy of each line."""
    rejected = classified["reject"].is_not_null()
    if not rejected.any():
        return chunk.payload
    ends = classified["nbytes"].cum_sum()
    starts = ends - classified["nbytes"]
    pieces, position = [], 0
    for start, end in zip(starts.filter(rejected).to_list(), ends.filter(rejected).to_list(), strict=True):
        pieces.append(chunk.payload[position:start])
        position = end
    pieces.append(chunk.payload[position:])
    return b"".join(pieces)


def _parse_chunk(chunk: LineChunk, candidate: Candidate, rank: int, tree, options):
    classified = _classify(chunk.frame)
    good = classified.filter(pl.col("reject").is_null())
    decoded, invalid = decode_objects(good["raw"], tree, _candidate_payload(chunk, classified))
    rejects = classified.filter(pl.col("reject").is_not_null()).select(
        "line", pl.col("reject").alias("reason"), pl.lit(None, dtype=pl.String).alias("detail"), "raw"
    )
    if invalid:
        bad_rows = good[[i for i, _ in invalid]].select(
            "line",
            pl.lit("invalid_json").alias("reason"),
            pl.Series("detail", [why for _, why in invalid]),
            "raw",
        )
        rejects = pl.concat([rejects, bad_rows])
        keep = pl.Series([True] * good.height).scatter([i for i, _ in invalid], False)
        good = good.filter(keep)
    base = good.select(
        pl.lit(candidate.path).alias("file"),
        "line",
        pl.lit(rank, dtype=pl.Int32).alias("file_rank"),
        "raw",
    )
    events = normalize(decoded, options.field_paths, base, options.tz)
    rejects = rejects.select(pl.lit(candidate.path).alias("file"), "line", "reason", "detail", "raw")
    return events, rejects


def parse_file(
    candidate: Candidate, rank: int, options, report: FileReport, write_events: Callable[[pl.DataFrame], None]
) -> pl.DataFrame:
    """Read, parse and normalize one log file. Each chunk's events go to `write_events` as soon as they
    are parsed, so memory is bounded by a chunk; returns the rejected lines and fills in `report`."""
    tree = build_tree([p for paths in options.field_paths.values() for p in paths])
    state = ReadState()
    reject_parts = []
    try:
        for chunk in read_line_chunks(candidate.path, report.compression, state):
            events, rejects = _parse_chunk(chunk, candidate, rank, tree, options)
            _count_events(report, events)
            write_events(events)
            reject_parts.append(rejects)
    except OSError as exc:  # vanished or became unreadable between discovery and reading
        state.problem = exc.strerror or str(exc)
    for line, size, preview in state.oversized:
        reject_parts.append(
            pl.DataFrame(
                {
                    "file": [candidate.path],
                    "line": [line],
                    "reason": ["too_long"],
                    "detail": [f"{size} bytes or more"],
                    "raw": [preview],
                },
                schema=REJECT_SCHEMA,
            )
        )
    rejects = pl.concat(reject_parts).sort("line") if reject_parts else pl.DataFrame(schema=REJECT_SCHEMA)
    _fill_report(report, state, rejects)
    return rejects


def _count_events(report: FileReport, events: pl.DataFrame):
    """Add one chunk's events to the report's count and time range."""
    report.parsed += events.height
    first, last = events["ts"].min(), events["ts"].max()
    if first is not None:
        report.first_ts = first if report.first_ts is None else min(report.first_ts, first)
        report.last_ts = last if report.last_ts is None else max(report.last_ts, last)


def _fill_report(report: FileReport, state: ReadState, rejects: pl.DataFrame):
    report.lines = state.lines
    report.rejected = rejects.height
    report.sha256 = state.sha256
    report.bad_utf8_lines = state.bad_utf8_lines
    report.last_line_cut = state.last_line_cut
    report.reject_reasons = dict(Counter(rejects["reason"].to_list()))
    last_rejected = rejects.height and rejects["line"][-1] == state.lines
    if state.problem:
        report.status, report.reason = "truncated", state.problem
    elif state.last_line_cut and last_rejected:
        report.status, report.reason = "truncated", "last line cut short (file ends mid-line)"
    elif state.lines == 0:
        report.status, report.reason = "empty", "no lines"
    elif report.parsed == 0:
        report.status, report.reason = "not_a_log", "no line is a JSON object"
