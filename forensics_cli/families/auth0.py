"""Auth0 tenant logs (Management API /api/v2/logs, exports, and log streams that wrap a log in `data`).

Source: Auth0 docs, "Log Event Type Codes" (s success login, f/fp/fu failed login, fcoa/scoa
cross-origin authentication, limit_wc/limit_mu blocked, pwd_leak breached password ...) and "Log Event
Schema" (date, type, ip, user_name, user_id, client_name, log_id).
"""

from forensics_cli.families.spec import AuthWhen, Example, LogFamily, OutcomeMap, Recogniser

_SUCCESS = ("s", "scoa", "sepft", "ssa", "seacft", "seccft", "sens")
_FAILURE = (
    "f",
    "fp",
    "fu",
    "fcoa",
    "fepft",
    "fsa",
    "feacft",
    "feccft",
    "fens",
    "limit_wc",
    "limit_mu",
    "pwd_leak",
    "fcpro",
    "fd",
)
NAMES = {
    "s": "login_success",
    "f": "login_failed",
    "fp": "login_failed_incorrect_password",
    "fu": "login_failed_invalid_user",
    "scoa": "cross_origin_auth_success",
    "fcoa": "cross_origin_auth_failed",
    "limit_wc": "account_blocked_login_attempts",
    "limit_mu": "ip_blocked_login_attempts",
    "pwd_leak": "breached_password_login",
    "ssa": "silent_auth_success",
    "fsa": "silent_auth_failed",
}


def _fields(p: str) -> dict[str, tuple[str, ...]]:
    return {
        "ts": (f"{p}date",),
        "request_id": (f"{p}log_id", f"{p}_id"),
        "event": (f"{p}type",),
        "ip": (f"{p}ip",),
        "user": (f"{p}user_name", f"{p}details.username", f"{p}user_id"),
        "user_agent": (f"{p}user_agent",),
        "reason": (f"{p}description",),
        "target": (f"{p}client_name", f"{p}connection"),
    }


AUTH0 = LogFamily(
    name="auth0",
    title="Auth0 tenant logs",
    recogniser=Recogniser(keys=("date", "type", "log_id")),
    fields=_fields(""),
    outcomes=(OutcomeMap("type", success=_SUCCESS, failure=_FAILURE),),
    auth_when=(AuthWhen("type", "^(" + "|".join(_SUCCESS + _FAILURE) + ")$"),),
    event_names=NAMES,
    source=__doc__,
    examples=(
        Example(
            '{"date":"2026-11-18T10:01:08Z","type":"s","description":"Successful login","ip":"203.0.113.66",'
            '"user_name":"alice@example.com","log_id":"90020261118100108"}',
            {"outcome": "success", "auth": "true", "event": "login_success"},
        ),
        Example(
            '{"date":"2026-11-18T10:00:08.392Z","type":"fp","description":"Wrong email or password.",'
            '"connection":"Username-Password-Authentication","client_name":"My App","ip":"203.0.113.66",'
            '"user_agent":"Chrome 120","user_name":"alice@example.com","user_id":"auth0|1",'
            '"log_id":"90020261118100008392000000000000001223372036854775807"}',
            {
                "ts": "2026-11-18T10:00:08.392000+00:00",
                "event": "login_failed_incorrect_password",
                "ip": "203.0.113.66",
                "user": "alice@example.com",
                "outcome": "failure",
                "auth": "true",
                "request_id": "90020261118100008392000000000000001223372036854775807",
            },
        ),
    ),
)

AUTH0_STREAM = LogFamily(
    name="auth0_stream",
    title="Auth0 log stream (log in `data`)",
    recogniser=Recogniser(keys=("log_id", "data.date", "data.type")),
    fields=_fields("data."),
    outcomes=(OutcomeMap("data.type", success=_SUCCESS, failure=_FAILURE),),
    auth_when=(AuthWhen("data.type", "^(" + "|".join(_SUCCESS + _FAILURE) + ")$"),),
    event_names=NAMES,
    source=__doc__,
    examples=(
        Example(
            '{"log_id":"9001","data":{"date":"2026-11-18T10:00:09Z","type":"fu","ip":"203.0.113.66",'
            '"user_name":"alice@example.com","log_id":"9001","description":"Wrong email or password."}}',
            {"outcome": "failure", "auth": "true", "event": "login_failed_invalid_user"},
        ),
        Example(
            '{"log_id":"9002","data":{"date":"2026-11-18T10:00:09Z","type":"s","ip":"203.0.113.66",'
            '"user_name":"alice@example.com","log_id":"9002","client_name":"My App"}}',
            {
                "ts": "2026-11-18T10:00:09.000000+00:00",
                "event": "login_success",
                "user": "alice@example.com",
                "outcome": "success",
                "auth": "true",
                "request_id": "9002",
            },
        ),
    ),
)
