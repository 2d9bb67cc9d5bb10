"""Coverage and integrity: silences, missing rotations, truncated files, out-of-order and repeated lines.

The silence statistic is in silences.py; what each kind means is in docs/gaps.md.
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from forensics_cli.analyses.gap_input import GapInput, first_lines, gap_input, lines_between, rotated_sets
from forensics_cli.analyses.silences import improbable_silences
from forensics_cli.discover import rotation_key, rotation_slot
from forensics_cli.load import FileReport
from forensics_cli.schema import TS_DTYPE

GAP_COLUMNS = ["kind", "severity", "start", "end", "duration_s", "service", "file", "line", "detail"]
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
RETENTION_PRESETS = {"PCI": 365 * 86400, "SOC2": 365 * 86400, "HIPAA": 6 * 365 * 86400}


@dataclass
class GapOptions:
    min_gap_s: float = 60.0
    min_expected: float = 15.0
    max_skew_s: float = 300.0  # jumps beyond this between neighbouring lines are out of order
    retention_s: float | None = None
    context_s: float = 3600.0  # "surrounding hours" on each side of a silence
    # a rate learnt from fewer active seconds around a silence is no evidence (4 lines do not make a rate)
    min_evidence: int = 30


def _row(kind, severity, start, end, service, file, line, detail) -> dict:
    duration = (end - start).total_seconds() if start is not None and end is not None else None
    return {
        "kind": kind,
        "severity": severity,
        "start": start,
        "end": end,
        "duration_s": duration,
        "service": service,
        "file": file,
        "line": line,
        "detail": detail,
    }


def _silences(data: GapInput, options: GapOptions) -> list[dict]:
    found = improbable_silences(
        data.active, options.min_gap_s, options.min_expected, options.context_s, options.min_evidence
    )
    # the evidence of a silence: the first line of the last second the service logged before it
    moments = list(zip(found["service"], found["start"], strict=True))
    lone = _lone_edge_lines(data.active, found)
    last_lines = first_lines(data.events, moments + [(service, end) for service, end, _ in lone.values()])
    rows = []
    for index, (service, start, end, silence, rate, expected, evidence) in enumerate(found.iter_rows()):
        place = last_lines.get((service, start), {})
        if index in lone:
            _, moment, edge = lone[index]
            alone = last_lines.get((service, moment), {})
            caveat = (
                f"; the service's {edge} line ({alone.get('file')}:{alone.get('line')}) is alone on that "
                f"side of the silence: one {'backdated' if edge == 'first' else 'future-dated'} line would "
                "look the same"
            )
        else:
            caveat = ""
        rows.append(
            _row(
                "time_gap",
                "medium",
                start,
                end,
                service,
                place.get("file"),
                place.get("line"),
                f"silent {silence / 60:.1f} min; expected about {expected:.0f} active seconds "
                f"(rate {rate * 60:.2f}/min, from {evidence} active seconds in the hour on either side "
                f"and the same hour on other days), observed 0{caveat}",
            )
        )
    return rows


def _lone_edge_lines(active: pl.DataFrame, found: pl.DataFrame) -> dict[int, tuple[str, object, str]]:
    """Silences whose one side is a single line, the service's first or last (nothing in its evidence
    before or after it to judge it by): index in `found` -> (service, that line's time, "first"/"last").
    A backdated first line, or a future-dated last one, opens exactly such a silence."""
    edges = {
        service: (first, first_count, last, last_count)
        for service, first, first_count, last, last_count in active.group_by("service")
        .agg(
            pl.col("ts").first().alias("first"),
            pl.col("lines").first().alias("first_count"),
            pl.col("ts").last().alias("last"),
            pl.col("lines").last().alias("last_count"),
        )
        .iter_rows()
    }
    lone = {}
    for index, (service, start, end) in enumerate(found.select("service", "start", "end").iter_rows()):
        first, first_count, last, last_count = edges[service]
        if start == first and first_count == 1:
            lone[index] = (service, start, "first")
        elif end == last and last_count == 1:
            lone[index] = (service, end, "last")
    return lone


CROSS_SERVICE_MIN_LINES = 5


def _cross_service(rows: list[dict], events: pl.LazyFrame) -> None:
    """A service silent while another kept logging: the strongest sign of deletion. Raises severity."""
    gaps = [row for row in rows if row["kind"] == "time_gap"]
    meanwhile = lines_between(events, [(row["start"], row["end"]) for row in gaps])
    for row in gaps:
        inside = meanwhile.filter(
            (pl.col("ts") > row["start"])
            & (pl.col("ts") < row["end"])
            & (pl.col("service") != row["service"])
        )
        busy = [
            (n, s) for s, n in inside.group_by("service").len().iter_rows() if n >= CROSS_SERVICE_MIN_LINES
        ]
        if busy:
            listed = ", ".join(f"{s} logged {n} lines" for n, s in sorted(busy, key=lambda b: (-b[0], b[1])))
            row["detail"] += f"; meanwhile {listed}: possible deletion"
            row["severity"] = "high"


def _missing_rotations(reports: list[FileReport]) -> list[dict]:
    rows = []
    for base, files in rotated_sets(reports).items():
        slots = [(rotation_slot(os.path.basename(r.file)), r) for r in files]
        if any(slot and slot[0] == "numbered" for slot, _ in slots):
            # the live file is slot 0 of a numbered set: x.log, then x.log.1, x.log.2.gz …, so a deleted
            # newest rotation (.1 between .2.gz and the live file) is a gap like any other
            slots = [(slot or (("numbered", 0) if _is_live(r.file) else None), r) for slot, r in slots]
        for kind in ("numbered", "daily"):
            present = sorted(
                ((slot[1], r) for slot, r in slots if slot and slot[0] == kind), key=lambda x: x[0]
            )
            for (low, low_report), (high, high_report) in zip(present, present[1:], strict=False):
                missing = list(range(low + 1, high))
                if not missing:
                    continue
                # x.log.N: a higher N is older; x.log-DATE: a later date is newer
                older, newer = (high_report, low_report) if kind == "numbered" else (low_report, high_report)
                names = ", ".join(_slot_name(base, kind, n) for n in missing)
                rows.append(
                    _row(
                        "missing_rotation",
                        "high",
                        older.last_ts,
                        newer.first_ts,
                        older.service,
                        newer.file,
                        1,
                        f"absent from the rotated set: {names}",
                    )
                )
    return rows


def _is_live(file: str) -> bool:
    """Whether `file` is its set's current file: a name with no rotation suffix (rotation_key's newest)."""
    return rotation_key(os.path.basename(file))[1][0] == 1


def _slot_name(base: str, kind: str, value: int) -> str:
    name = os.path.basename(base)
    if kind == "numbered":
        return f"{name}.{value}[.gz]"
    return f"{name}-{datetime.fromordinal(value).strftime('%Y%m%d')}[.gz]"


def _truncated(reports: list[FileReport]) -> list[dict]:
    rows = []
    for files in rotated_sets(reports).values():
        for index, report in enumerate(files):
            if report.status != "truncated":
                continue
            following = next((f.first_ts for f in files[index + 1 :] if f.first_ts is not None), None)
            rows.append(
                _row(
                    "truncated_file",
                    "medium",
                    report.last_ts,
                    following or report.last_ts,
                    report.service,
                    report.file,
                    report.lines,
                    report.reason,
                )
            )
    return rows


def _out_of_order(misplaced: pl.DataFrame) -> list[dict]:
    """Lines whose time jumps far from both neighbours (backdated or future-dated inserts), and the first
    line of a backdated block."""
    rows = []
    for ts, prev, service, file, line, block in misplaced.select(
        "ts", "prev", "service", "file", "line", "block"
    ).iter_rows():
        offset = (ts - prev).total_seconds()
        direction = "older" if offset < 0 else "newer"
        detail = (
            f"a block of lines starts here {abs(offset) / 3600:.1f} h before the line above it: backdated "
            "lines appended (over a deleted stretch?)"
            if block
            else f"timestamp {abs(offset) / 3600:.1f} h {direction} than its neighbours: "
            "inserted or backdated record?"
        )
        rows.append(
            _row(
                "out_of_order",
                "high",
                min(ts, prev),
                max(ts, prev),
                service,
                file,
                line,
                detail,
            )
        )
    return rows


def _overlaps(events: pl.DataFrame, reports: list[FileReport]) -> list[dict]:
    """Lines repeated in two files of one rotated set (copytruncate races): counted twice by a timeline.
    `events`: the repeat candidates of gap_input()."""
    base_of = pl.DataFrame(
        {"file": [r.file for r in reports], "rotation_base": [r.rotation_base for r in reports]},
        schema={"file": events.schema["file"], "rotation_base": pl.Categorical},
    )
    # lines whose text occurs more than once in their rotated set (one u64 key: the hash mixed with the
    # set's number), then, among those few, the ones found in two different files
    set_numbers = {base: n for n, base in enumerate(sorted({r.rotation_base for r in reports}))}
    rank_to_set = {r.rank: set_numbers[r.rotation_base] for r in reports}
    keyed = events.select(
        "file_rank",
        (
            pl.col("raw_hash")
            ^ (
                pl.col("file_rank").replace_strict(rank_to_set, default=0, return_dtype=pl.UInt64)
                * 0x9E3779B97F4A7C15
            )
        ).alias("key"),
    )
    ordered = keyed["key"].sort()  # a sort and a neighbour comparison: ~10x faster than is_duplicated
    repeated_keys = ordered.filter(ordered == ordered.shift(1)).unique()
    if repeated_keys.is_empty():
        return []
    duplicated = keyed["key"].is_in(repeated_keys.implode())
    hashed = (
        events.filter(duplicated)
        .select("file", "file_rank", "line", "ts", "service", pl.col("raw_hash").alias("h"))
        .join(base_of, on="file")
    )
    candidates = hashed.filter(pl.struct("rotation_base", "h").is_duplicated())
    repeated = candidates.filter(pl.col("file").n_unique().over("rotation_base", "h") > 1)
    rows = []
    if repeated.is_empty():
        return rows
    per_file = (
        repeated.group_by("rotation_base", "file")
        .agg(
            pl.len().alias("count"),
            pl.col("ts").min().alias("start"),
            pl.col("ts").max().alias("end"),
            pl.col("line").min().alias("line"),
            pl.col("service").first(),
            pl.col("file_rank").first(),
        )
        .sort("file_rank")
    )
    for _, count, start, end, line, service, file in per_file.select(
        "rotation_base", "count", "start", "end", "line", "service", "file"
    ).iter_rows():
        rows.append(
            _row(
                "overlap",
                "low",
                start,
                end,
                service,
                file,
                line,
                f"{count} lines also appear in another file of the rotated set (copytruncate?)",
            )
        )
    return rows


def _retention(data: GapInput, retention_s: float) -> list[dict]:
    if data.active.is_empty():
        return []
    earliest, latest = data.active["ts"].min(), data.active["last_ts"].max()
    required = latest - timedelta(seconds=retention_s)
    if earliest <= required:
        return []
    service = data.active.filter(pl.col("ts") == earliest).sort("service")["service"][0]
    first = first_lines(data.events, [(service, earliest)]).get((service, earliest), {})
    days = retention_s / 86400
    return [
        _row(
            "retention",
            "medium",
            required,
            earliest,
            service,
            first.get("file"),
            first.get("line"),
            f"logs reach back to {earliest:%Y-%m-%d}; {days:.0f} days of retention need {required:%Y-%m-%d}",
        )
    ]


def _explained(row: dict, spans: list[dict]) -> bool:
    return any(
        s["service"] == row["service"]
        and s["start"] is not None
        and s["end"] is not None
        and s["start"] <= row["start"]
        and row["end"] <= s["end"]
        for s in spans
    )


def find_gaps(
    data: GapInput | pl.DataFrame | pl.LazyFrame, reports: list[FileReport], options: GapOptions | None = None
) -> pl.DataFrame:
    """All coverage and integrity problems, most severe first, then by time. `data`: the events, or what
    gap_input() collected of them."""
    options = options or GapOptions()
    if not isinstance(data, GapInput):
        data = gap_input(data, reports, options.max_skew_s)
    damage = _missing_rotations(reports) + _truncated(reports)
    silences = [r for r in _silences(data, options) if not _explained(r, damage)]
    _cross_service(silences, data.events)
    rows = damage + silences + _out_of_order(data.misplaced) + _overlaps(data.repeat_candidates, reports)
    rows += _stopped_early(data, options)
    if options.retention_s:
        rows += _retention(data, options.retention_s)
    return gap_rows(rows)


def gap_rows(rows: list[dict]) -> pl.DataFrame:
    """Rows of gaps' columns as a frame, most severe first, then by time, service, file and line."""
    types = [pl.String, pl.String, TS_DTYPE, TS_DTYPE, pl.Float64, pl.String, pl.String, pl.Int64, pl.String]
    frame = pl.DataFrame(rows, schema=dict(zip(GAP_COLUMNS, types, strict=True)))
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int8)
    return frame.sort([order, "start", "service", "file", "line"], nulls_last=True)


