"""A small CloudTrail trail for tests: hourly digests signed with a test RSA key, as AWS documents them.

Written from AWS's "CloudTrail digest file structure" and "Custom implementations of CloudTrail log
file integrity validation", independently of forensics_cli/integrity (a mistake there must not be
repeated here): the signed string is `end time \\n bucket/key \\n sha256(digest) \\n previous signature`.
"""

import base64
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACCOUNT = "111122223333"
REGION = "us-east-1"
BUCKET = "trail-bucket"
TRAIL = "management-events"
START = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)

_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def private_key(name: str = "aws") -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole test session (generating one costs ~50 ms)."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


def public_der(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    return hashlib.md5(public_der(key)).hexdigest()


def write_key_file(path: Path, key: rsa.RSAPrivateKey, as_fingerprint: str | None = None) -> Path:
    """The JSON `aws cloudtrail list-public-keys` prints, for one key (named by `as_fingerprint`)."""
    entry = {
        "Value": base64.b64encode(public_der(key)).decode(),
        "ValidityStartTime": "2026-01-01T00:00:00+00:00",
        "ValidityEndTime": "2027-01-01T00:00:00+00:00",
        "Fingerprint": as_fingerprint or fingerprint(key),
    }
    path.write_text(json.dumps({"PublicKeyList": [entry]}))
    return path


def _stamp(moment: datetime, seconds: bool = True) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ" if seconds else "%Y%m%dT%H%MZ")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@dataclass
class Trail:
    root: Path
    digests: list[Path] = field(default_factory=list)  # oldest first (the backfill digest last)
    logs: list[Path] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)  # each digest's signature, as S3 metadata holds it


def _record(moment: datetime, n: int) -> dict:
    return {
        "eventVersion": "1.08",
        "eventTime": _iso(moment),
        "eventSource": "iam.amazonaws.com",
        "eventName": "ListUsers",
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": "IAMUser", "userName": f"user{n}"},
        "requestID": f"req-{n}",
        "eventID": f"evt-{n}",
    }


def build_trail(root: Path, hours: int = 4, logs_per_hour: int = 2, backfill: bool = False) -> Trail:
    """`hours` hourly digests from START, each listing the log files delivered in its hour; with
    `backfill`, one more log file listed by a `_backfill` digest of the second hour."""
    key = private_key()
    trail = Trail(root)
    log_dir = root / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION / "2026" / "11" / "18"
    digest_dir = root / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / REGION / "2026" / "11" / "18"
    log_dir.mkdir(parents=True, exist_ok=True)
    digest_dir.mkdir(parents=True, exist_ok=True)
    previous: tuple[str, bytes, str] | None = None  # (key, decompressed bytes, signature)
    n = 0

    def log_file(moment: datetime, unique: str) -> dict:
        nonlocal n
        n += 1
        text = json.dumps({"Records": [_record(moment, n), _record(moment + timedelta(seconds=5), n + 1000)]})
        name = f"{ACCOUNT}_CloudTrail_{REGION}_{_stamp(moment, seconds=False)}_{unique}.json.gz"
        path = log_dir / name
        path.write_bytes(_gzip(text.encode()))
        trail.logs.append(path)
        return {
            "s3Bucket": BUCKET,
            "s3Object": str(path.relative_to(root)),
            "hashValue": hashlib.sha256(text.encode()).hexdigest(),
            "hashAlgorithm": "SHA-256",
            "newestEventTime": _iso(moment + timedelta(seconds=5)),
            "oldestEventTime": _iso(moment),
        }

    def digest(start: datetime, end: datetime, logs: list[dict], suffix: str = "", chained=True):
        name = f"{ACCOUNT}_CloudTrail-Digest_{REGION}_{TRAIL}_{REGION}_{_stamp(end)}{suffix}.json.gz"
        path = digest_dir / name
        s3_key = str(path.relative_to(root))
        link = previous if chained else None
        body = {
            "awsAccountId": ACCOUNT,
            "digestStartTime": _iso(start),
            "digestEndTime": _iso(end),
            "digestS3Bucket": BUCKET,
            "digestS3Object": s3_key,
            "digestPublicKeyFingerprint": fingerprint(key),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": _iso(end - timedelta(minutes=1)),
            "oldestEventTime": _iso(start),
            "previousDigestS3Bucket": BUCKET if link else None,
            "previousDigestS3Object": link[0] if link else None,
            "previousDigestHashValue": hashlib.sha256(link[1]).hexdigest() if link else None,
            "previousDigestHashAlgorithm": "SHA-256" if link else None,
            "previousDigestSignature": link[2] if link else None,
            "logFiles": logs,
        }
        text = json.dumps(body).encode()
        signed = "{}\n{}/{}\n{}\n{}".format(
            body["digestEndTime"],
            BUCKET,
            s3_key,
            hashlib.sha256(text).hexdigest(),
            body["previousDigestSignature"] or "null",
        ).encode()
        signature = key.sign(signed, padding.PKCS1v15(), hashes.SHA256()).hex()
        path.write_bytes(_gzip(text))
        trail.digests.append(path)
        trail.signatures.append(signature)
        return s3_key, text, signature

    for hour in range(hours):
        start, end = START + timedelta(hours=hour), START + timedelta(hours=hour + 1)
        logs = [
            log_file(start + timedelta(minutes=5 + 20 * i), f"h{hour}l{i}abcdefghijkl"[:16])
            for i in range(logs_per_hour)
        ]
        previous = digest(start, end, logs)
    if backfill:
        start, end = START + timedelta(hours=1), START + timedelta(hours=2)
        late = [log_file(start + timedelta(minutes=50), "latebackfill0001")]
        digest(start, end, late, suffix="_backfill", chained=False)
    return trail
