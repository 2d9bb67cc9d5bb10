"""HashiCorp Vault audit device (file, socket, syslog): one `request` and one `response` entry per call.

Source: Vault docs, "Audit devices" and "Audit log format" (time, type request/response, auth.display_name,
auth.metadata.username, request.id, request.path, request.remote_address, error; secrets written as
hmac-sha256:... values). A login is a call to auth/<mount>/login[/<name>].
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, Outcome, OutcomeMap, Recogniser

VAULT = LogFamily(
    name="vault_audit",
    title="HashiCorp Vault audit log",
    recogniser=Recogniser(keys=("time", "type", "request.id", "request.path")),
    fields={
        "ts": ("time",),
        "request_id": ("request.id",),
        "event": ("request.operation",),
        "method": ("request.operation",),
        "path": ("request.path",),
        "ip": ("request.remote_address",),
        "user": ("auth.metadata.username", "auth.display_name", "auth.entity_id"),
        "reason": ("error",),
        "action": ("request.operation",),
        "target": ("request.path",),
    },
    patterns={"user": (("request.path", r"^auth/[^/]+/login/([^/?]+)"),)},
    # a response with an error failed; a response without one succeeded; a request says neither
    outcomes=(OutcomeMap("error", others=Outcome.FAILURE), OutcomeMap("type", success=("response",))),
    auth_when=(AuthWhen("request.path", r"^auth/[^/]+/login(/|$)"),),
    source=__doc__,
    examples=(
        Example(
            '{"time":"2026-11-18T10:01:11Z","type":"response","auth":{"display_name":"userpass-alice",'
            '"metadata":{"username":"alice"},"policies":["default"]},"request":{"id":"7e1b",'
            '"operation":"update","path":"auth/userpass/login/alice","remote_address":"203.0.113.66"},'
            '"response":{"auth":{"client_token":"hmac-sha256:1f2e"}}}',
            {"outcome": "success", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"time":"2026-11-18T10:01:11Z","type":"request","auth":{},"request":{"id":"7e1b",'
            '"operation":"update","path":"auth/userpass/login/alice","remote_address":"203.0.113.66"}}',
            {"outcome": "", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"time":"2026-11-18T10:00:11.514Z","type":"response","auth":{"policies":null},'
            '"request":{"id":"6d0a6f4b-1b2c-3d4e-5f60-718293a4b5c6","operation":"update","mount_type":'
            '"userpass","path":"auth/userpass/login/alice","data":{"password":"hmac-sha256:9a8b"},'
            '"remote_address":"203.0.113.66","remote_port":51234},"response":{},'
            '"error":"invalid username or password"}',
            {
                "ts": "2026-11-18T10:00:11.514000+00:00",
                "request_id": "6d0a6f4b-1b2c-3d4e-5f60-718293a4b5c6",
                "ip": "203.0.113.66",
                "user": "alice",
                "outcome": "failure",
                "auth": "true",
                "path": "auth/userpass/login/alice",
            },
        ),
    ),
)
