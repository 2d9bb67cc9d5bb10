"""Turn the decoded JSON paths of one chunk into rows of the event schema, as its log family declares."""

from dataclasses import dataclass

import polars as pl

from forensics_cli.families.spec import UNITS_TO_MS, LogFamily, OutcomeMap
from forensics_cli.schema import EVENT_SCHEMA
from forensics_cli.timeparse import parse_timestamps

_BUNYAN_LEVELS = {"10": "trace", "20": "debug", "30": "info", "40": "warn", "50": "error", "60": "fatal"}
_TRACEPARENT = r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$"
NULL_TOKENS = ["", "-", "null"]  # how loggers write "no value": never a value (30 Envoy 401s share "-")
_V6_WITH_PORT = r"^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$"
_V4_WITH_PORT = r"^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$"
# canonical string fields taken from paths (and patterns): the rest are derived below
TEXT_FIELDS = (
    "ts",
    "request_id",
    "event",
    "method",
    "path",
    "query",
    "status",
    "ip",
    "forwarded_for",
    "user",
    "user_agent",
    "reason",
    "action",
    "target",
    "level",
    "bytes_sent",
)


def _present(path: str) -> pl.Expr:
    """A path's value, null where the log wrote one of the null tokens."""
    return pl.when(~pl.col(path).is_in(NULL_TOKENS)).then(pl.col(path))


def _first_present(decoded: dict[str, pl.Series], paths, patterns=()) -> pl.Expr:
    """The first non-empty value among the paths, then among the (path, regex) patterns, as String."""
    exprs = [_present(path) for path in paths if path in decoded]
    for path, regex in patterns:
        if path in decoded:
            found = pl.col(path).str.extract(regex, 1)
            exprs.append(pl.when(~found.is_in(NULL_TOKENS)).then(found))
    if not exprs:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]


def _first_array_item(expr: pl.Expr) -> pl.Expr:
    """'["10.0.0.1","10.0.0.2"]' -> '10.0.0.1' (k8s sourceIPs, Caddy header lists); scalars unchanged."""
    return (
        pl.when(expr.str.contains(r'^\[\s*"'))  # not '[2001:db8::1]:443', an address
        .then(expr.str.extract(r'^\[\s*"?([^",\]]*)', 1).replace("", None))
        .otherwise(expr)
    )


def _split_address(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """('203.0.113.5:51234' | '[2001:db8::1]:443' | '2001:db8::1') -> (address, port or null)."""
    text = _first_array_item(expr)
    v6 = text.str.extract_groups(_V6_WITH_PORT)
    v4 = text.str.extract_groups(_V4_WITH_PORT)
    address = pl.coalesce(v6.struct.field("1"), v4.struct.field("1"), text)
    port = pl.coalesce(v6.struct.field("2"), v4.struct.field("2"))
    return address, port.cast(pl.Int32, strict=False)


def _outcome(decoded: dict[str, pl.Series], rules: tuple[OutcomeMap, ...]) -> pl.Expr:
    """The first rule's meaning that applies: 'success', 'failure' or null."""
    exprs = []
    for rule in rules:
        if rule.path not in decoded:
            continue
        raw = _present(rule.path)
        value = raw.str.strip_chars().str.to_lowercase()
        meaning = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
        if rule.success:
            meaning = meaning.when(value.is_in([v.lower() for v in rule.success])).then(pl.lit("success"))
        if rule.failure:
            meaning = meaning.when(value.is_in([v.lower() for v in rule.failure])).then(pl.lit("failure"))
        if rule.failure_pattern:
            meaning = meaning.when(raw.str.contains(rule.failure_pattern)).then(pl.lit("failure"))
        if rule.success_pattern:
            meaning = meaning.when(raw.str.contains(rule.success_pattern)).then(pl.lit("success"))
        if rule.others is not None:
            meaning = meaning.when(raw.is_not_null()).then(pl.lit(rule.others.value))
        exprs.append(meaning)
    if not exprs:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]


def _auth(decoded: dict[str, pl.Series], family: LogFamily) -> pl.Expr:
    """True where the family declares the record an authentication attempt; null if it declares none."""
    exprs = [_present(a.path).str.contains(a.regex) for a in family.auth_when if a.path in decoded]
    if not family.auth_when:
        return pl.lit(None, dtype=pl.Boolean)
    if not exprs:
        return pl.lit(False)
    return pl.any_horizontal(exprs).fill_null(False)


