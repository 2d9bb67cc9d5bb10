"""--write-sanitized: a copy of the logs with only the secret values replaced, same layout and compression."""

import bz2
import gzip
import lzma
from pathlib import Path

import orjson
import polars as pl

from forensics_cli.decompress import DecompressedStream
from forensics_cli.guard import EvidenceGuard, write_new
from forensics_cli.secrets.redact import mask_in
from forensics_cli.secrets.scan import candidate_filter_on, scan_line

_WRITERS = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open, "none": open}


def _target(out_dir: Path, source: str) -> Path:
    """The copy's path: the source path as given, made relative, under out_dir."""
    parts = [p for p in Path(source).parts if p not in ("/", "..", ".") and not p.endswith(":\\")]
    return out_dir.joinpath(*parts)


def _replace_in_json(raw: str, secrets: dict[str, str]) -> str:
    """Fallback when a secret is not written verbatim in the line: re-serialize the record."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            for secret, label in secrets.items():
                value = value.replace(secret, label)
        return value

    try:
        return orjson.dumps(clean(orjson.loads(raw))).decode()
    except orjson.JSONDecodeError:
        return raw


def sanitize_line(raw: str, hits: list[tuple[str, str, list[str]]]) -> str:
    """Replace each (rule, fingerprint, needles) secret in the line by [REDACTED:rule:fp8]."""
    missing: dict[str, str] = {}
    for rule, fp, needles in hits:
        label = f"[REDACTED:{rule}:{fp[:8]}]"
        present = [n for n in sorted(needles, key=len, reverse=True) if n and n in raw]
        for needle in present:
            raw = raw.replace(needle, label)
        if not present:
            missing[needles[0]] = label
    if missing:
        raw = _replace_in_json(raw, missing)
    return raw


def write_sanitized(
    findings: pl.DataFrame, files: list[tuple[str, str]], out_dir: str, guard: EvidenceGuard
) -> list[str]:
    """Copy every (path, compression) log file to out_dir with the found secrets replaced; returns the copies.

    Inputs are only read; the copy keeps each file's compression. out_dir must not be inside, above or
    linked into the evidence (guard), and every copy is a new file renamed into place.
    """
    root = Path(guard.check_directory(out_dir))
    by_line: dict[tuple[str, int], list] = {}
    for file, line, rule, fp, needles in findings.select(
        "file", "line", "rule", "fingerprint", "needles"
    ).iter_rows():
        by_line.setdefault((file, line), []).append((rule, fp, needles))
    written = []
    for path, compression in files:
        target = _target(root, path)
        guard.check_entry(target.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        guard.check_entry(target)
        write_new(
            target,
            lambda temporary, path=path, compression=compression: _copy(
                path, compression, temporary, by_line
            ),
        )
        written.append(str(target))
    return written


def _copy(path: str, compression: str, temporary: str, by_line: dict) -> None:
    opener = _WRITERS.get(compression, open)
    with opener(temporary, "wb") as out:
        pending, number = b"", 0
        for block in DecompressedStream(path, compression):
            pending += block
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                number += 1
                out.write(_clean(raw, path, number, by_line) + b"\n")
        if pending:
            number += 1
            out.write(_clean(pending, path, number, by_line))


def _clean(raw: bytes, path: str, number: int, by_line: dict) -> bytes:
    hits = by_line.get((path, number))
    if not hits:
        return raw
    return sanitize_line(raw.decode("utf-8", errors="replace"), hits).encode()


def redact_column(frame: pl.DataFrame, column: str = "raw") -> pl.DataFrame:
    """Mask the secrets in a text column (rows the scan prefilter passes over are left as they are)."""
    return redact_row_columns(frame, [column], raw=column)


def redact_row_columns(frame: pl.DataFrame, columns: list[str], raw: str = "raw") -> pl.DataFrame:
    """Mask, in every text column given (`raw` included or not), the secrets found in the row's raw
    line (a token that is also the user, or sits in the path or the event name) and any a column holds
    on its own. Only the cells the scan prefilter passes are scanned, each once."""
    if frame.is_empty():
        return frame
    columns = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    scanned = list(dict.fromkeys([raw, *columns]))
    suspects = frame.select(candidate_filter_on(c).fill_null(False).alias(c) for c in scanned)
    rows = suspects.select(pl.any_horizontal(scanned)).to_series()
    if not rows.any():
        return frame
    values = {c: frame[c].to_list() for c in scanned}
    suspect = {c: suspects[c].to_list() for c in scanned}
    for index in rows.arg_true().to_list():
        found = {c: scan_line(values[c][index]) if suspect[c][index] else [] for c in scanned}
        for column in columns:
            value = values[column][index]
            hits = found[raw] + (found[column] if column != raw else [])
            if value and hits:
                values[column][index] = mask_in(value, hits)
    return frame.with_columns(pl.Series(c, values[c], dtype=pl.String) for c in columns)
