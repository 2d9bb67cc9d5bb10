"""CloudTrail's files as AWS names and documents them ("CloudTrail digest file structure"): digests, log
files, and how a copy on disk is matched to the S3 keys a digest lists."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

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
# the fields a digest must have, with the type AWS writes them in (a digest is attacker-controlled input)
REQUIRED = {
    "digestS3Bucket": str,
    "digestS3Object": str,
    "digestStartTime": str,
    "digestEndTime": str,
    "logFiles": list,
}


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
    """One digest file as found among PATHS. What is derived from its bytes (times, trail, hash) is worked
    out once: digests are sorted, chained and signed by these values many times."""

    file: str
    text: bytes  # decompressed: what the hashes and the signature cover
    data: dict

    @property
    def key(self) -> str:
        return self.data["digestS3Object"]

    @cached_property
    def start(self) -> datetime | None:
        return parse_time(self.data.get("digestStartTime"))

    @cached_property
    def end(self) -> datetime | None:
        return parse_time(self.data.get("digestEndTime"))

    @cached_property
    def backfill(self) -> bool:
        match = DIGEST_NAME.match(base(self.key))
        return bool(match and match["backfill"])

    @cached_property
    def trail(self) -> str:
        """What all digests of one trail (account, region, trail name) share in their names."""
        match = DIGEST_NAME.match(base(self.key))
        return match["trail"] if match else base(self.key)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    @property
    def previous_key(self) -> str | None:
        return self.text_field("previousDigestS3Object") or None

    def text_field(self, name: str) -> str:
        """An optional text field, "" when absent, null or of another type."""
        value = self.data.get(name)
        return value if isinstance(value, str) else ""

    def log_entries(self) -> list[dict]:
        """The listed log files that name an S3 key (a hash that is not text counts as none)."""
        return [
            dict(e, hashValue=e.get("hashValue") if isinstance(e.get("hashValue"), str) else "")
            for e in self.data["logFiles"]
            if isinstance(e, dict) and isinstance(e.get("s3Object"), str) and e["s3Object"]
        ]


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
    wrong = [
        k for k, kind in REQUIRED.items() if not isinstance(data, dict) or not isinstance(data.get(k), kind)
    ]
    if not wrong and not problem:
        return Digest(path, text, data)
    why = problem or f"lacks {', '.join(wrong)} (or not of the type AWS writes)"
    return Finding(Kind.CHAIN_BREAK, Severity.HIGH, path, 1, f"digest file cannot be read: {why}")


def listed_logs(digests: list[Digest]) -> set[str]:
    """The base names of every log file the digests list: the log files a signature speaks for."""
    return {base(entry["s3Object"]) for digest in digests for entry in digest.log_entries()}


def trail_of(digest: Digest) -> tuple[str, str]:
    """(account, region) of a digest."""
    return digest.text_field("awsAccountId"), region_of(digest)


def log_trail(path: str) -> tuple[str, str] | None:
    """(account, region) of a CloudTrail log file, from the name CloudTrail delivered it under."""
    match = LOG_NAME.match(base(path))
    return (match["account"], match["region"]) if match else None


def stamp_time(stamp: str) -> datetime | None:
    """The time a digest's name (YYYYMMDDTHHMMSSZ) or a log file's name (YYYYMMDDTHHMMZ) carries; None
    for digits that are no time (a name is attacker-controlled: 20261399T9999Z)."""
    try:
        return utc(datetime.strptime(stamp, "%Y%m%dT%H%M%SZ" if len(stamp) == 16 else "%Y%m%dT%H%MZ"))
    except ValueError:
        return None


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def region_of(digest: Digest) -> str:
    match = re.search(r"/CloudTrail-Digest/([a-z0-9-]+)/", digest.key)
    return match[1] if match else ""


def unlisted_by_trail(
    files: list[str], digest_files: list[str]
) -> dict[tuple[str, str], tuple[list[str], set[str]]]:
    """(account, region) -> (the trail's log files among `files`, the ones no digest lists), for every
    trail with a readable digest among `digest_files` (gaps' `unsigned` stretches are made of these)."""
    digests = [d for d in map(read_digest, digest_files) if isinstance(d, Digest)]
    signed = listed_logs(digests)
    trails: dict[tuple[str, str], tuple[list[str], set[str]]] = {trail_of(d): ([], set()) for d in digests}
    for path in files:
        trail = log_trail(path)
        if trail in trails:
            trails[trail][0].append(path)
            if base(path) not in signed:
                trails[trail][1].add(path)
    return trails
