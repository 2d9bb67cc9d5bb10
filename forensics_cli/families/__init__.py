"""The format registry: every log family apiforensics knows, most specific first (docs/formats.md).

`recognise` picks the family of a file from a sample of its records (plaso's CheckRequiredFormat is the
model), so one family's aliases never leak into another's records.
"""

import re
from collections.abc import Iterable

import orjson

from forensics_cli.families.app_loggers import DOCKER, OTEL, SERILOG
from forensics_cli.families.auth0 import AUTH0, AUTH0_STREAM
from forensics_cli.families.aws_cloudtrail import CLOUDTRAIL, CLOUDTRAIL_LOOKUP
from forensics_cli.families.git_forges import GITHUB, GITLAB
from forensics_cli.families.google import GCP_AUDIT, WORKSPACE_LOGIN
from forensics_cli.families.hashicorp_vault import VAULT
from forensics_cli.families.keycloak import KEYCLOAK_EVENT, KEYCLOAK_LOG
from forensics_cli.families.kubernetes import AKS_AUDIT, K8S_AUDIT
from forensics_cli.families.libraries import GENERIC, LIBRARY_FAMILIES
from forensics_cli.families.microsoft_365 import M365, M365_EXPORT
from forensics_cli.families.microsoft_entra import (
    AZURE_ACTIVITY,
    ENTRA_DIAGNOSTIC,
    ENTRA_GRAPH_AUDIT,
    ENTRA_GRAPH_SIGNIN,
)
from forensics_cli.families.okta import OKTA
from forensics_cli.families.proxies import API_GATEWAY, ENVOY, TRAEFIK
from forensics_cli.families.spec import LogFamily
from forensics_cli.families.teleport import TELEPORT

# Vendor families first (their recognisers are specific), then logging libraries, then the fallback.
FAMILIES: list[LogFamily] = [
    CLOUDTRAIL,
    CLOUDTRAIL_LOOKUP,
    M365_EXPORT,
    M365,
    ENTRA_GRAPH_SIGNIN,
    ENTRA_GRAPH_AUDIT,
    AKS_AUDIT,
    ENTRA_DIAGNOSTIC,
    AZURE_ACTIVITY,
    GCP_AUDIT,
    WORKSPACE_LOGIN,
    OKTA,
    AUTH0_STREAM,
    AUTH0,
    KEYCLOAK_LOG,
    KEYCLOAK_EVENT,
    VAULT,
    TELEPORT,
    GITLAB,
    GITHUB,
    K8S_AUDIT,
    ENVOY,
    TRAEFIK,
    API_GATEWAY,
    SERILOG,
    DOCKER,
    OTEL,
    *LIBRARY_FAMILIES,
    GENERIC,
]
BY_NAME = {family.name: family for family in FAMILIES}


def base_name(name: str) -> str:
    """The registry name a report or a merged family names first: 'okta+field-map' and 'gcp_audit, json'
    -> 'okta', 'gcp_audit' (`LogFamily.over` and FileReport.family write those forms)."""
    return name.split(",")[0].split("+")[0].strip()


_MISSING = object()


def lookup(record, path: str):
    """The value at a dotted path of a decoded record (the literal key "a.b" too; a JSON object held in
    a string is decoded; a digit is a list index); `_MISSING` when absent."""
    for alternative in path.split("|"):
        value = _lookup_one(record, alternative)
        if value is not _MISSING:
            return value
    return _MISSING


def _lookup_one(record, path: str):
    if isinstance(record, dict) and path in record:
        return record[path]
    head, _, rest = path.partition(".")
    if isinstance(record, str) and record.startswith(("{", "[")):
        try:
            record = orjson.loads(record)
        except orjson.JSONDecodeError:
            return _MISSING
    if isinstance(record, dict) and head in record:
        value = record[head]
    elif isinstance(record, list) and head.isdigit() and int(head) < len(record):
        value = record[int(head)]
    else:
        return _MISSING
    return value if not rest else _lookup_one(value, rest)


def matches(family: LogFamily, record: dict) -> bool:
    """Whether one decoded record has everything the family's recogniser asks for."""
    for key in family.recogniser.keys:
        if lookup(record, key) is _MISSING:
            return False
    for path, regex in family.recogniser.values:
        value = lookup(record, path)
        if value is _MISSING or not isinstance(value, str) or not re.search(regex, value):
            return False
    return True


def recognise_all(
    records: Iterable[dict], families: list[LogFamily] | None = None
) -> list[tuple[LogFamily, int]]:
    """(family, records it was the first match for) of a sample of records, most records first (registry
    order on a tie); GENERIC for the records no family matches. Each record counts for one family only:
    the first in registry order that matches it."""
    families = [
        f for f in families or FAMILIES if f is not GENERIC and (f.recogniser.keys or f.recogniser.values)
    ]
    counts: dict[str, int] = {}
    by_name = {f.name: f for f in families} | {GENERIC.name: GENERIC}
    for record in records:
        if not isinstance(record, dict):
            continue
        name = first_match(families, record).name
        counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])  # stable: registry order on a tie
    return [(by_name[name], count) for name, count in ranked] or [(GENERIC, 0)]


def first_match(families: list[LogFamily], record: dict) -> LogFamily:
    """The first family, in the order given, whose recogniser the record satisfies; else GENERIC."""
    return next((family for family in families if matches(family, record)), GENERIC)


def recognise(records: Iterable[dict], families: list[LogFamily] | None = None) -> tuple[LogFamily, int]:
    """(family, records) of the family most of the sampled records belong to."""
    return recognise_all(records, families)[0]
