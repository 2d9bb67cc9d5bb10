"""CloudTrail's files as AWS names and documents them ("CloudTrail digest file structure"): digests, log
files, and how a copy on disk is matched to the S3 keys a digest lists."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from forensics_cli.integrity.content import read_text
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


def base(name: str) -> str:
    """The file name of a path or S3 key, without `.gz`: how a copy is matched to what a digest lists."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    return last[:-3] if last.endswith(".gz") else last


def parse_time(text) -> datetime | None:
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
        return parse_time(self.data.get("digestStartTime"))

    @property
    def end(self) -> datetime | None:
        return parse_time(self.data.get("digestEndTime"))

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


def listed_logs(digests: list[Digest]) -> set[str]:
    """The base names of every log file the digests list: the log files a signature speaks for."""
    return {base(entry["s3Object"]) for digest in digests for entry in digest.log_entries()}


def trail_of(digest: Digest) -> tuple[str, str]:
    """(account, region) of a digest."""
    return str(digest.data.get("awsAccountId") or ""), region_of(digest)


def log_trail(path: str) -> tuple[str, str] | None:
    """(account, region) of a CloudTrail log file, from the name CloudTrail delivered it under."""
    match = LOG_NAME.match(base(path))
    return (match["account"], match["region"]) if match else None


def stamp_time(stamp: str) -> datetime | None:
    """The end time a digest's name carries (YYYYMMDDTHHMMSSZ)."""
    try:
        return utc(datetime.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def region_of(digest: Digest) -> str:
    match = re.search(r"/CloudTrail-Digest/([a-z0-9-]+)/", digest.key)
    return match[1] if match else ""
