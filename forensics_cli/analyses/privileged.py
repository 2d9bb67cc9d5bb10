"""Privileged and persistence actions: what an intruder does first with an account (`takeover`).

One declarative entry per kind of action. `actions` is a regex (Rust syntax, case-insensitive, whole
value) on the audit action or event name (CloudTrail eventName, Okta eventType, Entra
activityDisplayName, an application's own audit action); `requests` a regex on `METHOD /path` for API
lines that carry no action. Every entry lists names it must flag and near misses it must not
(tests/test_takeover.py). Sources: MITRE ATT&CK T1098 (Account Manipulation), T1136 (Create Account),
T1556.006 (MFA modification), T1528 / T1550.001 (OAuth consent and tokens), T1562.008 (disable cloud
logs); the CloudTrail, Okta and Entra names are the ones Elastic's and Sigma's rules for those
techniques match.
"""

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class PrivilegedAction:
    """One kind of privileged or persistence action."""

    name: str  # shown in the `privileged` column
    actions: str  # regex on the action or event name, matched whole and case-insensitively
    requests: str | None = None  # regex on "METHOD /path" of a request line with no action
    flags: tuple[str, ...] = ()  # examples: action names (or "METHOD /path") that must match
    ignores: tuple[str, ...] = ()  # near misses that must not


_WRITE = r"(POST|PUT|PATCH|DELETE) "

PRIVILEGED_ACTIONS: list[PrivilegedAction] = [
    PrivilegedAction(
        name="privilege_change",
        actions=r"role[_.\- ]?(change|assign|grant|update|add|create)\w*|(Attach|Put)(User|Role|Group)Policy|"
        r"AddUserToGroup|CreatePolicyVersion|SetDefaultPolicyVersion|UpdateAssumeRolePolicy|"
        r"group\.user_membership\.add|user\.account\.privilege\.grant|"
        r"Add (eligible )?member to (role|group)|Add app role assignment.*|permission[_.\- ]?grant\w*",
        requests=_WRITE + r"\S*/(roles?|permissions|admins?|policies)(/\S*)?",
        flags=(
            "role_change",
            "AttachUserPolicy",
            "PutRolePolicy",
            "group.user_membership.add",
            "Add member to role",
            "PUT /api/users/bob/roles",
            "role.created",  # Teleport T9000I
        ),
        ignores=("ListRoles", "GetUserPolicy", "GET /api/users/bob/roles", "role_viewed"),
    ),
    PrivilegedAction(
        name="new_credential",
        actions=r"CreateAccessKey|UpdateAccessKey|CreateLoginProfile|UpdateLoginProfile|UploadSSHPublicKey|"
        r"CreateServiceSpecificCredential|system\.api_token\.create|"
        r"Add service principal credentials|"
        r"(api[_.\- ]?(key|token)|access[_.\- ]?key|personal[_.\- ]?access[_.\- ]?token)"
        r"[_.\- ]?(create|created|issue|issued)",
        requests=_WRITE
        + r"\S*/(api[-_]?keys?|access[-_]keys?|personal[-_]access[-_]tokens|credentials)(/\S*)?",
        flags=("CreateAccessKey", "system.api_token.create", "api_key_created", "POST /api/v1/api-keys"),
        ignores=(
            "ListAccessKeys",
            "POST /oauth/token",
            "GET /api/v1/api-keys",
            "DeleteAccessKey",
            "token_issued",
        ),
    ),
    PrivilegedAction(
        name="mfa_change",
        actions=r"DeactivateMFADevice|DeleteVirtualMFADevice|EnableMFADevice|CreateVirtualMFADevice|"
        r"user\.mfa\.factor\.(deactivate|reset_all|update|activate)|Disable Strong Authentication|"
        r"(User|Admin) (registered|deleted|updated) security info|"
        r"mfa[_.\- ]?(disable|disabled|reset|delete|change)\w*",
        requests=_WRITE + r"\S*/(mfa|factors|2fa|totp)(/\S*)?",
        flags=("DeactivateMFADevice", "user.mfa.factor.deactivate", "User registered security info"),
        ignores=("ListMFADevices", "mfa_challenge_passed"),
    ),
    PrivilegedAction(
        name="oauth_consent",
        actions=r"Consent to application|app\.oauth2\.(as\.)?consent\.grant|Add delegated permission grant|"
        r"Add OAuth2PermissionGrant|oauth[_.\- ]?consent\w*",
        flags=("Consent to application", "app.oauth2.as.consent.grant"),
        ignores=("app.oauth2.as.token.grant",),
    ),
    PrivilegedAction(
        name="new_user",
        actions=r"CreateUser|user\.lifecycle\.create|Add user|Invite external user|"
        r"user[_.\- ]?(create|created)",
        requests=r"POST \S*/users/?",
        flags=("CreateUser", "user.lifecycle.create", "Add user", "POST /api/users"),
        ignores=("GetUser", "POST /api/users/bob/avatar", "user.lifecycle.activate"),
    ),
    PrivilegedAction(
        name="password_change",
        actions=r"ChangePassword|user\.account\.(reset|update)_password|(Reset|Change) (user )?password|"
        r"password[_.\- ]?(change|changed|reset)",
        flags=("ChangePassword", "user.account.reset_password", "Reset user password"),
        ignores=("password_policy_viewed",),
    ),
    PrivilegedAction(
        name="logging_disabled",
        actions=r"StopLogging|DeleteTrail|UpdateTrail|PutEventSelectors|DeleteFlowLogs|"
        r"system\.log_stream\.(deactivate|delete)|"
        r"audit[_.\- ]?(log[_.\- ]?)?(disable|disabled|delete|deleted)",
        flags=("StopLogging", "DeleteTrail", "system.log_stream.deactivate"),
        ignores=("LookupEvents", "StartLogging"),
    ),
]


def _whole(regex: str) -> str:
    return rf"(?i)^(?:{regex})$"


def privileged_expr(rules: list[PrivilegedAction] | None = None) -> pl.Expr:
    """The `privileged` column: the first matching entry's name, or null."""
    rules = PRIVILEGED_ACTIONS if rules is None else rules
    name = pl.coalesce(pl.col("action"), pl.col("event"))
    request = pl.concat_str([pl.col("method"), pl.col("path")], separator=" ")
    chain = None
    for rule in rules:
        hit = name.str.contains(_whole(rule.actions)).fill_null(False)
        if rule.requests:
            hit = hit | (
                pl.col("action").is_null() & request.str.contains(_whole(rule.requests)).fill_null(False)
            )
        chain = (pl.when(hit) if chain is None else chain.when(hit)).then(pl.lit(rule.name))
    return chain.otherwise(pl.lit(None, pl.String)).alias("privileged")
