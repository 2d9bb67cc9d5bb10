"""Where each canonical field lives in the log formats apiforensics knows without configuration.

Each canonical field has an ordered list of JSON paths (dotted for nested objects); the first
non-empty one wins. A `--field-map` TOML file puts the user's paths in front of these.
"""

import tomllib
from pathlib import Path

# Order matters: more specific paths first, generic names last.
FIELD_PATHS: dict[str, list[str]] = {
    "ts": [
        "stageTimestamp",  # Kubernetes audit: when the stage completed
        "@timestamp",  # ECS
        "time_iso8601",  # nginx escape=json
        "timestamp",  # structlog
        "time",  # Python logging seed format, bunyan, pino
        "ts",  # zap / Caddy
        "time_local",  # nginx (Apache format)
        "datetime",
        "date",
        "asctime",
        "timeUnixNano",
    ],
    "request_id": [
        "message.request_id",
        "message.requestId",
        "request_id",
        "requestId",
        "request-id",
        "x_request_id",
        "http_x_request_id",
        "correlation_id",
        "correlationId",
        "req_id",
        "auditID",
        "trace.id",
        "trace_id",
        "traceId",
        "http_traceparent",
        "traceparent",
    ],
    "event": [
        "message.event_type",
        "message.event",
        "event_type",
        "event.action",
        "event",
        "msg",
        "message",
    ],
    "method": [
        "message.method",
        "method",
        "request_method",
        "http.request.method",
        "req.method",
        "request.method",
    ],
    "path": [
        "message.path",
        "path",
        "url.path",
        "request_uri",
        "requestURI",
        "uri",
        "url.original",
        "req.url",
        "request.uri",
        "url",
    ],
    "query": ["message.query", "query", "query_string", "args", "url.query"],
    "status": [
        "message.status",
        "message.status_code",
        "status",
        "status_code",
        "http.response.status_code",
        "responseStatus.code",
        "res.statusCode",
        "response.status",
    ],
    "ip": [
        "message.ip",
        "ip",
        "client_ip",
        "remote_addr",
        "src_ip",
        "source.ip",
        "client.ip",
        "sourceIPs",
        "remoteAddress",
        "request.client_ip",
        "request.remote_ip",
    ],
    "user": [
        "message.user_id",
        "message.username",
        "message.user",
        "user.name",
        "user.username",
        "user",
        "user_id",
        "username",
        "usr.name",
    ],
    "user_agent": [
        "message.user_agent",
        "user_agent.original",
        "user_agent",
        "http_user_agent",
        "userAgent",
        "request.headers.User-Agent",
    ],
    "outcome": ["event.outcome", "message.success", "success", "outcome"],
    "reason": [
        "message.reason",
        "reason",
        "error.message",
        "error",
        "responseStatus.reason",
        "message.detail",
        "detail",
    ],
    "action": ["message.action", "action", "event.action", "verb"],
    "target": ["message.target", "target", "objectRef.name", "objectRef.resource"],
    "level": ["level", "log.level", "levelname", "severity", "severityText"],
    "duration_ms": ["message.duration_ms", "duration_ms", "request_time_ms"],
    "duration_s": ["request_time", "duration"],
    "service": [],  # empty by default: the service comes from the directory or file name
}


class FieldMapError(ValueError):
    """The --field-map file cannot be used."""


def load_field_map(path: str | Path | None) -> dict[str, list[str]]:
    """FIELD_PATHS with the user's TOML mapping in front: `user = "actor.login"` or a list of paths."""
    paths = {field: list(aliases) for field, aliases in FIELD_PATHS.items()}
    if path is None:
        return paths
    try:
        with open(path, "rb") as handle:
            mapping = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FieldMapError(f"cannot read field map {path}: {exc}") from exc
    mapping = mapping.get("fields", mapping)
    for field, value in mapping.items():
        if field not in paths:
            known = ", ".join(sorted(paths))
            raise FieldMapError(f"field map {path}: unknown field {field!r} (known: {known})")
        user_paths = [value] if isinstance(value, str) else value
        if not isinstance(user_paths, list) or not all(isinstance(p, str) and p for p in user_paths):
            raise FieldMapError(f"field map {path}: {field} must be a path or a list of paths")
        paths[field] = user_paths + [p for p in paths[field] if p not in user_paths]
    return paths
