"""Microsoft Entra ID (Azure AD) sign-in and audit logs, and the Azure activity log.

Two shapes of the same records: diagnostic settings export (`{"records": [...]}` blobs or one record a
line, fields under `properties`, `resultType` "0" for success) and Microsoft Graph exports
(`{"value": [...]}` from /auditLogs/signIns, `status.errorCode` 0 for success).

Source: Microsoft Learn, "Azure Monitor Logs reference: SigninLogs", "signIn resource type" (Graph v1.0),
"directoryAudit resource type", "Azure Activity Log event schema". Entra error codes: any code other
than 0 is a failed or interrupted sign-in (AADSTS50126 invalid credentials, 50053 locked, ...).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, Outcome, OutcomeMap, Recogniser

_SIGNIN_CATEGORIES = (
    r"^(SignInLogs|NonInteractiveUserSignInLogs|ServicePrincipalSignInLogs|ManagedIdentitySignInLogs)$"
)

ENTRA_DIAGNOSTIC = LogFamily(
    name="entra_diagnostic",
    title="Microsoft Entra ID / Azure diagnostic records (SignInLogs, AuditLogs, Administrative)",
    recogniser=Recogniser(keys=("time", "category", "operationName", "resourceId")),
    fields={
        "ts": ("time", "properties.createdDateTime", "properties.activityDateTime"),
        "request_id": ("correlationId", "properties.correlationId", "properties.id"),
        "event": ("operationName", "properties.activityDisplayName"),
        "ip": ("callerIpAddress", "properties.ipAddress", "properties.initiatedBy.user.ipAddress"),
        "user": (
            "properties.userPrincipalName",
            "properties.initiatedBy.user.userPrincipalName",
            "identity",
            "properties.servicePrincipalName",
        ),
        "user_agent": ("properties.userAgent",),
        "reason": ("properties.status.failureReason", "resultDescription", "resultSignature"),
        "action": ("properties.activityDisplayName", "operationName"),
        "target": (
            "properties.appDisplayName",
            "properties.targetResources.0.userPrincipalName",
            "properties.targetResources.0.displayName",
        ),
        "level": ("level",),
    },
    outcomes=(
        # sign-ins: an error code, 0 for success; activity records: Start/Accept/Success/Failure
        OutcomeMap("properties.status.errorCode", success=("0",), others=Outcome.FAILURE),
        OutcomeMap("resultType", success=("0", "success", "succeeded"), failure=("failure", "failed")),
        OutcomeMap("properties.result", success=("success",), failure=("failure", "timeout")),
    ),
    auth_when=(AuthWhen("category", _SIGNIN_CATEGORIES),),
    source=__doc__,
    examples=(
        Example(
            '{"time":"2026-11-18T10:01:02Z","resourceId":"/tenants/1111/providers/Microsoft.aadiam",'
            '"operationName":"Sign-in activity","category":"SignInLogs","resultType":"0",'
            '"callerIpAddress":"203.0.113.66","correlationId":"7c3d","identity":"Alice","properties":'
            '{"userPrincipalName":"alice@contoso.com","ipAddress":"203.0.113.66","status":{"errorCode":0}}}',
            {"outcome": "success", "auth": "true", "user": "alice@contoso.com"},
        ),
        Example(
            '{"time":"2026-11-18T10:00:02.1234567Z","resourceId":"/tenants/1111/providers/Microsoft.aadiam",'
            '"operationName":"Sign-in activity","category":"SignInLogs","resultType":"50126",'
            '"resultSignature":"None","resultDescription":"Invalid username or password.",'
            '"callerIpAddress":"203.0.113.66","correlationId":"6b2c1a7e-aaaa-4bbb-8ccc-1d2e3f4a5b6c",'
            '"identity":"Alice","level":"4","properties":{"id":"sid-1","createdDateTime":'
            '"2026-11-18T10:00:02.1234567+00:00","userPrincipalName":"alice@contoso.com",'
            '"appDisplayName":"Azure Portal","ipAddress":"203.0.113.66","status":{"errorCode":50126,'
            '"failureReason":"Invalid username or password."},"userAgent":"Mozilla/5.0"}}',
            {
                "ts": "2026-11-18T10:00:02.123456+00:00",
                "request_id": "6b2c1a7e-aaaa-4bbb-8ccc-1d2e3f4a5b6c",
                "ip": "203.0.113.66",
                "user": "alice@contoso.com",
                "outcome": "failure",
                "auth": "true",
            },
        ),
    ),
)

ENTRA_GRAPH_SIGNIN = LogFamily(
    name="entra_graph_signin",
    title="Microsoft Entra ID sign-ins (Graph /auditLogs/signIns export)",
    recogniser=Recogniser(keys=("createdDateTime", "userPrincipalName", "status.errorCode")),
    fields={
        "ts": ("createdDateTime",),
        "request_id": ("correlationId", "id"),
        "event": ("clientAppUsed",),
        "ip": ("ipAddress",),
        "user": ("userPrincipalName", "userDisplayName", "userId"),
        "user_agent": ("userAgent",),
        "reason": ("status.failureReason", "status.additionalDetails"),
        "target": ("appDisplayName", "resourceDisplayName"),
    },
    outcomes=(OutcomeMap("status.errorCode", success=("0",), others=Outcome.FAILURE),),
    auth_when=(AuthWhen("createdDateTime", "."),),  # every record of this export is a sign-in
    source=__doc__,
    examples=(
        Example(
            '{"id":"77fb","createdDateTime":"2026-11-18T10:00:01Z","userPrincipalName":"bob@contoso.com",'
            '"ipAddress":"198.51.100.8","correlationId":"e8a0","status":{"errorCode":50126,'
            '"failureReason":"Error validating credentials due to invalid username or password."}}',
            {"outcome": "failure", "auth": "true", "user": "bob@contoso.com", "ip": "198.51.100.8"},
        ),
        Example(
            '{"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-11-18T10:00:03Z",'
            '"userDisplayName":"Bob","userPrincipalName":"bob@contoso.com","appDisplayName":"Graph Explorer",'
            '"ipAddress":"198.51.100.8","clientAppUsed":"Browser","correlationId":"d79f5bee-5860-4832",'
            '"status":{"errorCode":0,"failureReason":"Other.","additionalDetails":null}}',
            {
                "ts": "2026-11-18T10:00:03.000000+00:00",
                "request_id": "d79f5bee-5860-4832",
                "ip": "198.51.100.8",
                "user": "bob@contoso.com",
                "outcome": "success",
                "auth": "true",
            },
        ),
    ),
)

ENTRA_GRAPH_AUDIT = LogFamily(
    name="entra_graph_audit",
    title="Microsoft Entra ID audit log (Graph /auditLogs/directoryAudits export)",
    recogniser=Recogniser(keys=("activityDateTime", "activityDisplayName", "initiatedBy")),
    fields={
        "ts": ("activityDateTime",),
        "request_id": ("correlationId", "id"),
        "event": ("activityDisplayName",),
        "ip": ("initiatedBy.user.ipAddress",),
        "user": ("initiatedBy.user.userPrincipalName", "initiatedBy.app.displayName"),
        "reason": ("resultReason",),
        "action": ("activityDisplayName",),
        "target": ("targetResources.0.userPrincipalName", "targetResources.0.displayName"),
    },
    outcomes=(OutcomeMap("result", success=("success",), failure=("failure", "timeout")),),
    source=__doc__,
    examples=(
        Example(
            '{"id":"Directory_1","category":"RoleManagement","correlationId":"c-9","result":"success",'
            '"resultReason":"","activityDisplayName":"Add member to role","activityDateTime":'
            '"2026-11-18T10:05:00.5Z","initiatedBy":{"user":{"userPrincipalName":"alice@contoso.com",'
            '"ipAddress":"203.0.113.66"}},"targetResources":[{"userPrincipalName":"mallory@contoso.com"}]}',
            {
                "ts": "2026-11-18T10:05:00.500000+00:00",
                "user": "alice@contoso.com",
                "ip": "203.0.113.66",
                "action": "Add member to role",
                "target": "mallory@contoso.com",
                "outcome": "success",
            },
        ),
    ),
)

AZURE_ACTIVITY = LogFamily(
    name="azure_activity",
    title="Azure activity log (Azure Monitor REST / Event Hubs shape)",
    recogniser=Recogniser(keys=("event_timestamp", "operation_name", "caller")),
    fields={
        "ts": ("event_timestamp", "submission_timestamp"),
        "request_id": ("correlation_id", "http_request.client_request_id", "event_data_id"),
        "event": ("operation_name.value", "event_name.value"),
        "ip": ("http_request.client_ip_address",),
        "user": ("caller", "claims.name"),
        "method": ("http_request.method",),
        "action": ("operation_name.value", "authorization.action"),
        "target": ("resource_id",),
        "level": ("level",),
        "reason": ("status.value", "sub_status.value"),
    },
    outcomes=(OutcomeMap("status.value", success=("succeeded",), failure=("failed",)),),
    source="Azure Monitor activity log event schema; fixture from log2timeline/plaso test_data",
    examples=(
        Example(
            '{"caller":"alice@contoso.com","correlation_id":"c0c5","event_timestamp":'
            '"2026-11-18T10:04:54.297853Z","http_request":{"client_ip_address":"1.2.3.4","method":"DELETE"},'
            '"operation_name":{"value":"Microsoft.Compute/disks/delete"},"status":{"value":"Failed"},'
            '"resource_id":"/subscriptions/1/disks/d1","level":"Error"}',
            {
                "ts": "2026-11-18T10:04:54.297853+00:00",
                "request_id": "c0c5",
                "ip": "1.2.3.4",
                "user": "alice@contoso.com",
                "outcome": "failure",
                "method": "DELETE",
            },
        ),
    ),
)
