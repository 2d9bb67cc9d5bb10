"""The incident report: every analysis run once over one load of the logs, and a summary of them.

`apiforensics report` renders it (render/incident_html.py, render/incident_md.py) or writes it as JSON.
Secrets are masked here, before any renderer sees them.
"""

import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from forensics_cli.analyses import secrets_report
from forensics_cli.analyses.auth import auth_attempts
from forensics_cli.analyses.bruteforce import Thresholds, detect
from forensics_cli.analyses.gap_input import gap_input
from forensics_cli.analyses.gaps import GapOptions, coverage, find_gaps
from forensics_cli.analyses.ingest import ingest_report
from forensics_cli.analyses.takeover import TakeoverOptions, takeover
from forensics_cli.load import LoadResult
from forensics_cli.schema import TS_DTYPE
from forensics_cli.secrets.sanitize import redact_row_columns
from forensics_cli.subsets import DEFAULT_LOGIN_PATHS

TIMELINE_SLICES = 96  # bars of the whole span's failures-over-time chart
FOLLOWED_EVENTS = 20  # events shown after each success that made an attack succeed


@dataclass
class Incident:
    """What the logs under `paths` show, section by section (each frame as its command would give it)."""

    paths: list[str]
    files: pl.DataFrame  # ingest's columns, one row per file
    episodes: pl.DataFrame  # bruteforce's columns and `histogram` (failures per slice of the episode)
    takeover: pl.DataFrame  # takeover's columns, values masked
    secrets: pl.DataFrame  # scan-secrets' columns without the secret itself
    exposure: pl.DataFrame  # one row per distinct secret
    gaps: pl.DataFrame  # gaps' columns
    coverage: tuple  # (first, last, {service: lines per slice}) for the coverage strip
    failures: pl.DataFrame  # start, failures, successes: authentication outcomes per slice of the span
    notes: list[str] = field(default_factory=list)  # what could not be used (unreadable files, ...)

    def found_anything(self) -> bool:
        """Whether any section reports a finding (the command's exit code)."""
        not_ok = (self.files["status"] != "ok").any() if self.files.height else False
        return bool(self.episodes.height or self.secrets.height or self.gaps.height or not_ok)


def build_incident(result: LoadResult, paths: list[str], fingerprint_key: str | None = None) -> Incident:
    """Run every analysis once over `result` (one load, one cache)."""
    detected = detect(result.auth_candidates, Thresholds(), DEFAULT_LOGIN_PATHS)
    followed = takeover(result.events, detected, TakeoverOptions(limit=FOLLOWED_EVENTS), raw=True)
    # an API key or token used as the account name is a secret too: masked wherever the report shows it
    episodes = redact_row_columns(detected, ["users", "success_user", "detail"], raw="users")
    followed = redact_row_columns(
        followed, ["event", "path", "detail", "user", "ip", "account", "address"]
    ).drop("raw")
    found = secrets_report.find(result, fingerprint_key)
    data = gap_input(result.events, result.reports, GapOptions().max_skew_s, result.per_file)
    return Incident(
        paths=paths,
        files=ingest_report(result.reports),
        episodes=episodes,
        takeover=followed,
        secrets=found.rows.drop("secret", "needles"),
        exposure=found.exposure,
        gaps=find_gaps(data, result.reports, GapOptions()),
        coverage=coverage(data.active),
        failures=failures_over_time(result.auth_candidates),
        notes=list(result.notes) + list(found.notes),
    )


def failures_over_time(candidates: pl.LazyFrame, slices: int = TIMELINE_SLICES) -> pl.DataFrame:
    """Authentication failures and successes per slice of the attempts' whole time span (the chart of
    the rate of rise in 401s): `start` of each slice, `failures`, `successes`."""
    attempts = auth_attempts(candidates).select("ts", "failed").collect()
    if attempts.is_empty():
        return pl.DataFrame(schema={"start": TS_DTYPE, "failures": pl.UInt32, "successes": pl.UInt32})
    low, high = attempts["ts"].min(), attempts["ts"].max()
    width = max((high - low) / slices, timedelta(seconds=1))
    counted = (
        attempts.with_columns(((pl.col("ts") - low) / width).cast(pl.Int64).clip(0, slices - 1).alias("slot"))
        .group_by("slot")
        .agg(
            pl.col("failed").sum().cast(pl.UInt32).alias("failures"),
            (~pl.col("failed")).sum().cast(pl.UInt32).alias("successes"),
        )
    )
    every = pl.DataFrame({"slot": list(range(slices))}, schema={"slot": pl.Int64})
    return (
        every.join(counted, on="slot", how="left")
        .with_columns(
            (pl.lit(low) + pl.col("slot") * pl.lit(width)).cast(TS_DTYPE).alias("start"),
            pl.col("failures").fill_null(0),
            pl.col("successes").fill_null(0),
        )
        .sort("slot")
        .select("start", "failures", "successes")
    )