STOP_RATE_FACTOR = 10  # the stop must last this many of the service's mean intervals between lines


def _stopped_early(data: GapInput, options: GapOptions) -> list[dict]:
    """A service whose logging stops long before the others' (killed, its logs deleted from then on):
    no silence inside its own range shows it. Reported when the stop is longer than `context_s` (an
    hour) and than STOP_RATE_FACTOR of its own mean intervals, over at least `min_evidence` active
    seconds."""
    if data.active.is_empty() or data.active["service"].n_unique() < 2:
        return []
    per_service = data.active.group_by("service").agg(
        pl.col("ts").min().alias("first"),
        pl.col("last_ts").max().alias("last"),
        pl.col("lines").sum(),
        pl.len().alias("seconds"),
    )
    end = per_service["last"].max()
    rows, moments = [], []
    for service, first, last, lines, seconds in per_service.sort("service").iter_rows():
        stop = (end - last).total_seconds()
        mean_interval = (last - first).total_seconds() / max(lines - 1, 1)
        if seconds >= options.min_evidence and stop > max(
            options.context_s, STOP_RATE_FACTOR * mean_interval
        ):
            rows.append((service, last, stop, mean_interval))
            moments.append((service, last))
    found = first_lines(data.events, moments)
    return [
        _row(
            "stopped_early",
            "medium",
            last,
            end,
            service,
            found.get((service, last), {}).get("file"),
            found.get((service, last), {}).get("line"),
            f"last line {stop / 3600:.1f} h before the other services' last (one line every "
            f"{mean_interval:.0f} s before): stopped, or its newest logs are missing",
        )
        for service, last, stop, mean_interval in rows
    ]


