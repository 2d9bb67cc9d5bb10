"""Masking and keyed fingerprints: a report must never carry a usable secret."""

import hashlib
import hmac
import os
import re
import secrets as random_secrets
from pathlib import Path

from forensics_cli.secrets.catalog import BY_ID

KEY_ENV = "APIFORENSICS_FINGERPRINT_KEY"


def mask(value: str, rule: str = "") -> str:
    """'ghp_Ab…9z', '411111******1111', '****(12 chars)': enough to recognise, never enough to use."""
    if rule == "card_number":
        digits = re.sub(r"\D", "", value)
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    if rule == "private_key":
        return "-----BEGIN … PRIVATE KEY----- (" + str(len(value)) + " chars)"
    start = _mask_prefix(value, rule)
    if start and len(value) >= len(start) + 12:
        return f"{start}{value[len(start) : len(start) + 2]}…{value[-2:]}"
    if len(value) >= 24:
        return f"{value[:2]}…{value[-2:]} ({len(value)} chars)"
    return f"****({len(value)} chars)"


def _mask_prefix(value: str, rule: str) -> str:
    """The fixed start the rule declares (`mask_prefix` in rules/*.toml) that the value begins with."""
    entry = BY_ID.get(rule)
    return entry.mask_prefix(value) if entry else ""


def mask_in(text: str, hits) -> str:
    """`text` with every found secret (each hit's secret and the forms it is written in) masked."""
    for hit in sorted(hits, key=lambda h: len(h.secret), reverse=True):
        masked = mask(hit.secret, hit.rule)
        for needle in sorted({hit.secret, *hit.needles}, key=len, reverse=True):
            if needle:
                text = text.replace(needle, masked)
    return text


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "apiforensics" / "fingerprint.key"


def fingerprint_key(explicit: str | None = None) -> bytes:
    """--fingerprint-key, else $APIFORENSICS_FINGERPRINT_KEY, else a per-user random key file."""
    if explicit:
        return explicit.encode()
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = default_key_file()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = random_secrets.token_hex(32).encode()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        return key


def fingerprint(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the secret under the user's key: equal secrets group, short ones cannot be guessed."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:16]
