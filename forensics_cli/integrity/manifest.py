"""The evidence manifest: what a report rests on, written by `--manifest FILE` on any command and
re-checked by `apiforensics verify --manifest FILE`.

It records the tool version, the command line, the settings that decide how logs are read (time zone,
field map and user formats with their SHA-256), every input (path, size, mtime, SHA-256 of the stored
bytes and of the decompressed text, line count) and the SHA-256 of every output written. Apart from
`created`, the same run over the same files writes the same manifest. Beside it, FILE.sha256sum lists
the inputs and outputs for `sha256sum -c` (run from the directory the manifest names as `cwd`).
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forensics_cli import __version__
from forensics_cli.archives import split, stat_of
from forensics_cli.cache import file_sha256
from forensics_cli.guard import EvidenceGuard, write_text
from forensics_cli.integrity.content import read_content
from forensics_cli.integrity.findings import Finding, Kind, Severity

MANIFEST_FORMAT = "apiforensics-manifest/1"
HASH_WORKERS = 4  # hashlib and zlib release the GIL: files hash in parallel threads


class ManifestError(ValueError):
    """A manifest that cannot be read (exit code 2)."""


@dataclass(frozen=True)
class RunRecord:
    """What the command line said, for the manifest."""

    argv: list[str]
    paths: list[str]
    settings: dict = field(default_factory=dict)  # tz, since, until, service, links, skipped tool dirs
    setting_files: dict[str, str | None] = field(default_factory=dict)  # role -> a file that shaped parsing


def _file_entry(path: str) -> dict:
    """One input as the manifest lists it (hashed now, never from the cache)."""
    content = read_content(path)
    try:
        info = stat_of(path)
        size, mtime_ns = info.st_size, info.st_mtime_ns
    except OSError:
        size, mtime_ns = None, None
    entry = {
        "file": path,
        "size": size,
        "mtime_ns": mtime_ns,
        "sha256": content.stored_sha256,
        "text_sha256": content.text_sha256,
        "text_bytes": content.text_bytes,
        "lines": content.lines,
        "compression": content.compression,
    }
    if content.problem:
        entry["problem"] = content.problem
    return entry


def _hash_all(paths: list[str]) -> list[dict]:
    with ThreadPoolExecutor(max_workers=HASH_WORKERS) as pool:
        return list(pool.map(_file_entry, sorted(set(paths))))


def _setting_file(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        return {"file": path, "sha256": file_sha256(path)}
    except OSError as exc:
        return {"file": path, "sha256": "", "problem": exc.strerror or str(exc)}


def build_manifest(run: RunRecord, inputs: list[str], outputs: list[str], created: datetime) -> dict:
    """The manifest of one run (a dict, written as sorted JSON)."""
    return {
        "format": MANIFEST_FORMAT,
        "tool": {"name": "apiforensics", "version": __version__},
        "created": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "cwd": os.getcwd(),
        "command": ["apiforensics", *run.argv],
        "paths": list(run.paths),
        "settings": dict(run.settings),
        "setting_files": {role: _setting_file(path) for role, path in sorted(run.setting_files.items())},
        "inputs": _hash_all(inputs),
        "outputs": [
            {"file": path, "sha256": file_sha256(path), "size": os.path.getsize(path)}
            for path in sorted(set(outputs))
        ],
    }


def _sum_line(sha: str, name: str) -> str:
    """One line of `sha256sum` output; a name with a backslash or newline is escaped as GNU does."""
    if "\\" in name or "\n" in name or "\r" in name:
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        return f"\\{sha}  {escaped}\n"
    return f"{sha}  {name}\n"


def sha256sum_list(manifest: dict) -> str:
    """Inputs (an archive once, for its members) and outputs, as `sha256sum -c` reads them."""
    listed: dict[str, str] = {}  # name -> SHA-256, listed in name order
    for entry in manifest["inputs"]:
        disk, member = split(entry["file"])
        if member is None and entry["sha256"]:
            listed[disk] = entry["sha256"]
        elif member is not None and disk not in listed:
            try:
                listed[disk] = file_sha256(disk)
            except OSError:
                pass
    listed |= {e["file"]: e["sha256"] for e in manifest["outputs"]}
    return "".join(_sum_line(listed[name], name) for name in sorted(listed))


def write_manifest(path: str, manifest: dict, guard: EvidenceGuard) -> None:
    """Write the manifest and FILE.sha256sum beside it (new files, never in the evidence)."""
    write_text(path, json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=True) + "\n", guard)
    write_text(path + ".sha256sum", sha256sum_list(manifest), guard)


def load_manifest(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{path} is not an apiforensics manifest ({MANIFEST_FORMAT})")
    for part in ("inputs", "outputs"):  # edited or damaged: said so, before anything is hashed
        entries = manifest.get(part)
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("file"), str) and isinstance(e.get("sha256"), str)
            for e in entries
        ):
            raise ManifestError(
                f"{path}: {part} is not a list of {{file, sha256, ...}} entries: edited or damaged"
            )
    paths, cwd = manifest.get("paths"), manifest.get("cwd")
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths) or not isinstance(cwd, str):
        raise ManifestError(f"{path}: paths or cwd is not what apiforensics writes: edited or damaged")
    return manifest


def _where(cwd: str, name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(cwd, name)


def check_manifest(manifest: dict, manifest_path: str, discovered: list[str]) -> list[Finding]:
    """Every input and output of the manifest hashed again: changed and vanished files; `discovered`
    (the files under the manifest's PATHS now, resolved) that it does not list have appeared."""
    cwd = manifest["cwd"]
    findings = []
    listed = {os.path.normpath(_where(cwd, e["file"])) for e in manifest["inputs"]}
    checks = [(e, _where(cwd, e["file"]), "input") for e in manifest["inputs"]]
    checks += [(e, e["file"], "output") for e in manifest["outputs"]]
    with ThreadPoolExecutor(max_workers=HASH_WORKERS) as pool:
        for rows in pool.map(lambda check: _recheck(check[0], check[1], manifest_path, check[2]), checks):
            findings += rows
    for found in sorted(set(discovered) - listed):
        name = os.path.relpath(found, cwd) if found.startswith(cwd.rstrip(os.sep) + os.sep) else found
        findings.append(
            Finding(
                Kind.FILE_APPEARED,
                Severity.MEDIUM,
                name,
                None,
                f"under the manifest's PATHS, not among the inputs {manifest_path} lists: added since",
            )
        )
    return findings


def _recheck(entry: dict, path: str, manifest_path: str, role: str) -> list[Finding]:
    name = entry["file"]
    disk, _ = split(path)
    if not os.path.lexists(disk):
        return [
            Finding(
                Kind.FILE_VANISHED,
                Severity.HIGH if role == "input" else Severity.MEDIUM,
                name,
                None,
                f"an {role} of the run {manifest_path} records is gone",
            )
        ]
    if role == "output":
        sha = _safe_sha(path)
        if sha == entry.get("sha256"):
            return []
        return [
            Finding(
                Kind.FILE_CHANGED,
                Severity.MEDIUM,
                name,
                None,
                f"an output of the run: SHA-256 {sha[:16]}… is not the recorded {entry['sha256'][:16]}…",
            )
        ]
    if _safe_sha(path) == entry.get("sha256"):  # the usual case: one read, no decompression
        return []
    now = _file_entry(path)
    changes = [
        f"SHA-256 {now['sha256'][:16] or '(unreadable)'}… is not the recorded {entry.get('sha256', '')[:16]}…"
    ]
    if now["size"] != entry.get("size"):
        changes.append(f"size {entry.get('size')} → {now['size']}")
    if now["mtime_ns"] == entry.get("mtime_ns"):
        changes.append("mtime unchanged (put back?)")
    if now["text_sha256"] == entry.get("text_sha256"):
        changes.append("same decompressed text: recompressed or re-encoded only")
    elif now["lines"] != entry.get("lines"):
        changes.append(f"lines {entry.get('lines')} → {now['lines']}")
    if now.get("problem"):
        changes.append(now["problem"])
    return [Finding(Kind.FILE_CHANGED, Severity.CRITICAL, name, None, "; ".join(changes))]


def _safe_sha(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def manifest_paths(manifest: dict) -> list[str]:
    """The manifest's PATHS, resolved against the directory it was written from."""
    return [_where(manifest["cwd"], p) for p in manifest["paths"]]


def resolved(names: list[str], cwd: str | Path | None = None) -> list[str]:
    """File names as found, made comparable with a manifest's inputs (absolute, normalised)."""
    base = str(cwd or os.getcwd())
    return [os.path.normpath(_where(base, n)) for n in names]
