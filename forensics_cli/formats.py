"""User formats: a `--field-map` TOML file (or a file in the user format directory) read as a LogFamily.

The simplest file maps canonical fields to paths (`user = "actor.login"`); the full form has the same
parts as a built-in family (docs/formats.md): `[fields]`, `[[outcomes]]`, `[[auth_when]]`,
`[durations]`, `service`, `time_zone`, and `[recognise]` for formats in the user directory.
"""

import os
import tomllib
from pathlib import Path

from forensics_cli.families.generic import generic_outcome
from forensics_cli.families.spec import UNITS_TO_MS, AuthWhen, LogFamily, Outcome, OutcomeMap, Recogniser
from forensics_cli.normalize import TEXT_FIELDS

# the simple form's fields: the canonical text fields, plus three that the full form spells out
KNOWN_FIELDS = (*TEXT_FIELDS, "outcome", "duration_ms", "duration_s", "service")
_TOP_LEVEL = {
    "name",
    "title",
    "fields",
    "outcomes",
    "auth_when",
    "durations",
    "service",
    "time_zone",
    "recognise",
    "event_names",
}


class FieldMapError(ValueError):
    """The --field-map file cannot be used."""


def _paths(where: str, field: str, value) -> tuple[str, ...]:
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise FieldMapError(f"{where}: {field} must be a path or a list of paths")
    return tuple(paths)


def parse_user_format(mapping: dict, where: str) -> LogFamily:
    """A LogFamily from a decoded TOML document (see the module docstring); FieldMapError when unusable.
    A [chain] table is for `verify` (integrity/hashchain.py), not part of the format."""
    if "chain" in mapping:
        mapping = {key: value for key, value in mapping.items() if key != "chain"}
        if not mapping:
            raise FieldMapError(f"{where}: declares only a [chain]: give it to `apiforensics verify`")
    full_form = bool(set(mapping) & (_TOP_LEVEL - {"service"}))
    simple = dict(mapping.get("fields", {})) if full_form else dict(mapping)
    fields, outcomes, durations, service = {}, [], [], ()
    for field, value in simple.items():
        if field not in KNOWN_FIELDS:
            raise FieldMapError(
                f"{where}: unknown field {field!r} (known: {', '.join(sorted(KNOWN_FIELDS))})"
            )
        paths = _paths(where, field, value)
        if field == "outcome":
            outcomes += [generic_outcome(p) for p in paths]
        elif field in ("duration_ms", "duration_s"):
            durations += [(p, field[-2:].lstrip("_")) for p in paths]
        elif field == "service":
            service = paths
        else:
            fields[field] = paths
    if full_form:
        if "service" in mapping:
            service = _paths(where, "service", mapping["service"])
        try:
            outcomes += [
                OutcomeMap(
                    path=rule["path"],
                    success=tuple(rule.get("success", ())),
                    failure=tuple(rule.get("failure", ())),
                    others=Outcome(rule["others"]) if rule.get("others") else None,
                )
                for rule in mapping.get("outcomes", [])
            ]
            auth_when = tuple(
                AuthWhen(rule["path"], rule.get("regex", ".")) for rule in mapping.get("auth_when", [])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FieldMapError(f"{where}: bad outcomes or auth_when entry ({exc})") from exc
        for path, unit in mapping.get("durations", {}).items():
            if unit not in UNITS_TO_MS:
                raise FieldMapError(
                    f"{where}: duration unit of {path} must be one of {', '.join(UNITS_TO_MS)}"
                )
            durations.append((path, unit))
        recognise = mapping.get("recognise", {})
        recogniser = Recogniser(
            keys=tuple(recognise.get("keys", ())), values=tuple(recognise.get("values", {}).items())
        )
    else:
        auth_when, recogniser = (), Recogniser()
    if not (fields or outcomes or durations or service):
        raise FieldMapError(f"{where}: maps no field")
    return LogFamily(
        name=str(mapping.get("name", "field-map")) if full_form else "field-map",
        title=str(mapping.get("title", where)) if full_form else where,
        recogniser=recogniser,
        fields=fields,
        outcomes=tuple(outcomes),
        auth_when=auth_when,
        event_names=dict(mapping.get("event_names", {})) if full_form else {},
        durations=tuple(durations),
        service=service,
        time_zone=mapping.get("time_zone") if full_form else None,
        source=where,
    )


def load_field_map(path: str | Path | None) -> LogFamily | None:
    """The user format in a --field-map TOML file, None without one."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            mapping = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FieldMapError(f"cannot read field map {path}: {exc}") from exc
    return parse_user_format(mapping, f"field map {path}")


def user_format_dir() -> Path:
    """Where user formats live: $XDG_CONFIG_HOME/apiforensics/formats (~/.config/... by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "apiforensics" / "formats"


def user_format_files(directory: Path | None = None) -> list[Path]:
    """The `*.toml` files of the user format directory, in name order (none when it does not exist)."""
    directory = directory or user_format_dir()
    return sorted(directory.glob("*.toml")) if directory.is_dir() else []


def load_user_formats(directory: Path | None = None) -> list[LogFamily]:
    """Every `*.toml` in the user format directory that has a recogniser (others cannot be told apart)."""
    formats = []
    for path in user_format_files(directory):
        family = load_field_map(path)
        if family.recogniser.keys or family.recogniser.values:
            formats.append(family)
    return formats