def _duration(decoded: dict[str, pl.Series], family: LogFamily) -> pl.Expr:
    exprs = [
        pl.col(path).cast(pl.Float64, strict=False) * UNITS_TO_MS[unit]
        for path, unit in family.durations
        if path in decoded
    ]
    if not exprs:
        return pl.lit(None, dtype=pl.Float64)
    duration = pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]
    # a duration beyond any real request (1e20 ms) is damage, not a time: it must not break a sum later
    return pl.when(duration.abs() < 1e15).then(duration)


@dataclass
class Normalized:
    """A chunk's events, and the lines whose time was written but could not be read."""

    events: pl.DataFrame
    unreadable_time: pl.DataFrame  # file_rank, line
    paths_present: frozenset = frozenset()  # the JSON paths that had a value in the chunk


def normalize(
    decoded: dict[str, pl.Series],
    family: LogFamily,
    base: pl.DataFrame,
    tz: str = "UTC",
) -> Normalized:
    """Event rows for the decoded lines, read as `family` declares. `base` has file, line, file_rank and
    raw per row; `service` is the family's service field (null where it has none): the loader fills in
    the rest."""
    frame = pl.DataFrame(decoded) if decoded else pl.DataFrame({"_": [None] * base.height})
    fields = {
        name: _first_present(decoded, family.fields.get(name, ()), family.patterns.get(name, ()))
        for name in TEXT_FIELDS
    }
    uri = fields["path"]
    query_in_uri = uri.str.extract(r"\?(.*)$", 1)
    request_id = fields["request_id"]
    status = fields["status"].cast(pl.Float64, strict=False).cast(pl.Int32, strict=False)
    sent = fields["bytes_sent"].cast(pl.Float64, strict=False)
    level = fields["level"].str.to_lowercase()
    event = fields["event"].replace(family.event_names) if family.event_names else fields["event"]
    ip, port = _split_address(fields["ip"])
    columns = [
        fields["ts"].alias("_ts_raw"),
        pl.coalesce(request_id.str.extract(_TRACEPARENT, 1), request_id).alias("request_id"),
        event.alias("event"),
        fields["method"].str.to_uppercase().alias("method"),
        uri.str.replace(r"\?.*$", "").alias("path"),
        pl.coalesce(fields["query"], query_in_uri).alias("query"),
        pl.when(status.is_between(100, 599)).then(status).alias("status"),
        ip.alias("ip"),
        port.alias("port"),
        fields["forwarded_for"].str.strip_chars().alias("forwarded_for"),
        fields["user"].alias("user"),
        _first_array_item(fields["user_agent"]).alias("user_agent"),
        _outcome(decoded, family.outcomes).alias("outcome"),
        _auth(decoded, family).alias("auth"),
        fields["reason"].alias("reason"),
        fields["action"].alias("action"),
        fields["target"].alias("target"),
        level.replace(_BUNYAN_LEVELS).alias("level"),
        _duration(decoded, family).alias("duration_ms"),
        # a count of bytes: whole, not negative, within Int64 (an attacker-written 1e300 is no count)
        pl.when(sent.is_between(0, 2**62) & (sent == sent.floor()))
        .then(sent)
        .cast(pl.Int64)
        .alias("bytes_sent"),
        _first_present(decoded, family.service).alias("_service_field"),
    ]
    # with_columns, not select: literals (no wanted key in this chunk) must broadcast to every row
    events = frame.with_columns(columns).select(c.meta.output_name() for c in columns)
    ts, whole_seconds = parse_timestamps(events["_ts_raw"], family.time_zone or tz)
    events = events.with_columns(ts.alias("ts"), whole_seconds.alias("ts_whole_seconds"))
    combined = pl.concat([base, events], how="horizontal").with_columns(
        pl.col("_service_field").alias("service")
    )
    unreadable = combined.filter(pl.col("_ts_raw").is_not_null() & pl.col("ts").is_null()).select(
        "file_rank", "line"
    )
    return Normalized(
        combined.select([pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()]),
        unreadable,
        frozenset(decoded),
    )
