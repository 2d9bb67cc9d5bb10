"""What `gaps` reads of the events: small frames whose size depends on the time span and the findings,
not on how many lines the logs hold.

- `active`: one row per service and second that has lines (first and last time, line count), the unit of
  the silence statistic (silences.py); built by Polars' streaming engine.
- `misplaced`: lines far in time from both neighbours in their file, found a batch of files at a time.
- `repeat_candidates`: hashed raw text of the lines that could be repeated across a rotated set.
- `events`: the lazy events, for exact lookups about the few findings (which line, how many lines).
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from forensics_cli.load import FileReport

PLACE = ["file", "file_rank", "line"]
BATCH_LINES = 5_000_000  # lines whose times are held at once to find misplaced ones (~100 MB)


@dataclass
class GapInput:
    active: pl.DataFrame  # service, ts (first line of the second), last_ts, lines; sorted by service, ts
    misplaced: pl.DataFrame  # service, file, file_rank, line, ts, prev (the previous line's time)
    repeat_candidates: pl.DataFrame  # file, file_rank, line, ts, service, raw_hash
    events: pl.LazyFrame  # the timed events that are not misplaced


def gap_input(
    events: pl.LazyFrame | pl.DataFrame,
    reports: list[FileReport],
    max_skew_s: float,
    per_file: list[pl.LazyFrame] | None = None,
) -> GapInput:
    """Collect what gaps needs: one streaming pass for the activity, one query per batch of files for
    the order, and one for the lines that could be repeated. `per_file` (LoadResult.per_file): each
    file's events, so that a batch reads only its own files."""
    lazy = events.lazy().filter(pl.col("ts").is_not_null())
    misplaced = misplaced_lines(
        lazy, max_skew_s, _rank_batches(reports), neighbour_times(reports), per_file or None
    )
    in_place = lazy
    if misplaced.height:
        # a backdated line would otherwise open a fake silence hours before its neighbours
        in_place = lazy.join(
            misplaced.select("file_rank", "line").lazy(), on=["file_rank", "line"], how="anti"
        )
    active = (
        in_place.group_by("service", pl.col("ts").dt.truncate("1s").alias("second"))
        .agg(pl.col("ts").min(), pl.col("ts").max().alias("last_ts"), pl.len().alias("lines"))
        .drop("second")
        .collect(engine="streaming")
        .sort("service", "ts")
    )
    return GapInput(active, misplaced, repeat_candidates(events.lazy(), reports), in_place)


def _rank_batches(reports: list[FileReport]) -> list[list[int]] | None:
    """Files in rank order, grouped to about BATCH_LINES lines (a file is never split): each batch is one
    query, so memory is bounded by a batch (or the largest file) and small files do not cost a query each."""
    batches: list[list[int]] = []
    lines = 0
    for report in sorted(reports, key=lambda r: r.rank):
        if not batches or (batches[-1] and lines + report.parsed > BATCH_LINES):
            batches.append([])
            lines = 0
        batches[-1].append(report.rank)
        lines += report.parsed
    return batches or None


def neighbour_times(reports: list[FileReport]) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """Per file rank: the last time of the file before it in its rotated set, and the first time of the
    file after it. They stand in for the missing neighbour of a file's first and last lines, so that a
    single backdated first (or future-dated last) line is out of order, not the start of a fake gap."""
    before, after = {}, {}
    for files in rotated_sets(reports).values():
        for older, newer in zip(files, files[1:], strict=False):
            if older.last_ts is not None:
                before[newer.rank] = older.last_ts
            if newer.first_ts is not None:
                after[older.rank] = newer.first_ts
    return before, after


def _with_neighbours(times: pl.DataFrame, before: dict, after: dict) -> pl.DataFrame:
    """`times` (file_rank, line, ts in file order) with prev, next and prev2: the neighbouring lines' times
    in the same file; for a file's first and last lines, its rotated set's neighbouring file (`before`,
    `after`). The edges are set where files start and end, not looked up for every line."""
    same_file = pl.col("file_rank").shift(1) == pl.col("file_rank")
    framed = times.with_columns(
        pl.when(same_file).then(pl.col("ts").shift(1)).alias("prev"),
        pl.when(pl.col("file_rank").shift(-1) == pl.col("file_rank"))
        .then(pl.col("ts").shift(-1))
        .alias("next"),
        pl.when(pl.col("file_rank").shift(2) == pl.col("file_rank"))
        .then(pl.col("ts").shift(2))
        .alias("prev2"),
    )
    starts = framed.select(same_file.not_().fill_null(True).arg_true())[:, 0]
    if starts.is_empty():
        return framed
    ranks = framed["file_rank"].gather(starts).to_list()
    ends = pl.concat([starts.slice(1) - 1, pl.Series([framed.height - 1], dtype=starts.dtype)])
    ts_type = framed.schema["ts"]
    return framed.with_columns(
        framed["prev"].scatter(starts, pl.Series([before.get(r) for r in ranks], dtype=ts_type)),
        framed["next"].scatter(ends, pl.Series([after.get(r) for r in ranks], dtype=ts_type)),
    )


