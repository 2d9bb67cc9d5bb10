"""Logging libraries and servers whose JSON keys vary by application: one alias table (generic.py),
a recogniser each so that `formats detect` can name them."""

from dataclasses import replace

from forensics_cli.families.generic import GENERIC_DURATIONS, GENERIC_FIELDS, GENERIC_OUTCOMES
from forensics_cli.families.spec import Example, LogFamily, Recogniser


def library(name: str, title: str, recogniser: Recogniser, source: str, examples=(), **extra) -> LogFamily:
    """A family that reads the generic alias table, told apart by its recogniser."""
    return LogFamily(
        name=name,
        title=title,
        recogniser=recogniser,
        fields=GENERIC_FIELDS,
        outcomes=GENERIC_OUTCOMES,
        durations=GENERIC_DURATIONS,
        source=source,
        examples=tuple(examples),
        **extra,
    )


SEED = library(
    "seed",
    "Python logging SecurityLogger (this project's seed format)",
    Recogniser(keys=("time", "name", "message.event_type")),
    "the guide this tool grew from; sample_logs/",
    [
        Example(
            '{"time": "2026-11-18 10:23:45,123", "level": "WARNING", "name": "app.security", "message": '
            '{"event_type": "authentication", "request_id": "req-1", "ip": "203.0.113.9", '
            '"user_id": "admin", "success": false, "reason": "bad password", "path": "/api/login"}}',
            {
                "ts": "2026-11-18T10:23:45.123000+00:00",
                "request_id": "req-1",
                "ip": "203.0.113.9",
                "user": "admin",
                "outcome": "failure",
                "event": "authentication",
            },
        )
    ],
)
STRUCTLOG = library(
    "structlog",
    "structlog JSONRenderer",
    Recogniser(keys=("event", "timestamp", "level")),
    "structlog docs: JSONRenderer with TimeStamper(fmt='iso')",
    [
        Example(
            '{"event": "audit_event", "timestamp": "2026-11-16T07:33:29.814Z", "level": "info", '
            '"request_id": "r-9", "action": "role_change", "target": "users/bob", "user": "alice"}',
            {"ts": "2026-11-16T07:33:29.814000+00:00", "action": "role_change", "user": "alice"},
        )
    ],
)
NGINX = library(
    "nginx_json",
    "nginx access log, log_format escape=json",
    Recogniser(keys=("remote_addr", "status")),
    "nginx docs: log_format escape=json with $time_iso8601, $remote_addr, $request_uri",
    [
        Example(
            '{"time_iso8601": "2026-11-19T00:06:19+00:00", "remote_addr": "192.0.2.1", "request_method": '
            '"POST", "request_uri": "/api/login?next=%2F", "status": "401", "request_time": "0.098", '
            '"http_x_request_id": "ae09", "http_x_forwarded_for": "198.51.100.7", '
            '"http_user_agent": "curl/8"}',
            {
                "ts": "2026-11-19T00:06:19.000000+00:00",
                "ip": "192.0.2.1",
                "status": "401",
                "path": "/api/login",
                "query": "next=%2F",
                "request_id": "ae09",
                "forwarded_for": "198.51.100.7",
                "duration_ms": "98.0",
            },
        )
    ],
)
ECS = library(
    "ecs",
    "Elastic Common Schema (ecs-logging libraries)",
    Recogniser(keys=("@timestamp", "ecs.version")),
    "ECS field reference; tests/fixtures/realworld/lnav__logfile_ecs_log.json",
)
CADDY = library(
    "caddy",
    "Caddy access log (zap)",
    Recogniser(keys=("ts", "request"), values=(("logger", r"^http\.log\.access"),)),
    "Caddy docs: log format json (size: response body bytes); "
    "tests/fixtures/realworld/lnav__logfile_caddy_log.1",
)
# Caddy's `size` is the response body; in an arbitrary app log `size` can be anything, so only here
CADDY = replace(
    CADDY,
    fields={**CADDY.fields, "bytes_sent": ("size",) + CADDY.fields["bytes_sent"]},
    examples=(
        Example(
            '{"level":"info","ts":1716723772.6014807,"logger":"http.log.access","msg":"handled request",'
            '"request":{"remote_ip":"10.5.1.1","client_ip":"10.10.10.117","method":"GET","host":"example.net",'
            '"uri":"/files/a.tar.xz","headers":{"User-Agent":["curl/8.5"]}},"bytes_read":0,"duration":0.0021,'
            '"size":3768,"status":200}',
            {"status": "200", "method": "GET", "path": "/files/a.tar.xz", "bytes_sent": "3768"},
        ),
    ),
)
BUNYAN = library(
    "bunyan",
    "node-bunyan",
    Recogniser(keys=("v", "name", "hostname", "pid", "level", "time")),
    "node-bunyan README (core fields); tests/fixtures/realworld/node-bunyan__*",
)
PINO = library(
    "pino",
    "pino",
    Recogniser(keys=("level", "time", "pid", "hostname")),
    "pino docs: default output; tests/fixtures/realworld/lnav__logfile_pino.0",
)
LOGSTASH = library(
    "logstash_logback",
    "logstash-logback-encoder (Java logback)",
    Recogniser(keys=("@timestamp", "@version", "logger_name")),
    "logstash-logback-encoder README: standard fields",
)
ZAP = library(
    "zap",
    "Go zap (production encoder)",
    Recogniser(keys=("level", "ts", "msg")),
    "zap docs: NewProductionEncoderConfig (ts epoch seconds, level, caller, msg)",
)
SLOG = library(
    "slog",
    "Go log/slog JSONHandler",
    Recogniser(keys=("time", "level", "msg")),
    "Go docs: log/slog JSONHandler (time, level, msg)",
)
ZEROLOG = library(
    "zerolog",
    "Go zerolog",
    Recogniser(keys=("time", "level", "message")),
    "zerolog README: default field names (time, level, message)",
)
PYTHON_JSON_LOGGER = library(
    "python_json_logger",
    "python-json-logger",
    Recogniser(keys=("levelname", "message")),
    "python-json-logger docs: JsonFormatter with %(asctime)s %(levelname)s %(message)s",
)
GENERIC = library(
    "json",
    "JSON lines of no known family (generic aliases)",
    Recogniser(),
    "generic aliases (families/generic.py)",
)

LIBRARY_FAMILIES = [
    SEED,
    STRUCTLOG,
    NGINX,
    ECS,
    CADDY,
    BUNYAN,
    PINO,
    LOGSTASH,
    ZAP,
    SLOG,
    ZEROLOG,
    PYTHON_JSON_LOGGER,
]
