"""Integrity of the evidence: signed CloudTrail digests, hash-chained JSON lines, evidence manifests.

Each check reads the input files' bytes itself (never the event cache) and returns findings
(findings.py); `apiforensics verify` renders them, `--manifest` on every command writes a manifest.
"""
