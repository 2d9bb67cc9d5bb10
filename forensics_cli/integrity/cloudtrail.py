"""Offline validation of a downloaded CloudTrail trail: its digest files, their chain and signatures, and
the log files they list. AWS's `aws cloudtrail validate-logs` does this only online, against S3.

Read as AWS documents it ("CloudTrail digest file structure"): every hour a digest lists the log files
delivered (S3 key, SHA-256 of the decompressed file) and links to the previous digest (its key, the
SHA-256 of its decompressed bytes, its signature). The signature of digest N is `previousDigestSignature`
in digest N+1; the newest one's is only in S3 object metadata (`--signature`). What this proves and
does not prove: docs/verify.md.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median

from forensics_cli.discover import is_cloudtrail_digest
from forensics_cli.integrity.cloudtrail_digest import (
    DIGEST_NAME,
    Digest,
    base,
    is_cloudtrail_log,
    read_digest,
    stamp_time,
)
from forensics_cli.integrity.cloudtrail_keys import PublicKey, SignatureCheck, check_signature, string_to_sign
from forensics_cli.integrity.cloudtrail_logs import check_logs
from forensics_cli.integrity.findings import Finding, Kind, Severity

COVERAGE_SLACK = timedelta(seconds=1)  # consecutive digests share the boundary second


@dataclass
class TrailFiles:
    """What verify found of CloudTrail among PATHS."""

    digests: list[Digest] = field(default_factory=list)
    logs: dict[str, list[str]] = field(default_factory=dict)  # base name -> paths (a log copied twice)
    unreadable: list[Finding] = field(default_factory=list)  # digests that could not be read or parsed

    def covers(self) -> set[str]:
        """Every path this check speaks for: the digests (read or not) and the log files."""
        digests = {d.file for d in self.digests} | {f.file for f in self.unreadable}
        return digests | {p for paths in self.logs.values() for p in paths}


def collect(files: list[tuple[str, bytes]]) -> TrailFiles:
    """The digests (read whole) and CloudTrail log files among (path, first bytes) pairs."""
    found = TrailFiles()
    for path, head in files:
        if is_cloudtrail_digest(head):
            digest = read_digest(path)
            if isinstance(digest, Digest):
                found.digests.append(digest)
            else:
                found.unreadable.append(digest)
        elif is_cloudtrail_log(path, head):
            found.logs.setdefault(base(path), []).append(path)
    return found


@dataclass
class TrailOptions:
    keys: dict[str, PublicKey] | None = None  # --public-keys; None: signatures are not checked
    signatures: dict[str, str] = field(default_factory=dict)  # digest base name (or "" for the newest) -> hex


def check(found: TrailFiles, options: TrailOptions) -> tuple[list[Finding], list[str]]:
    """(findings, notes) for every trail among the digests, and for the log files they list."""
    findings = list(found.unreadable)
    notes: list[str] = []
    by_trail: dict[str, list[Digest]] = defaultdict(list)
    for digest in found.digests:
        by_trail[digest.trail].append(digest)
    for trail in sorted(by_trail):
        trail_findings, trail_notes = _check_trail(sorted(by_trail[trail], key=_order), options)
        findings += trail_findings
        notes += trail_notes
    findings += check_logs(found.digests, found.logs)
    if found.logs and not found.digests:
        count = sum(len(paths) for paths in found.logs.values())
        first = min(p for paths in found.logs.values() for p in paths)
        findings.append(
            Finding(
                Kind.UNVERIFIABLE,
                Severity.MEDIUM,
                first,
                None,
                f"{count} CloudTrail log files and no digest file among PATHS: copy the trail's "
                "CloudTrail-Digest/ folder too (log file validation must be on)",
            )
        )
    return findings, notes


_NEVER = datetime.max.replace(tzinfo=UTC)


def _order(digest: Digest):
    return (digest.end or _NEVER, digest.backfill, digest.file)


def _check_trail(digests: list[Digest], options: TrailOptions) -> tuple[list[Finding], list[str]]:
    """Links, coverage and signatures of one trail's digests (oldest first)."""
    findings: list[Finding] = []
    notes: list[str] = []
    by_base = {base(d.key): d for d in digests}
    chained = [d for d in digests if not d.backfill]
    oldest_start = min((d.start for d in chained if d.start), default=None)
    signature_of: dict[str, str] = {}  # digest base -> the signature its successor recorded
    for digest in digests:
        where = digest.file
        if digest.key and base(digest.key) != base(where):
            findings.append(
                Finding(
                    Kind.CHAIN_BREAK,
                    Severity.HIGH,
                    where,
                    1,
                    f"the digest names itself {digest.key}: it was renamed or moved",
                    digest.start,
                    digest.end,
                )
            )
        previous = digest.previous_key
        if not previous:
            continue
        before = by_base.get(base(previous))
        if before is None:
            stamp = DIGEST_NAME.match(base(previous))
            previous_end = stamp_time(stamp["stamp"]) if stamp else None
            if oldest_start and previous_end and previous_end <= oldest_start:
                notes.append(
                    f"trail {digest.trail}: checked from {base(digest.key)} on; "
                    f"its previous digest {base(previous)} is not among PATHS (a chain proves nothing before "
                    "its first digest)"
                )
            else:
                findings.append(
                    Finding(
                        Kind.CHAIN_BREAK,
                        Severity.HIGH,
                        where,
                        1,
                        "links to a previous digest that is not among PATHS: deleted or not copied",
                        previous_end,
                        digest.start,
                        subject=previous,
                    )
                )
            continue
        recorded = digest.text_field("previousDigestHashValue").lower()
        if recorded != before.sha256:
            findings.append(
                Finding(
                    Kind.CHAIN_BREAK,
                    Severity.CRITICAL,
                    before.file,
                    1,
                    f"its bytes hash to {before.sha256[:16]}…, but the next digest ({base(digest.key)}) "
                    f"recorded {recorded[:16] or 'nothing'}…: the digest was altered",
                    before.start,
                    before.end,
                    subject=base(digest.key),
                )
            )
        signature = digest.text_field("previousDigestSignature")
        if signature:
            signature_of[base(previous)] = signature
    findings += _coverage(chained)
    findings += _signatures(digests, chained, signature_of, options)
    return findings, notes


