"""Google Cloud Audit Logs (and GKE audit in the same envelope) and Google Workspace login activity.

Source: Google Cloud docs, "Cloud Audit Logs: AuditLog" (protoPayload.methodName, authenticationInfo.
principalEmail, requestMetadata.callerIp, status.code: a google.rpc.Code, 0/absent for OK) and the Admin
SDK Reports API, "Login audit activity events" (id.time, actor.email, ipAddress, events[].name
login_success / login_failure / login_challenge).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, Outcome, OutcomeMap, Recogniser

GCP_AUDIT = LogFamily(
    name="gcp_audit",
    title="Google Cloud Audit Logs (incl. GKE protoPayload)",
    recogniser=Recogniser(keys=("protoPayload", "logName")),
    fields={
        "ts": ("timestamp", "receiveTimestamp"),
        "request_id": ("protoPayload.requestMetadata.requestAttributes.id", "operation.id", "insertId"),
        "event": ("protoPayload.methodName",),
        "ip": ("protoPayload.requestMetadata.callerIp",),
        "user": (
            "protoPayload.authenticationInfo.principalEmail",
            "protoPayload.authenticationInfo.principalSubject",
        ),
        "user_agent": ("protoPayload.requestMetadata.callerSuppliedUserAgent",),
        "reason": ("protoPayload.status.message",),
        "action": ("protoPayload.methodName",),
        "target": ("protoPayload.resourceName",),
        "level": ("severity",),
    },
    outcomes=(OutcomeMap("protoPayload.status.code", success=("0",), others=Outcome.FAILURE),),
    service=("protoPayload.serviceName",),
    source=__doc__ + " Fixture from log2timeline/plaso test_data.",
    examples=(
        Example(
            '{"insertId":"iv9wx9d16l2","logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity",'
            '"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":'
            '{"principalEmail":"alice@example.com"},"methodName":"google.iam.admin.v1.CreateServiceAccountKey",'
            '"requestMetadata":{"callerIp":"203.0.113.66","callerSuppliedUserAgent":"gcloud/450"},'
            '"resourceName":"projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com","serviceName":'
            '"iam.googleapis.com","status":{"code":7,"message":"PERMISSION_DENIED"}},'
            '"timestamp":"2026-11-18T10:06:00.339377Z","severity":"ERROR"}',
            {
                "ts": "2026-11-18T10:06:00.339377+00:00",
                "user": "alice@example.com",
                "ip": "203.0.113.66",
                "event": "google.iam.admin.v1.CreateServiceAccountKey",
                "outcome": "failure",
                "service": "iam.googleapis.com",
                "request_id": "iv9wx9d16l2",
            },
        ),
    ),
)

WORKSPACE_LOGIN = LogFamily(
    name="google_workspace",
    title="Google Workspace audit activity (Admin SDK Reports API)",
    recogniser=Recogniser(keys=("id.time", "id.applicationName", "events")),
    fields={
        "ts": ("id.time",),
        "request_id": ("id.uniqueQualifier",),
        "event": ("events.0.name",),
        "ip": ("ipAddress",),
        "user": ("actor.email", "actor.profileId"),
        "action": ("events.0.name",),
        "reason": ("events.0.type",),
    },
    outcomes=(OutcomeMap("events.0.name", success=("login_success",), failure=("login_failure",)),),
    auth_when=(AuthWhen("events.0.name", r"^login_(success|failure)$"),),
    service=("id.applicationName",),
    source=__doc__,
    examples=(
        Example(
            '{"kind":"admin#reports#activity","id":{"time":"2026-11-18T10:01:07.000Z","uniqueQualifier":'
            '"-4124","applicationName":"login"},"actor":{"email":"alice@example.com"},"ipAddress":'
            '"203.0.113.66","events":[{"type":"login","name":"login_success"}]}',
            {"outcome": "success", "auth": "true", "user": "alice@example.com"},
        ),
        Example(
            '{"kind":"admin#reports#activity","id":{"time":"2026-11-18T10:00:07.000Z","uniqueQualifier":'
            '"-4123","applicationName":"login","customerId":"C01"},"actor":{"email":"alice@example.com",'
            '"profileId":"1"},"ipAddress":"203.0.113.66","events":[{"type":"login","name":"login_failure",'
            '"parameters":[{"name":"login_type","value":"google_password"}]}]}',
            {
                "ts": "2026-11-18T10:00:07.000000+00:00",
                "user": "alice@example.com",
                "ip": "203.0.113.66",
                "event": "login_failure",
                "outcome": "failure",
                "auth": "true",
                "service": "login",
            },
        ),
    ),
)