def summary(incident: Incident) -> list[str]:
    """What happened, in five lines (plain text; log content in them is escaped by the renderer)."""
    files = incident.files
    damaged = int((files["status"] != "ok").sum()) if files.height else 0
    first, last = (
        files["first_ts"].min() if files.height else None,
        files["last_ts"].max() if files.height else None,
    )
    services = files["service"].n_unique() if files.height else 0
    span = f" from {_when(first)} to {_when(last)}" if first and last else ""
    lines = [
        f"Read {files.height} files ({int(files['parsed'].sum()) if files.height else 0:,} events, "
        f"{services} services){span}; {damaged} not read whole or not understood."
    ]
    episodes = incident.episodes
    if episodes.height:
        kinds = ", ".join(f"{n} {k}" for k, n in episodes.group_by("kind").len().sort("kind").iter_rows())
        got_in = sorted(set(_who(row) for row in episodes.filter(pl.col("succeeded")).iter_rows(named=True)))
        entry = f"got in: {', '.join(got_in)}" if got_in else "no attack succeeded"
        lines.append(f"{episodes.height} authentication attack episodes ({kinds}); {entry}.")
    else:
        lines.append("No authentication attack episode (brute force, spraying, stuffing) was found.")
    followed = incident.takeover
    if followed.height:
        privileged = followed.filter(pl.col("privileged").is_not_null())
        marks = sorted(set(privileged["privileged"].to_list()))
        lines.append(
            f"After the success: {followed.height} events followed, {privileged.height} privileged"
            + (f" ({', '.join(marks)})." if marks else ".")
        )
    else:
        lines.append("Nobody got in after an attack: no session to follow.")
    exposure = incident.exposure
    live = int(exposure["still_present"].sum()) if exposure.height else 0
    lines.append(
        f"{exposure.height} distinct secrets leaked into the logs ({incident.secrets.height} occurrences), "
        f"{live} still present in the newest log of their service."
        if exposure.height
        else "No secret was found in the logs."
    )
    gaps = incident.gaps
    if gaps.height:
        kinds = ", ".join(f"{n} {k}" for k, n in gaps.group_by("kind").len().sort("kind").iter_rows())
        lines.append(f"{gaps.height} coverage or integrity problems ({kinds}).")
    else:
        lines.append("No gap, missing rotation or sign of tampering was found in the logs' coverage.")
    return lines


def next_commands(incident: Incident) -> list[str]:
    """The commands that dig further into what the summary names (quoted for a POSIX shell)."""
    paths = " ".join(shlex.quote(p) for p in incident.paths)
    commands = []
    for row in incident.episodes.filter(pl.col("succeeded")).head(3).iter_rows(named=True):
        if row["success_ip"]:
            commands.append(f"apiforensics timeline --ip {shlex.quote(row['success_ip'])} {paths}")
        elif row["success_user"]:
            commands.append(f"apiforensics timeline --user {shlex.quote(row['success_user'])} {paths}")
    if incident.episodes.height:
        commands.append(f"apiforensics bruteforce {paths}")
    if incident.takeover.height:
        commands.append(f"apiforensics takeover {paths}")
    if incident.exposure.height:
        commands.append(f"apiforensics scan-secrets --group {paths}")
    if incident.gaps.height:
        commands.append(f"apiforensics gaps {paths}")
    commands.append(f"apiforensics verify {paths}")
    return list(dict.fromkeys(commands))


def _who(row: dict) -> str:
    user = row["success_user"] or "(unknown account)"
    return f"{user} from {row['success_ip']}" if row["success_ip"] else user


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
