"""Turn the decoded JSON paths of one chunk into rows of the event schema."""

import polars as pl

from forensics_cli.schema import EVENT_SCHEMA
from forensics_cli.timeparse import parse_timestamps

_BUNYAN_LEVELS = {"10": "trace", "20": "debug", "30": "info", "40": "warn", "50": "error", "60": "fatal"}
_SUCCESS = ["success", "succeeded", "true", "ok", "allow", "allowed", "1"]
_FAILURE = ["failure", "failed", "fail", "false", "deny", "denied", "error", "0"]
_TRACEPARENT = r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$"


def _first_present(decoded: dict[str, pl.Series], paths: list[str]) -> pl.Expr:
    """The first non-empty value among the paths, as a String expression."""
    exprs = [pl.when(pl.col(path) != "").then(pl.col(path)) for path in paths if path in decoded]
    if not exprs:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]


def _first_array_item(expr: pl.Expr) -> pl.Expr:
    """'["10.0.0.1","10.0.0.2"]' -> '10.0.0.1' (k8s sourceIPs, Caddy header lists); scalars unchanged."""
    return (
        pl.when(expr.str.starts_with("["))
        .then(expr.str.extract(r'^\[\s*"?([^",\]]*)', 1).replace("", None))
        .otherwise(expr)
    )


def normalize(
    decoded: dict[str, pl.Series],
    field_paths: dict[str, list[str]],
    base: pl.DataFrame,
    tz: str = "UTC",
) -> pl.DataFrame:
    """Event rows for the decoded lines. `base` has file, line, file_rank and raw per row; `service` is
    the mapped service field (null unless --field-map names one): the loader fills in the rest."""
    frame = pl.DataFrame(decoded) if decoded else pl.DataFrame({"_": [None] * base.height})
    fields = {name: _first_present(decoded, paths) for name, paths in field_paths.items()}
    ts_raw = fields["ts"]
    uri = fields["path"]
    query_in_uri = uri.str.extract(r"\?(.*)$", 1)
    request_id = fields["request_id"]
    status = fields["status"].cast(pl.Float64, strict=False).cast(pl.Int32, strict=False)
    outcome = fields["outcome"].str.to_lowercase()
    level = fields["level"].str.to_lowercase()
    duration = pl.coalesce(
        fields["duration_ms"].cast(pl.Float64, strict=False),
        fields["duration_s"].cast(pl.Float64, strict=False) * 1000,
    )
    columns = [
        ts_raw.alias("_ts_raw"),
        pl.coalesce(request_id.str.extract(_TRACEPARENT, 1), request_id).alias("request_id"),
        fields["event"].alias("event"),
        fields["method"].str.to_uppercase().alias("method"),
        uri.str.replace(r"\?.*$", "").alias("path"),
        pl.coalesce(fields["query"], query_in_uri).alias("query"),
        pl.when(status.is_between(100, 599)).then(status).alias("status"),
        _first_array_item(fields["ip"]).alias("ip"),
        fields["user"].alias("user"),
        _first_array_item(fields["user_agent"]).alias("user_agent"),
        pl.when(outcome.is_in(_SUCCESS))
        .then(pl.lit("success"))
        .when(outcome.is_in(_FAILURE))
        .then(pl.lit("failure"))
        .alias("outcome"),
        fields["reason"].alias("reason"),
        fields["action"].alias("action"),
        fields["target"].alias("target"),
        level.replace(_BUNYAN_LEVELS).alias("level"),
        duration.alias("duration_ms"),
        fields["service"].alias("_service_field"),
    ]
    # with_columns, not select: literals (no wanted key in this chunk) must broadcast to every row
    events = frame.with_columns(columns).select(c.meta.output_name() for c in columns)
    ts, whole_seconds = parse_timestamps(events["_ts_raw"], tz)
    events = events.with_columns(ts.alias("ts"), whole_seconds.alias("ts_whole_seconds"))
    combined = pl.concat([base, events], how="horizontal").with_columns(
        pl.col("_service_field").alias("service")
    )
    return combined.select([pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()])
