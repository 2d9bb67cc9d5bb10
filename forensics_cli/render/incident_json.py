"""The incident report as one JSON document, for tools: every section's rows (timestamps ISO 8601 UTC,
lists kept as lists), the summary and the commands to dig further."""

import json

import polars as pl

from forensics_cli import __version__
from forensics_cli.analyses.incident import Incident, next_commands, summary
from forensics_cli.render.safe import json_terminal_safe

ISO = "%Y-%m-%dT%H:%M:%S%.6fZ"


def _rows(frame: pl.DataFrame) -> list[dict]:
    timestamps = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    return frame.with_columns(pl.col(timestamps).dt.convert_time_zone("UTC").dt.strftime(ISO)).to_dicts()


def incident_json(incident: Incident) -> str:
    low, high, strips = incident.coverage
    document = {
        "tool": f"apiforensics {__version__}",
        "paths": incident.paths,
        "summary": summary(incident),
        "next_commands": next_commands(incident),
        "notes": incident.notes,
        "files": _rows(incident.files),
        "failures_over_time": _rows(incident.failures),
        "episodes": _rows(incident.episodes),
        "takeover": _rows(incident.takeover),
        "secrets": _rows(incident.secrets),
        "exposure": _rows(incident.exposure),
        "gaps": _rows(incident.gaps),
        "coverage": {
            "first": low.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if low else None,
            "last": high.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if high else None,
            "lines_per_slice": strips,
        },
    }
    return json_terminal_safe(json.dumps(document, ensure_ascii=False, indent=1)) + "\n"
