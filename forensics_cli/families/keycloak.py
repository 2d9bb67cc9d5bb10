"""Keycloak login events: the jboss-logging event listener in JSON console or ECS output, and the
Admin REST API's event representation (GET /admin/realms/{realm}/events).

Source: Keycloak Server Administration Guide, "Auditing and events" (LOGIN, LOGIN_ERROR with error
invalid_user_credentials / user_not_found, ipAddress, username in details) and the JSON/ECS console
log format (`--log-console-output=json`), where the event is a `key=value, ...` message.
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, OutcomeMap, Recogniser


def _kv(key: str) -> str:
    return rf'\b{key}="?([^",]+)"?'


_MESSAGE_FIELDS = {
    "event": (("message", _kv("type")),),
    "ip": (("message", _kv("ipAddress")),),
    "user": (("message", _kv("username")), ("message", _kv("userId"))),
    "reason": (("message", _kv("error")),),
    "target": (("message", _kv("clientId")),),
}

KEYCLOAK_LOG = LogFamily(
    name="keycloak_log",
    title="Keycloak events (jboss-logging listener, JSON or ECS console)",
    recogniser=Recogniser(values=(("loggerName|log.logger", r"^org\.keycloak\.events"),)),
    fields={
        "ts": ("timestamp", "@timestamp"),
        "level": ("level", "log.level"),
        "request_id": ("mdc.traceId", "trace.id"),
    },
    patterns=_MESSAGE_FIELDS,
    outcomes=(
        OutcomeMap(
            "message", success_pattern=r'\btype="?LOGIN"?(,|\s|$)', failure_pattern=r'\btype="?LOGIN_ERROR\b'
        ),
    ),
    auth_when=(AuthWhen("message", r'\btype="?LOGIN(_ERROR)?"?(,|\s|$)'),),
    source=__doc__,
    examples=(
        Example(
            '{"@timestamp":"2026-11-18T10:01:10.000Z","log.logger":"org.keycloak.events","log.level":"DEBUG",'
            '"message":"type=\\"LOGIN\\", realmId=\\"r1\\", clientId=\\"account-console\\", '
            'userId=\\"u-1\\", ipAddress=\\"203.0.113.66\\", username=\\"alice\\""}',
            {"outcome": "success", "auth": "true", "user": "alice", "event": "LOGIN"},
        ),
        Example(
            '{"timestamp":"2026-11-18T10:00:10.123Z","sequence":8123,"loggerClassName":'
            '"org.jboss.logging.Logger","loggerName":"org.keycloak.events","level":"WARN","message":'
            '"type=\\"LOGIN_ERROR\\", realmId=\\"r1\\", realmName=\\"acme\\", '
            'clientId=\\"account-console\\", '
            'userId=\\"null\\", ipAddress=\\"203.0.113.66\\", error=\\"invalid_user_credentials\\", '
            'auth_method=\\"openid-connect\\", username=\\"alice\\"","threadName":"executor-thread-1"}',
            {
                "ts": "2026-11-18T10:00:10.123000+00:00",
                "event": "LOGIN_ERROR",
                "ip": "203.0.113.66",
                "user": "alice",
                "outcome": "failure",
                "auth": "true",
                "reason": "invalid_user_credentials",
            },
        ),
    ),
)

KEYCLOAK_EVENT = LogFamily(
    name="keycloak_event",
    title="Keycloak event representation (Admin REST API)",
    recogniser=Recogniser(keys=("time", "type", "realmId")),
    fields={
        "ts": ("time",),
        "request_id": ("id", "sessionId"),
        "event": ("type",),
        "ip": ("ipAddress",),
        "user": ("details.username", "userId"),
        "reason": ("error",),
        "target": ("clientId",),
    },
    outcomes=(OutcomeMap("type", success=("login",), failure=("login_error",)),),
    auth_when=(AuthWhen("type", r"^(LOGIN|LOGIN_ERROR)$"),),
    source=__doc__,
    examples=(
        Example(
            '{"id":"e0","time":1794999990000,"type":"LOGIN_ERROR","realmId":"r1","clientId":"web",'
            '"ipAddress":"198.51.100.2","error":"invalid_user_credentials","details":{"username":"bob"}}',
            {"outcome": "failure", "auth": "true", "user": "bob", "reason": "invalid_user_credentials"},
        ),
        Example(
            '{"id":"e1","time":1795000000000,"type":"LOGIN","realmId":"r1","clientId":"web",'
            '"userId":"u-1","sessionId":"s-1","ipAddress":"198.51.100.2","details":{"username":"bob"}}',
            {
                "ts": "2026-11-18T11:06:40.000000+00:00",
                "event": "LOGIN",
                "user": "bob",
                "outcome": "success",
                "auth": "true",
            },
        ),
    ),
)
