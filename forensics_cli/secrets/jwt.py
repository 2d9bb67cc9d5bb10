"""JSON Web Tokens: decode header and claims (no verification) to judge the exposure."""

import base64
from datetime import UTC, datetime

import orjson


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _expiry(exp: float) -> datetime | None:
    """The `exp` claim as a time; None when no calendar holds it (1e20, NaN: a forged or broken token)."""
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def decode(token: str) -> tuple[dict, dict] | None:
    """(header, claims) of a JWT, or None when it is not one."""
    parts = token.split(".")
    if len(parts) not in (2, 3):  # two parts: an unsigned token written without its final dot
        return None
    try:
        header, claims = orjson.loads(_b64(parts[0])), orjson.loads(_b64(parts[1]))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        return None
    return header, claims


def describe(token: str, at: datetime | None) -> tuple[str, str] | None:
    """(severity, detail) of a JWT seen at time `at`; alg=none and tokens still valid then are high."""
    decoded = decode(token)
    if decoded is None:
        return None
    header, claims = decoded
    alg = str(header.get("alg", "?"))
    notes = [f"alg={alg}"]
    for claim in ("sub", "iss"):
        if claim in claims:
            notes.append(f"{claim}={str(claims[claim])[:40]}")
    valid = None
    exp = claims.get("exp")
    expires = _expiry(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    if isinstance(exp, int | float) and expires is None:
        notes.append(f"exp={str(exp)[:24]} (not a valid time)")
    elif expires is not None:
        notes.append("exp=" + expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if at is not None:
            valid = expires > at
            notes.append("valid at log time" if valid else "expired at log time")
    else:
        notes.append("no expiry")
        valid = True
    if alg.lower() == "none":
        notes.append("unsigned (alg=none)")
        return "high", ", ".join(notes)
    # without a log timestamp the token may still be valid: assume the worse
    return ("medium" if valid is False else "high"), ", ".join(notes)