def misplaced_lines(
    events: pl.LazyFrame,
    max_skew_s: float,
    batches: list[list[int]] | None,
    neighbours: tuple[dict[int, datetime], dict[int, datetime]] = ({}, {}),
    per_file: list[pl.LazyFrame] | None = None,
) -> pl.DataFrame:
    """Lines whose time is more than `max_skew_s` older or newer than both neighbours in their file (the
    first and last lines: the neighbouring file of their rotated set, see neighbour_times). One batch of
    files at a time (see _rank_batches), or all at once when the files are not known."""
    skew = timedelta(seconds=max_skew_s)
    before, after = neighbours
    back = (pl.col("prev") - pl.col("ts") > skew) & (pl.col("next") - pl.col("ts") > skew)
    ahead = (pl.col("ts") - pl.col("prev") > skew) & (pl.col("ts") - pl.col("next") > skew)
    # the first line of a backdated block: far before the line above it, which is in order with its own
    # predecessor, while the next lines follow it closely (one backdated line is `back` instead); only in
    # a file written oldest first: exports (`gcloud logging read`) list newest first
    block = (
        (pl.col("_oldest_first") > 0.5)
        & (pl.col("prev") - pl.col("ts") > skew)
        & (pl.col("next") - pl.col("ts")).abs().le(skew)
        & (pl.col("prev") - pl.col("prev2")).abs().le(skew).fill_null(True)
    )
    columns = ["service", "file", "file_rank", "line", "ts", "prev", "block"]
    found = []
    for batch in batches if batches is not None else [None]:
        if batch is None:
            lines = events
        elif per_file is not None:  # the batch's own files: filtering the union would scan every file
            lines = pl.concat([per_file[rank] for rank in batch]).filter(pl.col("ts").is_not_null())
        else:
            lines = events.filter(pl.col("file_rank").is_in(batch))
        times = lines.select("file_rank", "line", "ts").collect()
        file_order = (pl.col("file_rank").cast(pl.Int64) * (1 << 40) + pl.col("line")).diff().fill_null(1) > 0
        if not times.select(file_order.all()).item():  # the loader keeps file order: sort only if lost
            times = times.sort("file_rank", "line")
        framed = _with_neighbours(times, before, after)
        # every kind needs a line far from the one above it: the rest of the work is on those few
        far = framed.filter(((pl.col("ts") - pl.col("prev")).abs() > skew).fill_null(False))
        if far.is_empty():
            continue
        oldest_first = (
            framed.filter(pl.col("file_rank").is_in(far["file_rank"].unique().to_list()))
            .group_by("file_rank")
            .agg(((pl.col("ts") - pl.col("prev")).dt.total_microseconds() >= 0).mean().alias("_oldest_first"))
        )
        flagged = (
            far.join(oldest_first, on="file_rank", how="left")
            .with_columns(block.fill_null(False).alias("block"))
            .filter((back | ahead).fill_null(False) | pl.col("block"))
            .select("file_rank", "line", "prev", "block")
        )
        if flagged.height:
            found.append(lines.join(flagged.lazy(), on=["file_rank", "line"]).select(columns).collect())
    if not found:
        empty = events.select(columns[:-2]).with_columns(
            pl.col("ts").alias("prev"), pl.lit(False).alias("block")
        )
        return empty.clear().collect()
    return pl.concat(found).sort("file_rank", "line")


