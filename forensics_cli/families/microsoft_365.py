"""Microsoft 365 unified audit log (Management Activity API, Purview search exports).

Source: Microsoft Learn, "Office 365 Management Activity API schema" (CreationTime in UTC without an
offset, Operation, UserId, ClientIP, ResultStatus; UserLoggedIn / UserLoginFailed from Azure AD,
LogonError). Purview CSV/JSON exports hold the record as a JSON string in `AuditData`.
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, OutcomeMap, Recogniser


def _fields(p: str) -> dict[str, tuple[str, ...]]:
    return {
        "ts": (f"{p}CreationTime",),
        "request_id": (f"{p}Id",),
        "event": (f"{p}Operation",),
        "ip": (f"{p}ClientIP", f"{p}ActorIpAddress", f"{p}ClientIPAddress"),
        "user": (f"{p}UserId", f"{p}UserKey"),
        "user_agent": (f"{p}UserAgent",),
        "reason": (f"{p}LogonError", f"{p}ResultStatus"),
        "action": (f"{p}Operation",),
        "target": (f"{p}ObjectId",),
    }


def _outcomes(p: str) -> tuple[OutcomeMap, ...]:
    return (
        OutcomeMap(f"{p}Operation", success=("userloggedin",), failure=("userloginfailed",)),
        OutcomeMap(
            f"{p}ResultStatus",
            success=("succeeded", "success", "true"),
            failure=("failed", "failure", "false"),
        ),
    )


_AUTH = r"^(UserLoggedIn|UserLoginFailed)$"

M365 = LogFamily(
    name="m365_audit",
    title="Microsoft 365 unified audit log",
    recogniser=Recogniser(keys=("CreationTime", "Operation", "RecordType", "Workload")),
    fields=_fields(""),
    outcomes=_outcomes(""),
    auth_when=(AuthWhen("Operation", _AUTH),),
    service=("Workload",),
    time_zone="UTC",
    source=__doc__,
    examples=(
        Example(
            '{"CreationTime":"2026-11-18T10:01:04","Id":"5e9e","Operation":"UserLoggedIn","RecordType":15,'
            '"ResultStatus":"Success","Workload":"AzureActiveDirectory","ClientIP":"[2001:db8::7]:51240",'
            '"UserId":"alice@contoso.com"}',
            {"outcome": "success", "auth": "true", "ip": "2001:db8::7", "user": "alice@contoso.com"},
        ),
        Example(
            '{"CreationTime":"2026-11-18T10:00:04","Id":"4f8d2c1a-1b2c-4d5e-8f90-123456789abc",'
            '"Operation":"UserLoginFailed","OrganizationId":"o-1","RecordType":15,"ResultStatus":"Failed",'
            '"UserKey":"10032001","UserType":0,"Version":1,"Workload":"AzureActiveDirectory",'
            '"ClientIP":"[2001:db8::7]:51234","ObjectId":"00000002-0000-0ff1-ce00-000000000000",'
            '"UserId":"alice@contoso.com","LogonError":"InvalidUserNameOrPassword"}',
            {
                "ts": "2026-11-18T10:00:04.000000+00:00",
                "ip": "2001:db8::7",
                "port": "51234",
                "user": "alice@contoso.com",
                "outcome": "failure",
                "auth": "true",
                "reason": "InvalidUserNameOrPassword",
                "service": "AzureActiveDirectory",
            },
        ),
    ),
)

M365_EXPORT = LogFamily(
    name="m365_audit_export",
    title="Microsoft 365 audit search export (record in AuditData)",
    recogniser=Recogniser(keys=("AuditData", "Operation")),
    fields={**_fields("AuditData."), "event": ("Operation", "AuditData.Operation")},
    outcomes=_outcomes("AuditData."),
    auth_when=(AuthWhen("Operation", _AUTH),),
    service=("AuditData.Workload",),
    time_zone="UTC",
    source=__doc__,
    examples=(
        Example(
            '{"RecordId":"r0","CreationDate":"2026-11-18T10:00:05.0000000Z","RecordType":"AzureActiveDirectory'
            'StsLogon","Operation":"UserLoginFailed","UserId":"alice@contoso.com","AuditData":"{\\"CreationTime'
            '\\":\\"2026-11-18T10:00:05\\",\\"Id\\":\\"a-1\\",\\"Operation\\":\\"UserLoginFailed\\",'
            '\\"Workload\\":\\"AzureActiveDirectory\\",\\"ResultStatus\\":\\"Failed\\",\\"ClientIP\\":'
            '\\"203.0.113.66\\",\\"UserId\\":\\"alice@contoso.com\\",\\"LogonError\\":\\"InvalidPassword\\"}"}',
            {"outcome": "failure", "auth": "true", "ip": "203.0.113.66", "reason": "InvalidPassword"},
        ),
        Example(
            '{"RecordId":"r1","CreationDate":"2026-11-18T10:00:06.0000000Z","RecordType":"AzureActiveDirectory'
            'StsLogon","Operation":"UserLoggedIn","UserId":"alice@contoso.com","AuditData":"{\\"CreationTime'
            '\\":\\"2026-11-18T10:00:06\\",\\"Id\\":\\"a-2\\",\\"Operation\\":\\"UserLoggedIn\\",\\"Workload'
            '\\":\\"AzureActiveDirectory\\",\\"ResultStatus\\":\\"Success\\",\\"ClientIP\\":\\"203.0.113.66'
            '\\",\\"UserId\\":\\"alice@contoso.com\\"}"}',
            {
                "ts": "2026-11-18T10:00:06.000000+00:00",
                "ip": "203.0.113.66",
                "user": "alice@contoso.com",
                "outcome": "success",
                "auth": "true",
                "request_id": "a-2",
            },
        ),
    ),
)
