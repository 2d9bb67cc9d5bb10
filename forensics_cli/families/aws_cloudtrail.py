"""AWS CloudTrail: S3-delivered `{"Records": [...]}` files, one record per line (CloudWatch Logs,
Lake exports), and `aws cloudtrail lookup-events` output with the record in a `CloudTrailEvent` string.

Source: AWS CloudTrail User Guide, "CloudTrail record contents" and "AWS console sign-in events"
(ConsoleLogin with responseElements.ConsoleLogin Success/Failure, errorMessage "Failed authentication").
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, Outcome, OutcomeMap, Recogniser


def _trail_fields(prefix: str) -> dict[str, tuple[str, ...]]:
    p = prefix
    return {
        "ts": (f"{p}eventTime",),
        "request_id": (f"{p}requestID", f"{p}eventID"),
        "event": (f"{p}eventName",),
        "ip": (f"{p}sourceIPAddress",),
        "user": (
            f"{p}userIdentity.userName",
            f"{p}userIdentity.sessionContext.sessionIssuer.userName",
            f"{p}userIdentity.arn",
            f"{p}userIdentity.principalId",
            f"{p}userIdentity.invokedBy",
        ),
        "user_agent": (f"{p}userAgent",),
        "reason": (f"{p}errorMessage", f"{p}errorCode"),
        "action": (f"{p}eventName",),
        "target": (
            f"{p}requestParameters.userName",
            f"{p}requestParameters.roleArn",
            f"{p}requestParameters.policyArn",
            f"{p}requestParameters.bucketName",
        ),
    }


def _trail_outcomes(prefix: str) -> tuple[OutcomeMap, ...]:
    return (
        OutcomeMap(f"{prefix}responseElements.ConsoleLogin", success=("success",), failure=("failure",)),
        OutcomeMap(f"{prefix}errorCode", others=Outcome.FAILURE),
    )


CLOUDTRAIL = LogFamily(
    name="aws_cloudtrail",
    title="AWS CloudTrail",
    recogniser=Recogniser(keys=("eventVersion", "eventSource", "eventName", "eventTime")),
    fields=_trail_fields(""),
    outcomes=_trail_outcomes(""),
    auth_when=(AuthWhen("eventName", r"^(ConsoleLogin|CheckMfa)$"),),
    service=("eventSource",),
    source=__doc__,
    examples=(
        Example(
            '{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",'
            '"arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},'
            '"eventTime":"2026-11-18T10:01:00Z","eventSource":"signin.amazonaws.com",'
            '"eventName":"ConsoleLogin","sourceIPAddress":"203.0.113.66","userAgent":"Mozilla/5.0",'
            '"requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},'
            '"additionalEventData":{"MFAUsed":"No"},"eventID":"4a1b","eventType":"AwsConsoleSignIn"}',
            {"outcome": "success", "auth": "true", "user": "alice", "ip": "203.0.113.66"},
        ),
        Example(
            '{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",'
            '"arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},'
            '"eventTime":"2026-11-18T10:00:05Z","eventSource":"signin.amazonaws.com",'
            '"eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.66",'
            '"userAgent":"Mozilla/5.0","errorMessage":"Failed authentication","requestParameters":null,'
            '"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"},'
            '"eventID":"3fcfb7d6-0c2a-4a5e-9f0e-0b3d3f7c1a11","eventType":"AwsConsoleSignIn"}',
            {
                "ts": "2026-11-18T10:00:05.000000+00:00",
                "event": "ConsoleLogin",
                "ip": "203.0.113.66",
                "user": "alice",
                "outcome": "failure",
                "auth": "true",
                "request_id": "3fcfb7d6-0c2a-4a5e-9f0e-0b3d3f7c1a11",
                "service": "signin.amazonaws.com",
                "reason": "Failed authentication",
            },
        ),
        Example(
            '{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","userName":"alice",'
            '"arn":"arn:aws:iam::111122223333:user/alice"},"eventTime":"2026-11-18T10:02:00Z",'
            '"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","sourceIPAddress":"203.0.113.66",'
            '"userAgent":"aws-cli/2.15","requestParameters":{"userName":"backdoor"},'
            '"responseElements":{"accessKey":{"userName":"backdoor","status":"Active"}},'
            '"requestID":"9d1c3b7e-1111-4c2b-8f00-abcdefabcdef","eventID":"e1"}',
            {
                "ts": "2026-11-18T10:02:00.000000+00:00",
                "request_id": "9d1c3b7e-1111-4c2b-8f00-abcdefabcdef",
                "action": "CreateAccessKey",
                "target": "backdoor",
                "auth": "false",
            },
        ),
    ),
)

_inner = _trail_fields("CloudTrailEvent.")
CLOUDTRAIL_LOOKUP = LogFamily(
    name="aws_cloudtrail_lookup",
    title="AWS CloudTrail (aws cloudtrail lookup-events output)",
    recogniser=Recogniser(keys=("EventId", "EventName", "EventTime", "CloudTrailEvent")),
    fields={
        **_inner,
        "ts": _inner["ts"] + ("EventTime",),
        "event": ("EventName",) + _inner["event"],
        "user": ("Username",) + _inner["user"],
    },
    outcomes=_trail_outcomes("CloudTrailEvent."),
    auth_when=(AuthWhen("EventName", r"^(ConsoleLogin|CheckMfa)$"),),
    service=("EventSource",),
    source="AWS CLI reference: cloudtrail lookup-events; fixture from log2timeline/plaso test_data",
    examples=(
        Example(
            '{"EventId": "e-0", "EventName": "ConsoleLogin", "EventTime": "2026-11-18 20:59:00+11:00", '
            '"EventSource": "signin.amazonaws.com", "Username": "alice", "CloudTrailEvent": '
            '"{\\"eventVersion\\":\\"1.08\\",\\"eventTime\\":\\"2026-11-18T09:59:00Z\\",'
            '\\"eventName\\":\\"ConsoleLogin\\",\\"sourceIPAddress\\":\\"198.51.100.4\\",'
            '\\"errorMessage\\":\\"Failed authentication\\",'
            '\\"responseElements\\":{\\"ConsoleLogin\\":\\"Failure\\"},\\"eventID\\":\\"e-0\\"}"}',
            {"outcome": "failure", "auth": "true", "user": "alice", "reason": "Failed authentication"},
        ),
        Example(
            '{"EventId": "e-1", "EventName": "ConsoleLogin", "EventTime": "2026-11-18 21:00:00+11:00", '
            '"EventSource": "signin.amazonaws.com", "Username": "alice", "CloudTrailEvent": '
            '"{\\"eventVersion\\":\\"1.08\\",\\"eventTime\\":\\"2026-11-18T10:00:00Z\\",'
            '\\"eventName\\":\\"ConsoleLogin\\",\\"sourceIPAddress\\":\\"198.51.100.4\\",'
            '\\"responseElements\\":{\\"ConsoleLogin\\":\\"Success\\"},\\"eventID\\":\\"e-1\\"}"}',
            {
                "ts": "2026-11-18T10:00:00.000000+00:00",
                "user": "alice",
                "ip": "198.51.100.4",
                "outcome": "success",
                "auth": "true",
                "request_id": "e-1",
            },
        ),
    ),
)
