"""Teleport audit log (events.log / audit log JSON).

Source: Teleport docs, "Audit events reference" (event user.login with code T1000I success / T1000W
failure, success true/false, error, user, time, addr.remote on some events, method local/oidc/saml).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, OutcomeMap, Recogniser

TELEPORT = LogFamily(
    name="teleport",
    title="Teleport audit log",
    recogniser=Recogniser(keys=("event", "code", "time", "uid")),
    fields={
        "ts": ("time",),
        "request_id": ("uid",),
        "event": ("event",),
        "ip": ("addr.remote", "remote_addr"),
        "user": ("user", "login"),
        "user_agent": ("user_agent",),
        "reason": ("error", "message"),
        "action": ("event",),
        "target": ("server_hostname", "cluster_name"),
    },
    outcomes=(
        OutcomeMap("success", success=("true",), failure=("false",)),
        OutcomeMap("code", success=("t1000i",), failure=("t1000w",)),
    ),
    auth_when=(AuthWhen("event", r"^user\.login$"),),
    source=__doc__,
    examples=(
        Example(
            '{"code":"T1000I","ei":0,"event":"user.login","method":"local","success":true,"time":'
            '"2026-11-18T10:01:12Z","uid":"c4d2","user":"alice"}',
            {"outcome": "success", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"cluster_name":"tele.example.com","code":"T1000W","ei":0,"error":"invalid username, password '
            'or second factor","event":"user.login","method":"local","success":false,"time":'
            '"2026-11-18T10:00:12.345Z","uid":"b3c1e2f0-1111-2222-3333-444455556666","user":"alice",'
            '"user_agent":"Mozilla/5.0"}',
            {
                "ts": "2026-11-18T10:00:12.345000+00:00",
                "event": "user.login",
                "user": "alice",
                "outcome": "failure",
                "auth": "true",
                "request_id": "b3c1e2f0-1111-2222-3333-444455556666",
            },
        ),
    ),
)
