"""CloudTrail's public keys and digest signatures, checked offline.

The keys come from a file the user saved while online: the JSON that `aws cloudtrail list-public-keys`
prints (`{"PublicKeyList": [{"Value", "ValidityStartTime", "ValidityEndTime", "Fingerprint"}]}`).
`Value` is the base64 of the key's DER bytes (PKCS #1, as AWS serves it, or SubjectPublicKeyInfo).
A digest is signed SHA256withRSA (PKCS #1 v1.5) over the string AWS documents in "Custom
implementations of CloudTrail log file integrity validation" (`string_to_sign`).
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

SIGNATURE_ALGORITHM = "SHA256withRSA"


class KeyFileError(ValueError):
    """The --public-keys file cannot be used (exit code 2)."""


@dataclass(frozen=True)
class PublicKey:
    fingerprint: str
    der: bytes
    valid_from: datetime | None
    valid_until: datetime | None


class SignatureCheck(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    NO_KEY = "no_key"  # no key with the digest's fingerprint in the file
    KEY_EXPIRED = "key_expired"  # the key verifies, but was not valid at the digest's end time
    BAD_ALGORITHM = "bad_algorithm"  # a signature algorithm other than SHA256withRSA
    BAD_HEX = "bad_hex"  # the signature given is not hexadecimal


def _time(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    from dateutil import parser

    moment = parser.isoparse(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_public_keys(path: str) -> dict[str, PublicKey]:
    """fingerprint -> key, from the output of `aws cloudtrail list-public-keys` saved as JSON."""
    try:
        with open(path, "rb") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read public keys {path}: {exc}") from exc
    entries = document.get("PublicKeyList") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise KeyFileError(
            f"{path}: no PublicKeyList (save the output of `aws cloudtrail list-public-keys --output json`)"
        )
    keys = {}
    for number, entry in enumerate(entries, 1):
        try:
            fingerprint = str(entry["Fingerprint"]).lower()
            der = base64.b64decode(entry["Value"], validate=True)
            keys[fingerprint] = PublicKey(
                fingerprint, der, _time(entry.get("ValidityStartTime")), _time(entry.get("ValidityEndTime"))
            )
        except (KeyError, TypeError, ValueError, binascii.Error, OverflowError) as exc:
            raise KeyFileError(f"{path}: key {number} is not a CloudTrail public key entry ({exc})") from exc
    return keys


def string_to_sign(
    end_time: str, bucket: str, key: str, digest_sha256: str, previous_signature: str | None
) -> bytes:
    """What CloudTrail signs for a digest: its end time as written, its S3 location, the SHA-256 (hex) of
    its decompressed bytes, and the previous digest's signature ('null' for the first of a chain)."""
    return f"{end_time}\n{bucket}/{key}\n{digest_sha256}\n{previous_signature or 'null'}".encode()


def check_signature(
    signature_hex: str,
    signed: bytes,
    algorithm: str,
    key: PublicKey | None,
    at: datetime | None,
) -> SignatureCheck:
    """Whether `signature_hex` signs `signed` with `key` (SHA256withRSA)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if algorithm != SIGNATURE_ALGORITHM:
        return SignatureCheck.BAD_ALGORITHM
    if key is None:
        return SignatureCheck.NO_KEY
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return SignatureCheck.BAD_HEX
    try:
        public = serialization.load_der_public_key(key.der)
    except ValueError:
        return SignatureCheck.INVALID  # the file's bytes for this fingerprint are no RSA key
    if not isinstance(public, rsa.RSAPublicKey):
        return SignatureCheck.INVALID
    try:
        public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return SignatureCheck.INVALID
    if at and ((key.valid_from and at < key.valid_from) or (key.valid_until and at > key.valid_until)):
        return SignatureCheck.KEY_EXPIRED
    return SignatureCheck.VALID
