"""Okta System Log (API /api/v1/logs, log streaming, exports).

Source: Okta developer docs, "System Log API: LogEvent object" (published, eventType, outcome.result
SUCCESS/FAILURE/ALLOW/DENY/SKIPPED/UNKNOWN, client.ipAddress, actor.alternateId) and the event types
catalog (user.session.start is a sign-in; user.authentication.* are authentication steps).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, OutcomeMap, Recogniser

OKTA = LogFamily(
    name="okta",
    title="Okta System Log",
    recogniser=Recogniser(keys=("published", "eventType", "actor", "uuid")),
    fields={
        "ts": ("published",),
        "request_id": ("debugContext.debugData.requestId", "transaction.id", "uuid"),
        "event": ("eventType",),
        "ip": ("client.ipAddress", "request.ipChain.0.ip"),
        "user": ("actor.alternateId", "actor.displayName", "actor.id"),
        "user_agent": ("client.userAgent.rawUserAgent",),
        "reason": ("outcome.reason", "displayMessage"),
        "action": ("eventType",),
        "target": ("target.0.alternateId", "target.0.displayName"),
        "level": ("severity",),
        "path": ("debugContext.debugData.requestUri",),
    },
    outcomes=(OutcomeMap("outcome.result", success=("success", "allow"), failure=("failure", "deny")),),
    auth_when=(AuthWhen("eventType", r"^user\.(session\.start|authentication\.)"),),
    source=__doc__,
    examples=(
        Example(
            '{"actor":{"id":"00u1","type":"User","alternateId":"alice@example.com"},"client":{"ipAddress":'
            '"198.51.100.23"},"eventType":"user.session.start","outcome":{"result":"SUCCESS"},'
            '"published":"2026-11-18T10:01:01.000Z","uuid":"3b7e","transaction":{"id":"Zd1"}}',
            {"outcome": "success", "auth": "true", "user": "alice@example.com", "request_id": "Zd1"},
        ),
        Example(
            '{"actor":{"id":"00u1","type":"User","alternateId":"alice@example.com","displayName":"Alice"},'
            '"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0"},"ipAddress":"198.51.100.23"},'
            '"displayMessage":"User login to Okta","eventType":"user.session.start",'
            '"outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},'
            '"published":"2026-11-18T10:00:01.230Z","severity":"WARN","uuid":"2a6d8f4e-c73e-11ee-9d8e-1",'
            '"debugContext":{"debugData":{"requestId":"ZcN8r3QbXk","requestUri":"/api/v1/authn"}},'
            '"transaction":{"type":"WEB","id":"ZcN8r3QbXk"},"target":[]}',
            {
                "ts": "2026-11-18T10:00:01.230000+00:00",
                "request_id": "ZcN8r3QbXk",
                "ip": "198.51.100.23",
                "user": "alice@example.com",
                "outcome": "failure",
                "auth": "true",
                "reason": "INVALID_CREDENTIALS",
                "path": "/api/v1/authn",
            },
        ),
    ),
)
