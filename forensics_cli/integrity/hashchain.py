"""Hash-chained and HMAC-signed JSON lines: an application writes in every line the hash of the line and
the hash of the line before it; `verify` finds lines altered, removed and inserted (docs/verify.md
has the scheme, for applications that want to adopt it).

A chain is declared in a user format or `--field-map` TOML file:

    [chain]
    hash = "hash"                 # field holding the line's hash (hex)
    previous = "prev_hash"        # field holding the previous line's hash ("" or null on the first line)
    algorithm = "hmac-sha256"     # sha256 | sha512 | hmac-sha256 | hmac-sha512
    canonical = "sorted-json"     # sorted-json | prefix
    key_env = "AUDIT_CHAIN_KEY"   # or key_file = "/path/to/key" (HMAC only)
"""

import hashlib
import hmac
import os
import tomllib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import orjson

from forensics_cli.decompress import DecompressedStream, UnsupportedCompression, compression_of
from forensics_cli.integrity.findings import Finding, Kind, Severity
from forensics_cli.parse import MAX_JSON_LINE_BYTES


class ChainError(ValueError):
    """A [chain] declaration that cannot be used (exit code 2)."""


class Canonical(StrEnum):
    SORTED_JSON = "sorted-json"  # the record without the hash field, keys sorted, no whitespace, UTF-8
    PREFIX = "prefix"  # the line's bytes before `,"<hash>":`, the hash being the record's last member


ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


@dataclass(frozen=True)
class ChainSpec:
    hash_field: str
    previous_field: str
    algorithm: str  # a key of ALGORITHMS, or hmac- and one of them
    canonical: Canonical
    key: bytes | None
    source: str  # the file that declared it

    def digest(self, data: bytes) -> str:
        name = self.algorithm.removeprefix("hmac-")
        if self.key is not None:
            return hmac.new(self.key, data, ALGORITHMS[name]).hexdigest()
        return ALGORITHMS[name](data).hexdigest()

    def signed_bytes(self, raw: bytes, record: dict) -> bytes | None:
        """What the line's hash covers, or None when the line does not have the declared form."""
        if self.canonical is Canonical.PREFIX:
            cut = raw.rfind(b',"' + self.hash_field.encode() + b'":')
            return raw[:cut] if cut > 0 else None
        rest = {k: v for k, v in record.items() if k != self.hash_field}
        return orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)


def _key(table: dict, where: str) -> bytes | None:
    if "key_env" in table:
        value = os.environ.get(str(table["key_env"]))
        if value is None:
            raise ChainError(f"{where}: [chain] key_env {table['key_env']} is not set")
        return value.encode()
    if "key_file" in table:
        path = Path(str(table["key_file"])).expanduser()
        if not path.is_absolute():
            path = Path(where).parent / path
        try:
            key = path.read_bytes()
        except OSError as exc:
            raise ChainError(f"{where}: cannot read [chain] key_file {path}: {exc.strerror}") from exc
        return key[:-1] if key.endswith(b"\n") else key  # a key file written by `echo` ends with a newline
    return None


def parse_chain(table: dict, where: str) -> ChainSpec:
    """A ChainSpec from a [chain] table; ChainError when it cannot be used."""
    try:
        hash_field, previous_field = str(table["hash"]), str(table["previous"])
    except KeyError as exc:
        raise ChainError(f"{where}: [chain] needs {exc.args[0]} (the field that holds it)") from exc
    algorithm = str(table.get("algorithm", "sha256")).lower()
    if algorithm.removeprefix("hmac-") not in ALGORITHMS:
        known = ", ".join([*ALGORITHMS, *(f"hmac-{a}" for a in ALGORITHMS)])
        raise ChainError(f"{where}: [chain] algorithm {algorithm!r} is not one of {known}")
    try:
        canonical = Canonical(str(table.get("canonical", Canonical.SORTED_JSON)))
    except ValueError as exc:
        raise ChainError(f"{where}: [chain] canonical must be sorted-json or prefix") from exc
    key = _key(table, where)
    if algorithm.startswith("hmac-") and key is None:
        raise ChainError(f"{where}: [chain] algorithm {algorithm} needs key_env or key_file")
    if not algorithm.startswith("hmac-") and key is not None:
        raise ChainError(
            f"{where}: [chain] a key is given but algorithm {algorithm} uses none (hmac-{algorithm}?)"
        )
    return ChainSpec(hash_field, previous_field, algorithm, canonical, key, where)


