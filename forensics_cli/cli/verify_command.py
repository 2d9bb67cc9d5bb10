"""`apiforensics verify`: prove the logs were not altered, offline (docs/verify.md)."""

import os
import sys

import click

from forensics_cli.cli.options import (
    default_paths,
    follow_links_option,
    format_option,
    implicit_paths,
    output_option,
    quiet_option,
    raw_csv_option,
    wide_option,
)
from forensics_cli.errors import InputError


def _signatures(values: tuple[str, ...]) -> dict[str, str]:
    """--signature HEX (the newest digest) or NAME=HEX (a digest by file name), as a map."""
    from forensics_cli.integrity.cloudtrail_digest import base

    given: dict[str, str] = {}
    for value in values:
        name, _, signature = value.rpartition("=")
        signature = signature.strip().lower()
        try:
            bytes.fromhex(signature)
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: a signature is hexadecimal", param_hint="--signature"
            ) from None
        given[base(name) if name else ""] = signature
    return given


def _coverage_lines(coverage) -> list[str]:
    lines = []
    if coverage.digests or coverage.trail_logs:
        signed = (
            "signatures checked"
            if coverage.signatures_checked
            else "signatures NOT checked (no --public-keys)"
        )
        lines.append(f"CloudTrail: {coverage.digests} digests ({signed}), {coverage.trail_logs} log files")
    if coverage.chained_files:
        lines.append(f"hash chains: {len(coverage.chained_files)} files")
    if coverage.manifest_inputs:
        lines.append(f"manifest: {coverage.manifest_inputs} inputs hashed again")
    if coverage.unchecked:
        lines.append(
            f"not checked: {coverage.unchecked} files (no digest, chain or manifest speaks for them)"
        )
    return lines or ["nothing: no digest, hash chain or manifest applies to these files"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--public-keys",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="CloudTrail's public keys: the JSON `aws cloudtrail list-public-keys` printed, saved while online.",
)
@click.option(
    "--signature",
    "signatures",
    multiple=True,
    metavar="[DIGEST=]HEX",
    help="A digest's signature from its S3 metadata (x-amz-meta-signature): the newest digest's, or the "
    "named digest's (a _backfill one). Repeatable.",
)
@click.option(
    "--manifest",
    "manifest_file",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Re-check a manifest written by --manifest: every input hashed again; changed, vanished and new "
    "files named. Without PATHS, the manifest's own PATHS are read.",
)
@click.option(
    "--field-map",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="A TOML file with a [chain] table: the hash-chained JSON lines to check (user formats' chains too).",
)
@format_option
@output_option
@raw_csv_option
@follow_links_option
@wide_option
@quiet_option
def verify(
    paths, public_keys, signatures, manifest_file, field_map, fmt, output, raw_csv, follow_links, wide, quiet
):
    """Prove the logs were not altered: CloudTrail digests, hash chains, an evidence manifest.

    \b
    CloudTrail: every log file a digest lists is present with its SHA-256, the digests chain
    without a hole, and each signature verifies with CloudTrail's public key (--public-keys; the
    newest digest's signature with --signature). Hash-chained JSON lines (a [chain] in --field-map):
    lines altered, removed, inserted. --manifest: the inputs of an earlier run, hashed again.
    Exit 0 when everything checked holds and every file was checked, 1 when anything is reported.
    """
    from forensics_cli.formats import user_format_files
    from forensics_cli.guard import EvidenceGuard
    from forensics_cli.integrity import cloudtrail, hashchain, manifest
    from forensics_cli.integrity import verify as verification
    from forensics_cli.integrity.cloudtrail_keys import KeyFileError, load_public_keys
    from forensics_cli.integrity.findings import findings_frame
    from forensics_cli.render.machine import emit, format_for, serialize
    from forensics_cli.render.report import print_hint, print_notes
    from forensics_cli.render.tables import render_text
    from forensics_cli.render.views import verify_view

    try:
        keys = load_public_keys(public_keys) if public_keys else None
        chains = hashchain.load_chains(([field_map] if field_map else []) + user_format_files())
        loaded = manifest.load_manifest(manifest_file) if manifest_file else None
    except (KeyFileError, hashchain.ChainError, manifest.ManifestError) as exc:
        raise InputError(str(exc)) from exc
    if field_map and not any(c.source == str(field_map) for c in chains):
        raise InputError(f"--field-map {field_map} declares no [chain]: nothing for verify to check")
    fmt = format_for(output, fmt)
    if loaded is not None and not paths:
        read = manifest.manifest_paths(loaded)
    else:
        read = default_paths(paths)
        if implicit_paths(paths) and not quiet:  # say what is read when nobody named it
            print_hint(
                f"no PATHS given: reading {os.path.abspath('.')} (not .git, node_modules, venvs, caches)"
            )
    options = verification.VerifyOptions(
        trail=cloudtrail.TrailOptions(keys, _signatures(signatures)),
        chains=chains,
        manifest=loaded,
        manifest_path=manifest_file or "",
        follow_links=follow_links,
        skip_tool_dirs=implicit_paths(paths) and loaded is None,
    )
    try:
        result = verification.verify(read, options)
    except FileNotFoundError as exc:
        raise InputError(f"no such file or directory: {exc.args[0]}") from exc
    if not result.files:
        raise InputError(f"no file found under {', '.join(read)}")
    rows = findings_frame(result.findings)
    guard = EvidenceGuard(read, result.files)
    checked = _coverage_lines(result.coverage)
    if fmt == "table":
        emit(render_text(verify_view(rows, checked), to_file=bool(output), wide=wide), output, guard)
    else:
        emit(serialize(rows, fmt, raw_csv=raw_csv), output, guard)
    print_notes(result.notes, quiet)
    if not quiet and fmt != "table":
        for line in checked:
            print_hint(f"verified: {line}")
    sys.exit(1 if rows.height else 0)
