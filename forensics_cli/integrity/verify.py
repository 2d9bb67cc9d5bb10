"""`apiforensics verify`: every integrity check that applies to the files under PATHS, in one result.

CloudTrail digests (cloudtrail.py), declared hash chains (hashchain.py) and an evidence manifest
(manifest.py). A log file none of them speaks for is reported `unverifiable` (info): it is not clean,
it was not checked.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from forensics_cli.discover import CLOUDTRAIL_DIGEST, Candidate, discover, sniff_head
from forensics_cli.integrity import cloudtrail, hashchain, manifest
from forensics_cli.integrity.findings import Finding, Kind, Severity


@dataclass
class VerifyOptions:
    trail: cloudtrail.TrailOptions = field(default_factory=cloudtrail.TrailOptions)
    chains: list[hashchain.ChainSpec] = field(default_factory=list)
    manifest: dict | None = None  # a loaded manifest to re-check
    manifest_path: str = ""
    follow_links: bool = False
    skip_tool_dirs: bool = False


@dataclass
class Coverage:
    """What was checked, for the summary: a person must see what a clean result rests on."""

    digests: int = 0
    trail_logs: int = 0
    signatures_checked: bool = False
    chained_files: set[str] = field(default_factory=set)
    manifest_inputs: int = 0
    unchecked: int = 0


@dataclass
class VerifyResult:
    findings: list[Finding]
    notes: list[str]
    coverage: Coverage
    files: list[str]  # every file looked at (for the evidence guard of outputs)


def _chain_sets(
    chained: list[tuple[Candidate, hashchain.ChainSpec]],
) -> list[tuple[list[str], hashchain.ChainSpec]]:
    """Files of one chain and one rotated set, oldest first: a chain runs on across rotation."""
    sets: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    specs: dict[tuple[str, str], hashchain.ChainSpec] = {}
    for candidate, spec in chained:
        key = (spec.source, candidate.rotation_base)
        sets[key].append(candidate)
        specs[key] = spec
    return [
        ([c.path for c in sorted(files, key=lambda c: c.rotation_order)], specs[key])
        for key, files in sorted(sets.items())
    ]


def verify(paths: list[str], options: VerifyOptions) -> VerifyResult:
    """Run every check that applies; findings of all of them, and what each covered."""
    candidates = discover(paths, options.follow_links, options.skip_tool_dirs)
    heads: list[tuple[str, bytes]] = []
    chained: list[tuple[Candidate, hashchain.ChainSpec]] = []
    findings: list[Finding] = []
    notes: list[str] = []
    skipped: dict[str, str] = {c.path: c.skip_reason or c.skip_status for c in candidates if c.skip_status}
    for candidate in candidates:
        if candidate.path in skipped:
            heads.append((candidate.path, b""))  # a log a digest lists is known by name, read or not
            continue
        _, skip, reason, head = sniff_head(candidate.path)
        if skip and reason != CLOUDTRAIL_DIGEST:
            skipped[candidate.path] = reason if skip not in ("not_a_log", "empty") else ""
            heads.append((candidate.path, b""))  # damaged compression: still the log its name says
            continue
        heads.append((candidate.path, head))
        spec = hashchain.chain_of(head, options.chains) if options.chains else None
        if spec:
            chained.append((candidate, spec))
    trail = cloudtrail.collect(heads)
    trail_findings, trail_notes = cloudtrail.check(trail, options.trail)
    findings += trail_findings
    notes += trail_notes
    coverage = Coverage(
        digests=len(trail.digests),
        trail_logs=sum(len(p) for p in trail.logs.values()),
        signatures_checked=options.trail.keys is not None,
    )
    for files, spec in _chain_sets(chained):
        chain_findings, chain_notes = hashchain.verify_chain(files, spec)
        findings += chain_findings
        notes += chain_notes
        coverage.chained_files.update(files)
    covered = trail.covers() | coverage.chained_files
    if options.manifest is not None:
        listed = {e["file"] for e in options.manifest["inputs"]}
        found_now = manifest.resolved([c.path for c in candidates])
        findings += manifest.check_manifest(options.manifest, options.manifest_path, found_now)
        coverage.manifest_inputs = len(listed)
        covered |= {c.path for c in candidates}  # the manifest speaks for every file under its PATHS
    for candidate in candidates:
        why_skipped = skipped.get(candidate.path)
        if candidate.path in covered or why_skipped == "":  # not a log (or empty): nothing to prove
            continue
        coverage.unchecked += 1
        findings.append(
            Finding(
                Kind.UNVERIFIABLE,
                Severity.LOW if why_skipped else Severity.INFO,
                candidate.path,
                None,
                f"not read: {why_skipped}"
                if why_skipped
                else "no digest, hash chain or manifest speaks for this file: its integrity was not checked",
            )
        )
    return VerifyResult(findings, notes, coverage, [c.path for c in candidates])