def _coverage(chained: list[Digest]) -> list[Finding]:
    """Time no digest covers between consecutive digests of the trail. Two or more digests deleted in a
    row are one gap here, however many: aws-cli#7054's blind spot."""
    timed = [d for d in chained if d.start and d.end]
    spans = [(d.end - d.start) for d in timed if d.end > d.start]
    cadence = median(spans) if spans else timedelta(hours=1)
    findings = []
    for before, after in zip(timed, timed[1:], strict=False):
        if after.start <= before.end + COVERAGE_SLACK:
            continue
        hole = after.start - before.end
        missing = max(1, round(hole / cadence))
        if after.previous_key:
            severity, why = (
                Severity.HIGH,
                f"about {missing} digest(s) of the trail's {_label(cadence)} cadence are missing before this "
                "one, and it links back past them",
            )
        else:
            severity, why = (
                Severity.MEDIUM,
                "the chain starts again here (no previous digest): logging or log file validation was off, "
                "or the trail was recreated",
            )
        findings.append(
            Finding(
                Kind.DIGEST_GAP,
                severity,
                after.file,
                1,
                f"no digest covers {_label(hole)}: {why}",
                before.end,
                after.start,
            )
        )
    return findings


def _label(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _signatures(
    digests: list[Digest],
    chained: list[Digest],
    signature_of: dict[str, str],
    options: TrailOptions,
) -> list[Finding]:
    """Each digest's signature checked with its public key; the ones nothing can check are said so."""
    newest = base(chained[-1].key) if chained else None
    given = {name: sig for name, sig in options.signatures.items() if name}
    if newest and "" in options.signatures:
        given.setdefault(newest, options.signatures[""])
    if options.keys is None:
        first = digests[0]
        return [
            Finding(
                Kind.UNVERIFIABLE,
                Severity.MEDIUM,
                first.file,
                None,
                f"{len(digests)} digests of trail {first.trail}: signatures not checked (give --public-keys, "
                "the saved output of `aws cloudtrail list-public-keys`)",
                first.start,
                digests[-1].end,
            )
        ]
    findings = []
    for digest in digests:
        name = base(digest.key)
        signature = signature_of.get(name) or given.get(name)
        if name in signature_of and name in given and given[name].lower() != signature_of[name].lower():
            findings.append(
                _signature_finding(
                    digest,
                    Kind.BAD_SIGNATURE,
                    "the --signature given differs from the one the next digest recorded",
                )
            )
        if not signature:
            if name == newest:
                why = (
                    "its signature is kept only in S3 object metadata (x-amz-meta-signature): give it "
                    "with --signature"
                )
            elif digest.backfill:
                why = "a backfill digest: give its signature (x-amz-meta-signature) with --signature NAME=HEX"
            else:
                why = "no digest among PATHS links to it, so no signature of it is known"
            findings.append(_signature_finding(digest, Kind.UNVERIFIABLE, why, Severity.LOW))
            continue
        fingerprint = digest.text_field("digestPublicKeyFingerprint").lower()
        signed = string_to_sign(
            digest.data["digestEndTime"],
            digest.data["digestS3Bucket"],
            digest.key,
            digest.sha256,
            digest.text_field("previousDigestSignature"),
        )
        result = check_signature(
            signature,
            signed,
            digest.text_field("digestSignatureAlgorithm"),
            options.keys.get(fingerprint),
            digest.end,
        )
        if result is not SignatureCheck.VALID:
            findings.append(_signature_result(digest, result, fingerprint))
    return findings


def _signature_result(digest: Digest, result: SignatureCheck, fingerprint: str) -> Finding:
    if result is SignatureCheck.NO_KEY:
        return _signature_finding(
            digest,
            Kind.UNVERIFIABLE,
            f"no key with fingerprint {fingerprint} in --public-keys",
            Severity.MEDIUM,
        )
    if result is SignatureCheck.BAD_ALGORITHM:
        algorithm = digest.text_field("digestSignatureAlgorithm")
        return _signature_finding(
            digest,
            Kind.UNVERIFIABLE,
            f"signature algorithm {algorithm!r} is not SHA256withRSA",
            Severity.MEDIUM,
        )
    why = {
        SignatureCheck.INVALID: f"the signature does not verify with key {fingerprint}: the digest or its "
        "signature was altered",
        SignatureCheck.KEY_EXPIRED: f"signed with key {fingerprint} outside the key's validity period",
        SignatureCheck.BAD_HEX: "the signature is not hexadecimal",
    }[result]
    return _signature_finding(digest, Kind.BAD_SIGNATURE, why)


def _signature_finding(
    digest: Digest, kind: Kind, why: str, severity: Severity = Severity.CRITICAL
) -> Finding:
    return Finding(kind, severity, digest.file, 1, why, digest.start, digest.end)