def parse_retention(text: str) -> float:
    """'1y', '90d', or a preset: PCI, SOC2 (1 year), HIPAA (6 years)."""
    from forensics_cli.durations import parse_duration

    return RETENTION_PRESETS.get(text.upper()) or parse_duration(text)


def coverage(
    active: pl.DataFrame, width: int = 60
) -> tuple[datetime | None, datetime | None, dict[str, list[int]]]:
    """Lines per service in `width` equal slices of the whole time range (for the coverage strip);
    `active` is GapInput.active (a second's lines count in the slice of its first line)."""
    if active.is_empty():
        return None, None, {}
    # the range of the seconds' first lines, so that the last second lands in the last slice
    low, high = active["ts"].min(), active["ts"].max()
    span = max((high - low).total_seconds(), 1.0)
    counted = (
        active.with_columns(
            ((pl.col("ts") - low).dt.total_seconds(fractional=True) / span * (width - 1))
            .floor()
            .cast(pl.Int64)
            .alias("slot")
        )
        .group_by("service", "slot")
        .agg(pl.col("lines").sum())
    )
    strips: dict[str, list[int]] = {}
    for service, slot, count in counted.sort("service", "slot").iter_rows():
        strips.setdefault(service, [0] * width)[slot] = count
    return low, high, strips


def problem_slots(rows: pl.DataFrame, service: str, low: datetime, high: datetime, width: int) -> list[bool]:
    """Which of a coverage strip's `width` slices (coverage(): the range low..high) hold a reported
    problem of `service` (a row of gaps with a start and an end)."""
    span = max((high - low).total_seconds(), 1.0)
    bad = [False] * width
    for start, end in rows.filter(pl.col("service") == service).select("start", "end").iter_rows():
        if start is None or end is None:
            continue
        first = int((start - low).total_seconds() / span * (width - 1))
        last = int((end - low).total_seconds() / span * (width - 1))
        for slot in range(max(first, 0), min(last, width - 1) + 1):
            bad[slot] = True
    return bad