def load_chains(paths: list[str | Path]) -> list[ChainSpec]:
    """The chains declared in these TOML files (a file without [chain] declares none)."""
    chains = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ChainError(f"cannot read {path}: {exc}") from exc
        if isinstance(document.get("chain"), dict):
            chains.append(parse_chain(document["chain"], str(path)))
    return chains


def chain_of(head: bytes, chains: list[ChainSpec]) -> ChainSpec | None:
    """The chain whose two fields the first JSON line of a file's head has."""
    for raw in head.split(b"\n"):
        raw = raw.strip()
        if not raw.startswith(b"{"):
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(record, dict):
            return None
        return next((c for c in chains if c.hash_field in record and c.previous_field in record), None)
    return None


def _lines(path: str) -> Iterator[tuple[int, bytes | None]]:
    """(1-based line number, line without its newline) of the decompressed file; None for a line longer
    than MAX_JSON_LINE_BYTES, which is skipped, never held whole (a hostile file can be one 8 GB line)."""
    stream = DecompressedStream(path, compression_of(path))
    number, pending, too_long = 0, b"", False
    for block in stream:
        pieces = (pending + block).split(b"\n")
        pending = pieces.pop()
        for piece in pieces:
            number += 1
            yield number, None if too_long or len(piece) > MAX_JSON_LINE_BYTES else piece.rstrip(b"\r")
            too_long = False
        if len(pending) > MAX_JSON_LINE_BYTES:
            pending, too_long = b"", True
    if pending or too_long:
        yield number + 1, None if too_long else pending.rstrip(b"\r")


def _is_genesis(link) -> bool:
    return link in (None, "") or (isinstance(link, str) and set(link) == {"0"})


@dataclass
class _Link:
    file: str
    line: int
    stored: str


RECENT_LINKS = 1 << 16  # hashes remembered to tell a line that links far back (moved, replayed lines)


class _Recent:
    """The last RECENT_LINKS hashes of the chain and where they were: bounded whatever the file size."""

    def __init__(self):
        self.where: OrderedDict[str, _Link] = OrderedDict()

    def add(self, link: _Link) -> None:
        self.where[link.stored] = link
        if len(self.where) > RECENT_LINKS:
            # the oldest goes; OrderedDict does it in O(1), where a dict's next(iter()) walks the slots
            # its earlier deletions left (a million lines took 36 s instead of a few)
            self.where.popitem(last=False)


