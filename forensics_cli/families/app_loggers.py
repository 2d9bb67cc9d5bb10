"""Application log envelopes with keys of their own: Serilog CLEF, Docker json-file, OpenTelemetry.

Sources: Serilog docs, "Compact Log Event Format" (@t, @mt, @m, @l absent = Information, @x, @tr;
ASP.NET Core request logging properties RequestPath, StatusCode, Elapsed in ms); Docker docs, "JSON File
logging driver" (log, stream, time; the application's own JSON inside `log` is read with the generic
aliases); OpenTelemetry "Logs data model" and the collector file exporter (resourceLogs / scopeLogs /
logRecords, timeUnixNano): each record of an export line is an event (documents.py), with its
resource's attributes beside it.
"""

from forensics_cli.families.generic import GENERIC_DURATIONS, GENERIC_FIELDS, GENERIC_OUTCOMES
from forensics_cli.families.spec import Example, LogFamily, OutcomeMap, Recogniser

SERILOG = LogFamily(
    name="serilog_clef",
    title="Serilog compact JSON (CLEF)",
    recogniser=Recogniser(keys=("@t", "@mt|@m")),
    fields={
        "ts": ("@t",),
        "request_id": ("RequestId", "@tr", "TraceId", "CorrelationId"),
        "event": ("@mt", "@m"),
        "method": ("RequestMethod",),
        "path": ("RequestPath",),
        "status": ("StatusCode",),
        "ip": ("ClientIp", "RemoteIpAddress", "IpAddress"),
        "user": ("UserName", "User", "Username", "UserId"),
        "reason": ("@x", "Reason"),
        "level": ("@l",),
        "target": ("SourceContext",),
    },
    durations=(("Elapsed", "ms"), ("ElapsedMilliseconds", "ms")),
    source=__doc__,
    examples=(
        Example(
            '{"@t":"2026-11-18T10:00:17.1234567Z","@mt":"HTTP {RequestMethod} {RequestPath} responded '
            '{StatusCode} in {Elapsed:0.0000} ms","@l":"Warning","RequestMethod":"POST","RequestPath":'
            '"/account/login","StatusCode":401,"Elapsed":12.5,"RequestId":"0HMV1:00000001","ClientIp":'
            '"203.0.113.66","SourceContext":"Serilog.AspNetCore.RequestLoggingMiddleware"}',
            {
                "ts": "2026-11-18T10:00:17.123456+00:00",
                "request_id": "0HMV1:00000001",
                "status": "401",
                "path": "/account/login",
                "ip": "203.0.113.66",
                "duration_ms": "12.5",
                "level": "warning",
            },
        ),
    ),
)

DOCKER = LogFamily(
    name="docker_json",
    title="Docker json-file log (application JSON inside `log`)",
    recogniser=Recogniser(keys=("log", "stream", "time")),
    fields={
        **{name: tuple(f"log.{p}" for p in paths) for name, paths in GENERIC_FIELDS.items()},
        "ts": tuple(f"log.{p}" for p in GENERIC_FIELDS["ts"]) + ("time",),
        "event": tuple(f"log.{p}" for p in GENERIC_FIELDS["event"]) + ("log",),
    },
    outcomes=tuple(OutcomeMap(f"log.{m.path}", m.success, m.failure) for m in GENERIC_OUTCOMES),
    durations=tuple((f"log.{p}", unit) for p, unit in GENERIC_DURATIONS),
    source=__doc__,
    examples=(
        Example(
            '{"log":"{\\"time\\":\\"2026-11-18T10:00:18.5Z\\",\\"level\\":\\"warn\\",\\"msg\\":'
            '\\"login failed'
            '\\",\\"request_id\\":\\"d-7\\",\\"client_ip\\":\\"203.0.113.66\\",\\"user\\":\\"alice\\",'
            '\\"status\\":401}\\n","stream":"stdout","time":"2026-11-18T10:00:18.500123456Z"}',
            {
                "ts": "2026-11-18T10:00:18.500000+00:00",
                "request_id": "d-7",
                "ip": "203.0.113.66",
                "user": "alice",
                "status": "401",
            },
        ),
    ),
)

OTEL = LogFamily(
    name="otel_logs",
    title="OpenTelemetry log records (OTLP JSON, collector file exporter)",
    recogniser=Recogniser(keys=("timeUnixNano|observedTimeUnixNano", "otel.scope")),
    fields={
        "ts": ("timeUnixNano", "observedTimeUnixNano"),
        "request_id": ("traceId",),
        "event": ("body.stringValue", "eventName"),
        "level": ("severityText",),
    },
    service=("service.name",),
    source=__doc__ + " Fixture: tests/fixtures/realworld/lnav__logfile_otel_collector.jsonl",
    examples=(
        Example(
            '{"timeUnixNano":"1795000000123456789","severityText":"INFO","body":{"stringValue":"user login"},'
            '"traceId":"5b8efff798038103d269b633813fc60c","service.name":"payments","otel.scope":"app"}',
            {
                "ts": "2026-11-18T11:06:40.123456+00:00",
                "request_id": "5b8efff798038103d269b633813fc60c",
                "event": "user login",
                "level": "info",
                "service": "payments",
            },
        ),
    ),
)
