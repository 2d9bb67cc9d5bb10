"""The log files of a CloudTrail trail against its digests: every listed file present with the SHA-256
its digest recorded, every delivered file listed."""

from datetime import datetime

from forensics_cli.integrity.cloudtrail_digest import (
    LOG_NAME,
    Digest,
    base,
    parse_time,
    region_of,
    stamp_time,
)
from forensics_cli.integrity.content import read_content
from forensics_cli.integrity.findings import Finding, Kind, Severity


def check_logs(digests: list[Digest], logs: dict[str, list[str]]) -> list[Finding]:
    """Every listed log file present with the hash its digest recorded; every delivered one listed."""
    findings = []
    listed: set[str] = set()
    windows: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for digest in digests:
        account = digest.text_field("awsAccountId")
        region = region_of(digest)
        if digest.start and digest.end and not digest.backfill:
            low, high = windows.get((account, region), (digest.start, digest.end))
            windows[(account, region)] = (min(low, digest.start), max(high, digest.end))
        for entry in digest.log_entries():
            name = base(entry["s3Object"])
            listed.add(name)
            span = (parse_time(entry.get("oldestEventTime")), parse_time(entry.get("newestEventTime")))
            copies = logs.get(name)
            if not copies:
                findings.append(
                    Finding(
                        Kind.MISSING_LOG,
                        Severity.HIGH,
                        digest.file,
                        1,
                        "listed in this digest, not among PATHS: deleted or not copied",
                        *span,
                        subject=entry["s3Object"],
                    )
                )
                continue
            expected = entry["hashValue"].lower()
            for path in copies:
                content = read_content(path)
                if content.text_sha256 != expected or content.problem:
                    why = f"; {content.problem}" if content.problem else ""
                    findings.append(
                        Finding(
                            Kind.HASH_MISMATCH,
                            Severity.CRITICAL,
                            path,
                            None,
                            f"decompressed SHA-256 {content.text_sha256[:16]}… is not the "
                            f"{expected[:16] or '(none)'}… the digest recorded{why}",
                            *span,
                            subject=digest.key,
                        )
                    )
    for name, paths in sorted(logs.items()):
        if name in listed or not digests:
            continue
        severity, why, delivered = _unlisted(name, windows)
        findings += [
            Finding(Kind.UNLISTED_LOG, severity, path, None, why, delivered, delivered) for path in paths
        ]
    return findings


def _unlisted(name: str, windows: dict) -> tuple[Severity, str, datetime | None]:
    """How suspicious a log file no digest lists is: (severity, why, the delivery time in its name)."""
    match = LOG_NAME.match(name)
    if not match:  # a CloudTrail Records file under a name CloudTrail does not deliver
        return (
            Severity.MEDIUM,
            "no digest lists this CloudTrail file, and it is not named as CloudTrail delivers it: renamed "
            "or made",
            None,
        )
    delivered = stamp_time(match["stamp"])
    if delivered is None:
        return Severity.MEDIUM, "no digest lists this log file, and the time in its name is no time", None
    window = windows.get((match["account"], match["region"]))
    if window and window[0] <= delivered <= window[1]:
        why = (
            "no digest lists this log file, though digests cover its time: its digest is missing, or it was "
            "added or renamed"
        )
        return Severity.MEDIUM, why, delivered
    return (
        Severity.LOW,
        "no digest lists this log file (delivered outside the time the digests cover)",
        delivered,
    )