class _Walker:
    """One chain's state while its lines are read in order: the last two links, recent hashes, and
    the findings so far (by place and kind: a line found inserted replaces what was said of it)."""

    def __init__(self, spec: ChainSpec):
        self.spec = spec
        self.last: _Link | None = None
        self.before_last: _Link | None = None
        self.seen = _Recent()
        self.found: dict[tuple[str, int, Kind], Finding] = {}
        self.notes: list[str] = []
        self.resumed = False  # the line before could not be checked (too long): no link to check against

    def line(self, path: str, number: int, raw: bytes | None) -> None:
        """Check one line against its own hash, then its link to the line before."""
        spec = self.spec
        if raw is None:
            self._say(
                Kind.UNVERIFIABLE,
                Severity.MEDIUM,
                path,
                number,
                f"a line longer than {MAX_JSON_LINE_BYTES >> 20} MB: not checked; the chain resumes after it",
            )
            self.last = self.before_last = None
            self.resumed = True
            return
        if not raw.strip():
            return
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            record = None
        stored = record.get(spec.hash_field) if isinstance(record, dict) else None
        if not isinstance(stored, str) or spec.previous_field not in record:
            self._say(
                Kind.LINE_INSERTED,
                Severity.HIGH,
                path,
                number,
                f"no {spec.hash_field}/{spec.previous_field} fields: this line is not part of the chain",
            )
            return
        signed = spec.signed_bytes(raw, record)
        if signed is None or not hmac.compare_digest(spec.digest(signed), stored.lower()):
            self._say(
                Kind.LINE_ALTERED,
                Severity.CRITICAL,
                path,
                number,
                f"the line's content does not give the {spec.algorithm} written in it: edited after it "
                "was logged",
            )
        link = record.get(spec.previous_field)
        self._link(path, number, link.lower() if isinstance(link, str) else link)
        here = _Link(path, number, stored.lower())
        self.seen.add(here)
        self.before_last, self.last = self.last, here

    def _link(self, path: str, number: int, link) -> None:
        last, before_last = self.last, self.before_last
        if last is None:
            if self.resumed:  # after a line that could not be checked: its hash is unknown
                self.resumed = False
            elif not _is_genesis(link):
                self.notes.append(
                    f"{path}:{number}: the chain is checked from this line on; the line it links to is not "
                    "among PATHS (a chain proves nothing before its first line)"
                )
            return
        if link == last.stored:
            return
        if before_last is not None and link == before_last.stored:
            self._say(
                Kind.LINE_INSERTED,
                Severity.CRITICAL,
                last.file,
                last.line,
                f"the chain passes over this line: {path}:{number} links to the line before it",
            )
            self.last = before_last  # the inserted line is not part of the chain
        elif isinstance(link, str) and link in self.seen.where:
            origin = self.seen.where[link]
            self._say(
                Kind.LINE_INSERTED,
                Severity.CRITICAL,
                path,
                number,
                f"links back to {origin.file}:{origin.line}: the lines between are not in the chain "
                "(inserted or moved)",
                f"after {origin.file}:{origin.line}",
            )
        else:
            self._say(
                Kind.LINE_REMOVED,
                Severity.CRITICAL,
                path,
                number,
                f"links to a line that is not there: lines were removed between {last.file}:{last.line} "
                "and this one (or the line before was rewritten with a new hash)",
                f"after {last.file}:{last.line}",
            )

    def _say(
        self, kind: Kind, severity: Severity, path: str, number: int | None, detail: str, subject: str = ""
    ) -> None:
        if kind is Kind.LINE_INSERTED:  # what was said of a line that is not in the chain no longer holds
            for said in [k for k in self.found if k[:2] == (path, number or 0)]:
                del self.found[said]
        self.found[(path, number or 0, kind)] = Finding(kind, severity, path, number, detail, subject=subject)


def verify_chain(files: list[str], spec: ChainSpec) -> tuple[list[Finding], list[str]]:
    """Walk one chain through `files` (a rotated set, oldest first): (findings, notes)."""
    walker = _Walker(spec)
    for path in files:
        try:
            for number, raw in _lines(path):
                walker.line(path, number, raw)
        except (OSError, UnsupportedCompression) as exc:
            walker._say(
                Kind.LINE_REMOVED, Severity.HIGH, path, None, f"cannot read the rest of the file: {exc}"
            )
    findings = sorted(walker.found.values(), key=lambda f: (files.index(f.file), f.line or 0))
    first = next((f for f in findings if f.kind is not Kind.UNVERIFIABLE), None)
    if first is not None:  # rows sort by file name, not by the chain's order: say which break comes first
        findings[findings.index(first)] = replace(
            first, detail=first.detail + " (the chain's first broken link)"
        )
    return findings, walker.notes
