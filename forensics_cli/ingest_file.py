"""Read, parse and normalize one log file: its events, its rejected lines, and its health report."""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import polars as pl

from forensics_cli.discover import Candidate
from forensics_cli.documents import MAX_DOCUMENT_BYTES, document_chunk, looks_like_document
from forensics_cli.families import FAMILIES, GENERIC, base_name, matches, recognise_all
from forensics_cli.families.generic import GENERIC_FIELDS
from forensics_cli.families.spec import LogFamily
from forensics_cli.normalize import TEXT_FIELDS, Normalized, normalize
from forensics_cli.parse import MAX_JSON_LINE_BYTES, SAMPLE_LINES, build_tree, decode_objects
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
    document: bool = False  # the file held JSON documents (an array, a wrapper, pretty-printed), not lines
    family: str = ""  # the log family recognised (families/), "" when no line was read
    timed: int = 0  # events that got a usable time
    bad_time: int = 0  # events whose time was written but could not be read (not analysed by time)
    bad_time_lines: list[int] = field(default_factory=list)  # the first BAD_TIME_EXAMPLES of them
    coverage: dict[str, int] = field(default_factory=dict)  # canonical field -> events that have it
    # the --field-map paths that had a value in this file (read in a batch of small files: in the batch)
    field_map_paths: list[str] = field(default_factory=list)


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


BLANK_LINES_LISTED = 100  # empty lines kept as reject rows per file; every one is counted


@dataclass
class BlankLines:
    """Empty lines past the first BLANK_LINES_LISTED of a file are counted, not kept as rows: 16 M of
    them fit in a 16 KB gzip, and as rows (with their file name) they would need gigabytes."""

    listed: int = 0
    unlisted: int = 0
    last_line: int = 0  # the last empty line not listed

    def sample(self, rejects: pl.DataFrame) -> pl.DataFrame:
        """The chunk's rejects with its empty lines beyond the file's sample taken out (and counted)."""
        blank = pl.col("reason") == "empty_line"
        count = rejects.select(blank.sum()).item()
        room = BLANK_LINES_LISTED - self.listed
        if count <= room:
            self.listed += count
            return rejects
        keep = ~blank | (blank.cum_sum() <= room)
        dropped = rejects.filter(~keep)
        self.listed += room
        self.unlisted += dropped.height
        self.last_line = dropped["line"].max()
        return rejects.filter(keep)


def _candidate_payload(chunk: LineChunk, classified: pl.DataFrame) -> bytes:
    """The chunk's bytes without the lines already rejected, so the JSON reader needs no copy of each line."""
    rejected = classified["reject"].is_not_null()
    if not rejected.any():
        return chunk.payload
    ends = classified["nbytes"].cum_sum()
    runs = (  # consecutive rejected lines cut out at once: 16 M empty lines are one run, not 16 M
        pl.DataFrame({"rejected": rejected, "start": ends - classified["nbytes"], "end": ends})
        .with_columns(pl.col("rejected").rle_id().alias("run"))
        .filter("rejected")
        .group_by("run", maintain_order=True)
        .agg(pl.col("start").first(), pl.col("end").last())
    )
    pieces, position = [], 0
    for start, end in zip(runs["start"].to_list(), runs["end"].to_list(), strict=True):
        pieces.append(chunk.payload[position:start])
        position = end
    pieces.append(chunk.payload[position:])
    return b"".join(pieces)


def sample_records(lines: pl.Series, limit: int = SAMPLE_LINES) -> list[dict]:
    """The first `limit` lines that decode to JSON objects (for recognisers: a sample, never every line)."""
    records = []
    for text in lines.filter(lines.str.starts_with("{")).head(limit).to_list():
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records


BAD_TIME_EXAMPLES = 5  # line numbers of unreadable times named in the reason
MAX_FAMILIES_PER_FILE = 4  # a file mixing more families than this reads the rarer ones as the most common


def families_for(records: list[dict], options) -> list[LogFamily]:
    """The families a file's sampled records belong to, most records first, each with the user's
    --field-map in front of it. Usually one: a file mixing families is read record by record."""
    ranked = recognise_all(records, list(options.families.values()))
    # a family of fewer than 1 in 20 sampled records is an odd line, not a second product: reading the
    # file record by record for it would cost every line a Python step
    kept = [(family, count) for family, count in ranked if count * 20 >= len(records)] or ranked[:1]
    found = [family for family, _ in kept[:MAX_FAMILIES_PER_FILE]]
    if all(family.fields is GENERIC_FIELDS for family in found):
        found = found[:1]  # libraries and unknown JSON read the same alias table: one reading serves all
    return [options.user_format.over(f) for f in found] if options.user_format else found