def repeat_candidates(events: pl.LazyFrame, reports: list[FileReport]) -> pl.DataFrame:
    """File, line, time, service and raw-text hash of the lines that could be repeated in another file of
    their rotated set. A repeated line has the same timestamp in both files, so it lies in the time range
    the two files share; lines without a time are candidates too."""
    untimed_ranks, spans = [], []  # spans: (file_rank, low, high), disjoint within a file
    for files in rotated_sets(reports).values():
        if len(files) < 2:
            continue
        untimed_ranks += [r.rank for r in files if r.parsed > r.timed]  # only files with untimed lines
        spans += [(rank, low, high) for rank, found in shared_spans(files).items() for low, high in found]
    columns = [*PLACE, "ts", "service", pl.col("raw").hash().alias("raw_hash")]
    # Each part only when it can hold a line: a query over the files would read every line's raw text
    # (the bulk of the cache) before the join or the null test could drop it (1.4 s of a 5 s warm `gaps`
    # on 5 GB with no candidate at all)
    parts = []
    if spans:
        schema = events.collect_schema()
        span_frame = pl.DataFrame(
            spans,
            schema={"file_rank": schema["file_rank"], "_low": schema["ts"], "_high": schema["ts"]},
            orient="row",
        )
        # a filter the scan can use first (the ranks and the whole time range), then a join on the file
        # and the time test: a line meets at most one span of its file
        around = pl.col("file_rank").is_in(span_frame["file_rank"].unique().to_list()) & pl.col(
            "ts"
        ).is_between(span_frame["_low"].min(), span_frame["_high"].max())
        parts.append(
            events.filter(around)
            .join(span_frame.lazy(), on="file_rank", how="inner")
            .filter(pl.col("ts").is_between(pl.col("_low"), pl.col("_high")))
            .select(columns)
        )
    if untimed_ranks:
        parts.append(
            events.filter(pl.col("file_rank").is_in(untimed_ranks) & pl.col("ts").is_null()).select(columns)
        )
    if not parts:
        return events.select(columns).clear().collect()
    return pl.concat(parts).collect(engine="streaming")


def shared_spans(files: list[FileReport]) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per file (rank), the merged time spans it shares with another file of its set: one condition per
    file and span, not one per pair of files (200 overlapping files: 200 conditions, not 19,900).

    A moment is shared when two files' [first, last] ranges hold it: one sweep finds where that is,
    then each file keeps the part of its own range inside it."""
    timed = [f for f in files if f.first_ts is not None and f.last_ts is not None]
    # at one moment a range opening sorts before one closing: ranges that touch share that moment
    edges = sorted([(f.first_ts, 0, 1) for f in timed] + [(f.last_ts, 1, -1) for f in timed])
    doubled: list[tuple[datetime, datetime]] = []  # where two or more ranges overlap, in order
    depth, opened = 0, None
    for moment, _, step in edges:
        depth += step
        if depth >= 2 and opened is None:
            opened = moment
        elif depth < 2 and opened is not None:
            if doubled and opened <= doubled[-1][1]:
                doubled[-1] = (doubled[-1][0], moment)
            else:
                doubled.append((opened, moment))
            opened = None
    starts = [low for low, _ in doubled]
    found = {}
    for file in timed:
        spans = []
        for low, high in doubled[max(bisect_right(starts, file.first_ts) - 1, 0) :]:
            if low > file.last_ts:
                break
            if high >= file.first_ts:
                spans.append((max(low, file.first_ts), min(high, file.last_ts)))
        if spans:
            found[file.rank] = spans
    return found


def rotated_sets(reports: list[FileReport]) -> dict[str, list[FileReport]]:
    """The files that hold log lines, by rotated set (their shared base name), oldest first."""
    sets: dict[str, list[FileReport]] = {}
    for report in sorted(reports, key=lambda r: r.rank):
        if report.status not in ("not_a_log", "empty", "unreadable"):
            sets.setdefault(report.rotation_base, []).append(report)
    return sets


def first_lines(events: pl.LazyFrame, moments: list[tuple[str, datetime]]) -> dict[tuple, dict]:
    """(service, time) -> the first line (file, file_rank, line) of that service at exactly that time."""
    if not moments:
        return {}
    wanted = pl.any_horizontal([(pl.col("service") == s) & (pl.col("ts") == t) for s, t in set(moments)])
    found = (
        events.filter(wanted)
        .select("service", "ts", *PLACE)
        .collect()
        .sort("service", "ts", "file_rank", "line")
        .unique(["service", "ts"], keep="first", maintain_order=True)
    )
    return {(row["service"], row["ts"]): row for row in found.iter_rows(named=True)}


def lines_between(events: pl.LazyFrame, spans: list[tuple[datetime, datetime]]) -> pl.DataFrame:
    """Service and time of every line strictly inside any of the spans (exact counts for few findings)."""
    if not spans:
        return pl.DataFrame(schema={"service": pl.String, "ts": events.collect_schema()["ts"]})
    inside = pl.any_horizontal([(pl.col("ts") > start) & (pl.col("ts") < end) for start, end in spans])
    return events.filter(inside).select("service", "ts").collect(engine="streaming")
