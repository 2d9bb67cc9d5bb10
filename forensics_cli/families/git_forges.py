"""GitLab audit events (audit_json.log) and the GitHub audit log (REST API, streaming, JSON export).

Sources: GitLab docs, "Log system: audit_json.log" (failed logins carry failed_login, `with` names the
method; correlation_id, author_name, ip_address, time); GitHub docs, "Audit log events for your
enterprise/organization" (@timestamp epoch ms, action, actor, actor_ip, request_id, user).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, Outcome, OutcomeMap, Recogniser

GITLAB = LogFamily(
    name="gitlab_audit",
    title="GitLab audit events (audit_json.log)",
    recogniser=Recogniser(keys=("time", "correlation_id", "author_name", "entity_type")),
    fields={
        "ts": ("time", "created_at"),
        "request_id": ("correlation_id",),
        "event": ("event_name", "custom_message", "action"),
        "ip": ("ip_address",),
        "user": ("author_name", "target_details"),
        "reason": ("custom_message",),
        "action": ("event_name", "action"),
        "target": ("target_details", "entity_path"),
        "level": ("severity",),
    },
    outcomes=(OutcomeMap("failed_login", others=Outcome.FAILURE), OutcomeMap("with", others=Outcome.SUCCESS)),
    auth_when=(AuthWhen("failed_login", "."), AuthWhen("with", ".")),
    source=__doc__,
    examples=(
        Example(
            '{"severity":"INFO","time":"2026-11-18T10:01:13Z","correlation_id":"01HF40","author_id":7,'
            '"author_name":"alice","entity_id":7,"entity_type":"User","ip_address":"203.0.113.66",'
            '"with":"standard","target_details":"alice"}',
            {"outcome": "success", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"severity":"INFO","time":"2026-11-18T10:00:13.100Z","correlation_id":"01HF3ZQ9X",'
            '"author_id":-1,"author_name":"alice","entity_id":-1,"entity_type":"User","ip_address":'
            '"203.0.113.66","with":"standard","target_id":-1,"target_type":"User","target_details":"alice",'
            '"failed_login":"STANDARD","entity_path":"alice"}',
            {
                "ts": "2026-11-18T10:00:13.100000+00:00",
                "request_id": "01HF3ZQ9X",
                "ip": "203.0.113.66",
                "user": "alice",
                "outcome": "failure",
                "auth": "true",
            },
        ),
    ),
)

GITHUB = LogFamily(
    name="github_audit",
    title="GitHub audit log",
    recogniser=Recogniser(keys=("@timestamp", "action", "actor", "_document_id")),
    fields={
        "ts": ("@timestamp", "created_at"),
        "request_id": ("request_id", "_document_id"),
        "event": ("action",),
        "ip": ("actor_ip",),
        "user": ("actor", "user"),
        "user_agent": ("user_agent",),
        "action": ("action",),
        "target": ("user", "repo", "org"),
    },
    outcomes=(OutcomeMap("action", success=("user.login",), failure=("user.failed_login",)),),
    auth_when=(AuthWhen("action", r"^user\.(login|failed_login)$"),),
    source=__doc__,
    examples=(
        Example(
            '{"@timestamp":1794999999000,"_document_id":"d-2","action":"user.failed_login","actor":"alice",'
            '"actor_ip":"203.0.113.66","user":"alice"}',
            {"outcome": "failure", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"@timestamp":1795000009000,"_document_id":"d-3","action":"user.login","actor":"alice",'
            '"actor_ip":"203.0.113.66","user":"alice"}',
            {"outcome": "success", "auth": "true", "user": "alice"},
        ),
        Example(
            '{"@timestamp":1795000000000,"_document_id":"d-1","action":"org.add_member","actor":"alice",'
            '"actor_ip":"203.0.113.66","org":"acme","user":"mallory","request_id":"C0DE:1234:ABCD",'
            '"created_at":1795000000000,"operation_type":"create"}',
            {
                "ts": "2026-11-18T11:06:40.000000+00:00",
                "action": "org.add_member",
                "user": "alice",
                "ip": "203.0.113.66",
                "target": "mallory",
                "request_id": "C0DE:1234:ABCD",
            },
        ),
    ),
)
