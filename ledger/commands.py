"""Signed command envelopes: what every state change on the platform is.

An envelope ``{type, stream, expected_version, signer, key_id, nonce, created_at, body}`` is
encoded canonically and signed by the signer's key. The entry id is the hex SHA-256 of the
canonical *unsigned* bytes, so no variant of a signature can give the same command a second id.

An envelope may also carry ``alg``, the signature suite (``ecdsa-p256-sha256`` or ``sm2-sm3``).
Without it the suite is P-256: every envelope written before SM2 existed, and what the portal
signs. ``sign_command`` writes it for SM2 keys only, so P-256 envelopes keep their old shape.
Being inside the signed bytes, it commits the signer to the suite; the ledger refuses an
envelope whose ``alg`` is not its key's suite (``KEY_ALG_MISMATCH``).

On the wire a signed command is ``{"envelope": {...}, "signature": "<base64url r||s>"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger import canonical
from ledger.errors import CanonicalEncodingError, InvalidEnvelope
from ledger.keys import key_id as compute_key_id
from ledger.keys import public_key_der
from ledger.signatures import sign
from ledger.suites import DEFAULT_SUITE, SUITES

ENVELOPE_FIELDS = (
    "type",
    "stream",
    "expected_version",
    "signer",
    "key_id",
    "nonce",
    "created_at",
    "body",
)
OPTIONAL_FIELDS = ("alg",)
_TYPE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_STREAM = re.compile(r"^[a-z][a-z0-9_]{0,31}:[A-Za-z0-9_.\-]{1,96}$")
PARTY_ID = re.compile(r"^[A-Za-z0-9_.\-:]{1,64}$")  # a signer, as every party id
_KEY_ID = re.compile(r"^[0-9a-f]{64}$")
_NONCE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
# RFC 3339, UTC ("Z"), seconds and optionally microseconds: one spelling per instant.
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds, e.g. ``2026-11-22T01:02:03.000004Z``."""
    if moment.tzinfo is None:
        raise InvalidEnvelope("times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse a timestamp in the one accepted spelling; raise ``InvalidEnvelope`` otherwise."""
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        raise InvalidEnvelope(f"not an RFC 3339 UTC timestamp: {text!r}")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEnvelope(f"not a valid date and time: {text!r}") from None


def new_nonce() -> str:
    """A random nonce of 128 bits, base64url without padding."""
    return b64encode(secrets.token_bytes(16))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    """Strict base64url (no padding) decoding; raises ``InvalidEnvelope``."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_\-]*", text):
        raise InvalidEnvelope("not base64url text")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidEnvelope("not base64url text") from None
    if b64encode(raw) != text:
        raise InvalidEnvelope("base64url text is not in canonical form")
    return raw


def validate_envelope(envelope: Any) -> bytes:
    """Check every field's presence and form; return the envelope's canonical bytes."""
    if not isinstance(envelope, dict) or not (
        set(ENVELOPE_FIELDS) <= set(envelope) <= {*ENVELOPE_FIELDS, *OPTIONAL_FIELDS}
    ):
        raise InvalidEnvelope(
            f"an envelope has exactly the fields {', '.join(ENVELOPE_FIELDS)} (and optionally alg)"
        )
    if "alg" in envelope and envelope["alg"] not in SUITES:
        raise InvalidEnvelope(f"envelope field 'alg' is one of {', '.join(SUITES)}")
    checks = (
        ("type", _TYPE),
        ("stream", _STREAM),
        ("signer", PARTY_ID),
        ("key_id", _KEY_ID),
        ("nonce", _NONCE),
    )
    for field, pattern in checks:
        if not isinstance(envelope[field], str) or not pattern.match(envelope[field]):
            raise InvalidEnvelope(f"envelope field {field!r} has the wrong form")
    version = envelope["expected_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise InvalidEnvelope("expected_version must be an integer >= 0")
    parse_time(envelope["created_at"])
    if not isinstance(envelope["body"], dict):
        raise InvalidEnvelope("body must be an object")
    try:
        return canonical.encode(envelope)
    except CanonicalEncodingError as exc:
        raise InvalidEnvelope(str(exc)) from None


@dataclass(frozen=True)
class SignedCommand:
    """A validated envelope with its signature; ``message`` is what was signed."""

    envelope: dict
    signature: bytes
    message: bytes
    entry_id: str

    @classmethod
    def from_parts(cls, envelope: dict, signature: bytes) -> SignedCommand:
        message = validate_envelope(envelope)
        return cls(envelope, signature, message, hashlib.sha256(message).hexdigest())

    @classmethod
    def from_wire(cls, wire: Any) -> SignedCommand:
        """Parse ``{"envelope": ..., "signature": ...}``; raise ``InvalidEnvelope``."""
        if not isinstance(wire, dict) or set(wire) != {"envelope", "signature"}:
            raise InvalidEnvelope('a signed command is {"envelope": ..., "signature": ...}')
        return cls.from_parts(wire["envelope"], b64decode(wire["signature"]))

    def to_wire(self) -> dict:
        return {"envelope": self.envelope, "signature": b64encode(self.signature)}

    # the envelope's fields, read straight from it
    type = property(lambda self: self.envelope["type"])
    stream = property(lambda self: self.envelope["stream"])
    expected_version = property(lambda self: self.envelope["expected_version"])
    signer = property(lambda self: self.envelope["signer"])
    key_id = property(lambda self: self.envelope["key_id"])
    nonce = property(lambda self: self.envelope["nonce"])
    alg = property(lambda self: self.envelope.get("alg", DEFAULT_SUITE))
    created_at = property(lambda self: self.envelope["created_at"])
    body = property(lambda self: self.envelope["body"])


def entry_id(envelope: dict) -> str:
    """Hex SHA-256 of the canonical unsigned envelope."""
    return hashlib.sha256(canonical.encode(envelope)).hexdigest()


def sign_command(
    private_key,
    *,
    type: str,
    stream: str,
    expected_version: int,
    signer: str,
    body: dict,
    created_at: datetime | str,
    nonce: str | None = None,
) -> SignedCommand:
    """Build, validate and sign an envelope with ``private_key`` (P-256 or SM2).

    >>> from datetime import datetime, UTC
    >>> from ledger.keys import generate_private_key
    >>> command = sign_command(generate_private_key(), type="bill.issue",
    ...     stream="bill:100000000000000000000000000001", expected_version=0,
    ...     signer="party-1", body={"amount": 100}, created_at=datetime.now(UTC))
    >>> len(command.entry_id)
    64
    """
    envelope = {
        "type": type,
        "stream": stream,
        "expected_version": expected_version,
        "signer": signer,
        "key_id": compute_key_id(public_key_der(private_key)),
        "nonce": nonce or new_nonce(),
        "created_at": created_at if isinstance(created_at, str) else format_time(created_at),
        "body": body,
    }
    suite = getattr(private_key, "suite", DEFAULT_SUITE)
    if suite != DEFAULT_SUITE:
        envelope["alg"] = suite
    message = validate_envelope(envelope)
    return SignedCommand(
        envelope, sign(private_key, message), message, hashlib.sha256(message).hexdigest()
    )
