"""Offline validation of a downloaded CloudTrail trail: its digest files, their chain and signatures, and
the log files they list. AWS's `aws cloudtrail validate-logs` does this only online, against S3.

Read as AWS documents it ("CloudTrail digest file structure"): every hour a digest lists the log files
delivered (S3 key, SHA-256 of the decompressed file) and links to the previous digest (its key, the
SHA-256 of its decompressed bytes, its signature). The signature of digest N is `previousDigestSignature`
in digest N+1; the newest one's is only in S3 object metadata (`--signature`). What this proves and
does not prove: docs/verify.md.
"""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median

from forensics_cli.discover import is_cloudtrail_digest
from forensics_cli.integrity.cloudtrail_keys import PublicKey, SignatureCheck, check_signature, string_to_sign
from forensics_cli.integrity.content import read_content, read_text
from forensics_cli.integrity.findings import Finding, Kind, Severity

# {account}_CloudTrail-Digest_{region}_{trail}_{home region}_{end: YYYYMMDDTHHMMSSZ}[_backfill].json.gz
DIGEST_NAME = re.compile(
    r"^(?P<trail>.+_CloudTrail-Digest_.+)_(?P<stamp>\d{8}T\d{6}Z)(?P<backfill>_backfill)?\.json(?:\.gz)?$"
)
# {account}_CloudTrail_{region}_{YYYYMMDDTHHMMZ}_{unique}.json.gz, as CloudTrail delivers a log file
LOG_NAME = re.compile(
    r"^(?P<account>\d{12})_CloudTrail_(?P<region>[a-z0-9-]+)_(?P<stamp>\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json(?:\.gz)?$"
)
REQUIRED = ("digestS3Bucket", "digestS3Object", "digestStartTime", "digestEndTime", "logFiles")
COVERAGE_SLACK = timedelta(seconds=1)  # consecutive digests share the boundary second


