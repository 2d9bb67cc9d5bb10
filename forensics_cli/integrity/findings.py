"""What `verify` reports: one typed finding per integrity problem, as rows with file and line."""

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

import polars as pl

from forensics_cli.schema import TS_DTYPE


class Kind(StrEnum):
    """What is wrong. The first seven are CloudTrail's, the line kinds hash chains', the file kinds a
    manifest's (docs/verify.md says what each proves)."""

    MISSING_LOG = "missing_log"  # a digest lists a log file that is not among PATHS
    HASH_MISMATCH = "hash_mismatch"  # a file's bytes differ from the hash recorded for them
    UNLISTED_LOG = "unlisted_log"  # a CloudTrail log file that no digest lists
    CHAIN_BREAK = "chain_break"  # a digest's link to the previous one leads nowhere or to other bytes
    DIGEST_GAP = "digest_gap"  # time no digest covers between two digests of a trail
    BAD_SIGNATURE = "bad_signature"  # the signature does not verify with the named public key
    UNVERIFIABLE = "unverifiable"  # nothing to check the signature with (no key, no signature)
    LINE_ALTERED = "line_altered"  # a line's content no longer gives the hash written in it
    LINE_REMOVED = "line_removed"  # a line's link names a line that is not there: lines were removed
    LINE_INSERTED = "line_inserted"  # a line the chain does not hold: the links pass over it
    FILE_CHANGED = "file_changed"  # a manifest input whose bytes changed
    FILE_VANISHED = "file_vanished"  # a manifest input that is gone
    FILE_APPEARED = "file_appeared"  # a file under the manifest's PATHS it did not list


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(Severity)}


@dataclass(frozen=True)
class Finding:
    """One integrity problem. `file`/`line`: the evidence that shows it (the digest that lists a missing
    log, the line whose link breaks); `subject`: what it is about when that is not the file itself
    (the missing log's S3 key, the digest that was removed)."""

    kind: Kind
    severity: Severity
    file: str
    line: int | None
    detail: str
    start: datetime | None = None
    end: datetime | None = None
    subject: str = ""


VERIFY_COLUMNS = ["kind", "severity", "start", "end", "file", "line", "subject", "detail"]
_TYPES = [pl.String, pl.String, TS_DTYPE, TS_DTYPE, pl.String, pl.Int64, pl.String, pl.String]


def findings_frame(findings: list[Finding]) -> pl.DataFrame:
    """The findings as rows, most severe first, then by time, file and line (deterministic)."""
    rows = [{**asdict(f), "kind": f.kind.value, "severity": f.severity.value} for f in findings]
    frame = pl.DataFrame(rows, schema=dict(zip(VERIFY_COLUMNS, _TYPES, strict=True)))
    order = pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8)
    return frame.sort([order, "start", "file", "line", "kind", "subject"], nulls_last=True)
