"""The aliases logging libraries and hand-written JSON logs use (seed format, structlog, nginx, ECS,
Caddy/zap, bunyan, pino, zerolog, slog, logstash-logback-encoder, python-json-logger).

Libraries let each application choose its keys, so these families share one alias table: it is the
best guess for a log nobody declared. Vendor families (CloudTrail, Okta, ...) never read it.
"""

from forensics_cli.families.spec import OutcomeMap

# Order matters: more specific paths first, generic names last.
GENERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "ts": (
        "message.timestamp",  # seed format: the payload's UTC time, to the microsecond (asctime is local)
        "stageTimestamp",  # Kubernetes audit: when the stage completed
        "@timestamp",  # ECS, logstash-logback-encoder
        "time_iso8601",  # nginx escape=json
        "timestamp",  # structlog
        "time",  # Python logging seed format, bunyan, pino, zerolog, slog
        "ts",  # zap / Caddy
        "time_local",  # nginx (Apache format)
        "datetime",
        "date",
        "asctime",  # python-json-logger
        "timeUnixNano",
    ),
    "request_id": (
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
    ),
    "event": ("message.event_type", "message.event", "event_type", "event.action", "event", "msg", "message"),
    "method": (
        "message.method",
        "method",
        "request_method",
        "http.request.method",
        "req.method",
        "request.method",
    ),
    "path": (
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
    ),
    "query": ("message.query", "query", "query_string", "args", "url.query"),
    "status": (
        "message.status",
        "message.status_code",
        "status",
        "status_code",
        "http.response.status_code",
        "responseStatus.code",
        "res.statusCode",
        "response.status",
    ),
    "ip": (
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
    ),
    "forwarded_for": (
        "http_x_forwarded_for",
        "x_forwarded_for",
        "request.headers.X-Forwarded-For",
        "http_true_client_ip",
        "request.headers.True-Client-IP",
    ),
    "user": (
        "message.user_id",
        "message.username",
        "message.user",
        "user.name",
        "user.username",
        "user",
        "user_id",
        "username",
        "usr.name",
    ),
    "user_agent": (
        "message.user_agent",
        "user_agent.original",
        "user_agent",
        "http_user_agent",
        "userAgent",
        "request.headers.User-Agent",
    ),
    "reason": (
        "message.reason",
        "reason",
        "error.message",
        "error",
        "responseStatus.reason",
        "message.detail",
        "detail",
    ),
    "action": ("message.action", "action", "event.action", "verb"),
    "target": ("message.target", "target", "objectRef.name", "objectRef.resource"),
    "level": ("level", "log.level", "levelname", "severity", "severityText"),
    # nginx $body_bytes_sent / $bytes_sent, ECS http.response.body.bytes, pino-http res.size (Caddy's
    # `size`: its own family, libraries.py)
    "bytes_sent": (
        "message.bytes_sent",
        "body_bytes_sent",
        "bytes_sent",
        "http.response.body.bytes",
        "http.response.bytes",
        "response_size",
        "res.size",
    ),
}

# Words that mean success or failure in a generic outcome field (seed `success`, ECS event.outcome)
GENERIC_SUCCESS = ("success", "succeeded", "true", "ok", "allow", "allowed", "1")
GENERIC_FAILURE = ("failure", "failed", "fail", "false", "deny", "denied", "error", "0")
GENERIC_OUTCOME_PATHS = ("event.outcome", "message.success", "success", "outcome")


def generic_outcome(path: str) -> OutcomeMap:
    """An outcome field whose values are the usual words (true/false, success/failure, ...)."""
    return OutcomeMap(path, success=GENERIC_SUCCESS, failure=GENERIC_FAILURE)


GENERIC_OUTCOMES = tuple(generic_outcome(p) for p in GENERIC_OUTCOME_PATHS)
# nginx request_time and Caddy duration are seconds; the seed format writes duration_ms
GENERIC_DURATIONS = (
    ("message.duration_ms", "ms"),
    ("duration_ms", "ms"),
    ("request_time_ms", "ms"),
    ("request_time", "s"),
    ("duration", "s"),
)