def base(name: str) -> str:
    """The file name of a path or S3 key, without `.gz`: how a copy is matched to what a digest lists."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    return last[:-3] if last.endswith(".gz") else last


def _time(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@dataclass(frozen=True)
class Digest:
    """One digest file as found among PATHS."""

    file: str
    text: bytes  # decompressed: what the hashes and the signature cover
    data: dict

    @property
    def key(self) -> str:
        return self.data["digestS3Object"]

    @property
    def start(self) -> datetime | None:
        return _time(self.data.get("digestStartTime"))

    @property
    def end(self) -> datetime | None:
        return _time(self.data.get("digestEndTime"))

    @property
    def backfill(self) -> bool:
        match = DIGEST_NAME.match(base(self.key))
        return bool(match and match["backfill"])

    @property
    def trail(self) -> str:
        """What all digests of one trail (account, region, trail name) share in their names."""
        match = DIGEST_NAME.match(base(self.key))
        return match["trail"] if match else base(self.key)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    @property
    def previous_key(self) -> str | None:
        return self.data.get("previousDigestS3Object") or None

    def log_entries(self) -> list[dict]:
        return [e for e in self.data.get("logFiles") or [] if isinstance(e, dict) and e.get("s3Object")]


@dataclass
class TrailFiles:
    """What verify found of CloudTrail among PATHS."""

    digests: list[Digest] = field(default_factory=list)
    logs: dict[str, list[str]] = field(default_factory=dict)  # base name -> paths (a log copied twice)
    unreadable: list[Finding] = field(default_factory=list)  # digests that could not be read or parsed

    def covers(self) -> set[str]:
        """Every path this check speaks for: the digests and the log files."""
        return {d.file for d in self.digests} | {p for paths in self.logs.values() for p in paths}


def is_cloudtrail_log(path: str, head: bytes) -> bool:
    """A CloudTrail log file: named as CloudTrail delivers one, or a `{"Records": [...]}` document."""
    return bool(LOG_NAME.match(base(path))) or head.lstrip().startswith(b'{"Records"')


def read_digest(path: str) -> Digest | Finding:
    """A digest file read whole, or why it cannot be used (a finding: the chain breaks there)."""
    text, problem = read_text(path)
    data = None
    if not problem:
        try:
            data = json.loads(text)
        except ValueError as exc:
            problem = f"not JSON ({exc})"
    if isinstance(data, dict) and all(k in data for k in REQUIRED):
        return Digest(path, text, data)
    lacking = ", ".join(k for k in REQUIRED if not isinstance(data, dict) or k not in data)
    why = problem or f"lacks {lacking}"
    return Finding(Kind.CHAIN_BREAK, Severity.HIGH, path, 1, f"digest file cannot be read: {why}")


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


def listed_logs(digests: list[Digest]) -> set[str]:
    """The base names of every log file the digests list: the log files a signature speaks for."""
    return {base(entry["s3Object"]) for digest in digests for entry in digest.log_entries()}


def trail_of(digest: Digest) -> tuple[str, str]:
    """(account, region) of a digest."""
    return str(digest.data.get("awsAccountId") or ""), _region_of(digest)


def log_trail(path: str) -> tuple[str, str] | None:
    """(account, region) of a CloudTrail log file, from the name CloudTrail delivered it under."""
    match = LOG_NAME.match(base(path))
    return (match["account"], match["region"]) if match else None


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
    findings += _check_logs(found)
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
    named: set[str] = set()
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
        named.add(base(previous))
        before = by_base.get(base(previous))
        if before is None:
            stamp = DIGEST_NAME.match(base(previous))
            previous_end = _stamp_time(stamp["stamp"]) if stamp else None
            if oldest_start and previous_end and previous_end <= oldest_start:
                notes.append(
                    f"trail {digests[0].trail}: checked from {base(_first(chained, digest).key)} on; "
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
                        f"links to the previous digest {previous}, not among PATHS: deleted or not copied",
                        previous_end,
                        digest.start,
                        subject=previous,
                    )
                )
            continue
        recorded = str(digest.data.get("previousDigestHashValue") or "").lower()
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
        signature = digest.data.get("previousDigestSignature")
        if isinstance(signature, str) and signature:
            signature_of[base(previous)] = signature
    findings += _coverage(chained)
    findings += _signatures(digests, chained, signature_of, named, options)
    return findings, notes


def _first(chained: list[Digest], fallback: Digest) -> Digest:
    return chained[0] if chained else fallback


def _stamp_time(stamp: str) -> datetime | None:
    """The end time a digest's name carries (YYYYMMDDTHHMMSSZ)."""
    try:
        return _utc(datetime.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


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
    named: set[str],
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
        fingerprint = str(digest.data.get("digestPublicKeyFingerprint") or "").lower()
        signed = string_to_sign(
            str(digest.data["digestEndTime"]),
            str(digest.data["digestS3Bucket"]),
            digest.key,
            digest.text,
            digest.data.get("previousDigestSignature"),
        )
        result = check_signature(
            signature,
            signed,
            str(digest.data.get("digestSignatureAlgorithm")),
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
        algorithm = digest.data.get("digestSignatureAlgorithm")
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


def _check_logs(found: TrailFiles) -> list[Finding]:
    """Every listed log file present with the hash its digest recorded; every delivered one listed."""
    findings = []
    listed: set[str] = set()
    windows: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for digest in found.digests:
        account = str(digest.data.get("awsAccountId") or "")
        region = _region_of(digest)
        if digest.start and digest.end and not digest.backfill:
            low, high = windows.get((account, region), (digest.start, digest.end))
            windows[(account, region)] = (min(low, digest.start), max(high, digest.end))
        for entry in digest.log_entries():
            name = base(entry["s3Object"])
            listed.add(name)
            span = (_time(entry.get("oldestEventTime")), _time(entry.get("newestEventTime")))
            copies = found.logs.get(name)
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
            expected = str(entry.get("hashValue") or "").lower()
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
                            f"{expected[:16] or '(none)'}… that {base(digest.key)} recorded{why}",
                            *span,
                            subject=entry["s3Object"],
                        )
                    )
    for name, paths in sorted(found.logs.items()):
        match = LOG_NAME.match(name)
        if name in listed or not match or not found.digests:
            continue
        delivered = _utc(datetime.strptime(match["stamp"], "%Y%m%dT%H%MZ"))
        window = windows.get((match["account"], match["region"]))
        inside = window and window[0] <= delivered <= window[1]
        for path in paths:
            findings.append(
                Finding(
                    Kind.UNLISTED_LOG,
                    Severity.MEDIUM if inside else Severity.LOW,
                    path,
                    None,
                    "no digest lists this log file, though digests cover its delivery time: added, or renamed"
                    if inside
                    else "no digest lists this log file (delivered outside the time the digests cover)",
                    delivered,
                    delivered,
                )
            )
    return findings


def _region_of(digest: Digest) -> str:
    match = re.search(r"/CloudTrail-Digest/([a-z0-9-]+)/", digest.key)
    return match[1] if match else ""