def _normalize_mixed(decoded, families: list[LogFamily], base: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Each record read as the first of `families` (in registry order) whose recogniser it satisfies, else
    as the generic family where the sample had one, else as the most common: per-record recognition,
    paid only by files whose sample held more than one family."""

    def rank(family: LogFamily) -> int:
        return _REGISTRY_RANK.get(base_name(family.name), len(_REGISTRY_RANK))

    specific = sorted((f for f in families if rank(f) != _REGISTRY_RANK[GENERIC.name]), key=rank)
    fallback = next((f for f in families if f not in specific), families[0])
    choice = []
    for text in base["raw"].to_list():
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError:  # Polars read it (a lone surrogate escape): no recogniser can look
            record = None
        chosen = next((f for f in specific if record is not None and matches(f, record)), fallback)
        choice.append(families.index(chosen))
    choice_series = pl.Series(choice)
    parts = []
    for index, family in enumerate(families):
        mask = choice_series == index
        if mask.any():
            subset = {path: values.filter(mask) for path, values in decoded.items()}
            parts.append(normalize(subset, family, base.filter(mask), tz))
    return Normalized(
        pl.concat([p.events for p in parts]).sort("file_rank", "line"),
        pl.concat([p.unreadable_time for p in parts]).sort("file_rank", "line"),
        frozenset(decoded),
    )


_REGISTRY_RANK = {family.name: rank for rank, family in enumerate(FAMILIES)}


def _provenance(frame: pl.DataFrame, candidate: Candidate, rank: int) -> tuple[pl.Expr, pl.Expr]:
    """(file, file_rank) of each line: the frame's own columns where it holds several files' lines."""
    if "file_rank" in frame.columns:
        return pl.col("file"), pl.col("file_rank")
    return pl.lit(candidate.path).alias("file"), pl.lit(rank, dtype=pl.Int32).alias("file_rank")


def parse_chunk(chunk: LineChunk, candidate: Candidate, rank: int, tree, families: list[LogFamily], options):
    """(normalized events, rejected lines with their file_rank) of one chunk of lines read as `families`.
    The chunk's frame may hold several files' lines, each with its own `file` and `file_rank`."""
    classified = _classify(chunk.frame)
    good = classified.filter(pl.col("reject").is_null())
    decoded, invalid = decode_objects(good["raw"], tree, _candidate_payload(chunk, classified))
    file, file_rank = _provenance(chunk.frame, candidate, rank)
    rejects = classified.filter(pl.col("reject").is_not_null()).select(
        file,
        "line",
        pl.col("reject").alias("reason"),
        pl.lit(None, dtype=pl.String).alias("detail"),
        "raw",
        file_rank,
    )
    if invalid:
        bad_rows = good[[i for i, _ in invalid]].select(
            file,
            "line",
            pl.lit("invalid_json").alias("reason"),
            pl.Series("detail", [why for _, why in invalid]),
            "raw",
            file_rank,
        )
        rejects = pl.concat([rejects, bad_rows])
        keep = pl.Series([True] * good.height).scatter([i for i, _ in invalid], False)
        good = good.filter(keep)
    base = good.select(file, "line", file_rank, "raw")
    if len(families) == 1:
        normalized = normalize(decoded, families[0], base, options.tz)
    else:
        normalized = _normalize_mixed(decoded, families, base, options.tz)
    return normalized, rejects


def parse_file(
    candidate: Candidate, rank: int, options, report: FileReport, write_events: Callable[[pl.DataFrame], None]
) -> pl.DataFrame:
    """Read, parse and normalize one log file. Each chunk's events go to `write_events` as soon as they
    are parsed, so memory is bounded by a chunk; returns the rejected lines and fills in `report`."""
    state = ReadState()
    chunks = documents_or_lines(read_line_chunks(candidate.path, report.compression, state), report)
    return parse_chunks(chunks, state, candidate, rank, options, report, write_events)


def parse_chunks(
    chunks: Iterator[LineChunk],
    state: ReadState,
    candidate: Candidate,
    rank: int,
    options,
    report: FileReport,
    write_events: Callable[[pl.DataFrame], None],
) -> pl.DataFrame:
    """parse_file's work on the chunks of one file being read (`state` is filled in as they are)."""
    reject_parts = []
    blank = BlankLines()
    families = tree = None
    try:
        for chunk in chunks:
            if families is None:  # recognised once per file, on a sample of its first chunk
                families = families_for(sample_records(chunk.frame["raw"]), options)
                report.family = ", ".join(f.name for f in families)
                tree = build_tree(list(dict.fromkeys(p for f in families for p in f.paths())))
            normalized, rejects = parse_chunk(chunk, candidate, rank, tree, families, options)
            count_events(report, normalized)
            note_field_map_paths(report, normalized, options)
            write_events(normalized.events)
            reject_parts.append(blank.sample(rejects))
    except OSError as exc:  # vanished or became unreadable between discovery and reading
        state.problem = exc.strerror or str(exc)
    return finish_file(candidate, report, state, reject_parts, blank)


def finish_file(
    candidate: Candidate, report: FileReport, state: ReadState, reject_parts: list, blank: BlankLines
) -> pl.DataFrame:
    """A file's rejected lines (REJECT_SCHEMA), its report filled in, once every chunk was parsed."""
    reject_parts = [part.select(REJECT_SCHEMA.keys()) for part in reject_parts]
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
    _fill_report(report, state, rejects, blank)
    return rejects


# canonical fields whose coverage ingest reports: every field a log line can fill in
COVERAGE_FIELDS = TEXT_FIELDS + ("port", "outcome", "auth", "duration_ms")  # bytes_sent is in TEXT_FIELDS


def documents_or_lines(chunks: Iterator[LineChunk], report: FileReport) -> Iterator[LineChunk]:
    """The file's chunks, or, where its first lines open a JSON document of records (and it parses
    whole), one chunk of those records numbered by the line each starts on."""
    first = next(chunks, None)
    if first is None:
        return
    if not looks_like_document(first.frame["raw"].head(5).to_list()):
        yield first
        yield from chunks
        return
    held, size = [first], first.frame["nbytes"].sum()
    for chunk in chunks:
        held.append(chunk)
        size += chunk.frame["nbytes"].sum()
        if size > MAX_DOCUMENT_BYTES:  # too large for an export: read as lines, as it is
            yield from held
            yield from chunks
            return
    document = document_chunk(b"".join(chunk.payload for chunk in held))
    if document is None:
        yield from held
        return
    report.document = True
    yield document


def note_field_map_paths(report: FileReport, normalized: Normalized, options) -> None:
    """Remember which of the --field-map's paths had a value (a map that matches nothing is an error)."""
    if options.user_format is not None:
        seen = normalized.paths_present & set(options.user_format.paths())
        report.field_map_paths = sorted(seen | set(report.field_map_paths))


def count_events(report: FileReport, normalized: Normalized):
    """Add one chunk's events to the report's count and time range."""
    events = normalized.events
    unreadable = normalized.unreadable_time["line"]
    if unreadable.len():
        report.bad_time += unreadable.len()
        room = BAD_TIME_EXAMPLES - len(report.bad_time_lines)
        report.bad_time_lines += unreadable.head(max(room, 0)).to_list()
    report.parsed += events.height
    counts = events.select(pl.col(name).count() for name in COVERAGE_FIELDS).row(0, named=True)
    for name, count in counts.items():
        report.coverage[name] = report.coverage.get(name, 0) + count
    report.timed = report.coverage["ts"]
    first, last = events["ts"].min(), events["ts"].max()
    if first is not None:
        report.first_ts = first if report.first_ts is None else min(report.first_ts, first)
        report.last_ts = last if report.last_ts is None else max(report.last_ts, last)


def _fill_report(report: FileReport, state: ReadState, rejects: pl.DataFrame, blank: BlankLines):
    report.lines = state.lines
    report.rejected = rejects.height + blank.unlisted
    report.sha256 = state.sha256
    report.bad_utf8_lines = state.bad_utf8_lines
    report.last_line_cut = state.last_line_cut
    reasons = Counter(rejects["reason"].to_list())
    if blank.unlisted:
        reasons["empty_line"] += blank.unlisted
    report.reject_reasons = dict(reasons)
    last_rejected = (rejects.height and rejects["line"][-1] == state.lines) or blank.last_line == state.lines
    if state.problem:
        report.status, report.reason = "truncated", state.problem
    elif state.last_line_cut and last_rejected:
        report.status, report.reason = "truncated", "last line cut short (file ends mid-line)"
    elif state.lines == 0:
        report.status, report.reason = "empty", "no lines"
    elif report.parsed == 0:
        report.status, report.reason = "not_a_log", "no line is a JSON object"
    elif not any(report.coverage.get(name) for name in COVERAGE_FIELDS if name not in ("level", "auth")):
        report.status = "unmapped"
        report.reason = f"no canonical field in {report.parsed} events (`formats detect` proposes a map)"
    elif report.timed == 0:
        report.status = "no_timestamps"
        report.reason = f"none of {report.parsed} events has a time this parser can read ({report.family})"
    elif report.bad_time:
        lines = ", ".join(map(str, report.bad_time_lines))
        more = ", …" if report.bad_time > len(report.bad_time_lines) else ""
        report.status = "bad_timestamps"
        report.reason = f"{report.bad_time} events with a time that cannot be read (lines {lines}{more})"
