"""Browser key enrolment: a signed-in user asks to have its browser's public key registered for
its party, and proves it holds the private key. Pure rules, no I/O.

The browser signs, with the key it enrols, the canonical JSON of the proof::

    {"purpose": "billchain key enrolment", "party_id": "ent-123", "username": "alice",
     "public_key": "<SPKI DER, base64url>", "signed_at": "2031-03-03T02:00:00.000000Z"}

Naming the party and the user binds the proof to the session that sends it; ``signed_at``
within the ledger's window of the platform clock keeps an old proof from being replayed.
Registering the key is still the operator's ``key.register`` (docs/decisions/0007).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger import canonical_encode, key_id, verify
from ledger.commands import b64decode, b64encode, format_time, parse_time
from ledger.errors import LedgerError
from ledger.keys import canonical_public_key_der
from services.common.errors import ValidationFailed
from services.gateway.errors import EnrolmentProofInvalid, NotYourParty

PURPOSE = "billchain key enrolment"
PROOF_FIELDS = {"purpose", "party_id", "username", "public_key", "signed_at"}
WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Enrolment:
    party_id: str
    username: str
    public_key: str  # canonical SPKI DER, base64url
    key_id: str
    signed_at: str
    signature: str


def proof_message(party_id: str, username: str, public_key: str, signed_at: str) -> bytes:
    """The bytes the browser signs (what ``enrolment_proof`` in the tests signs too)."""
    proof = {
        "purpose": PURPOSE,
        "party_id": party_id,
        "username": username,
        "public_key": public_key,
        "signed_at": signed_at,
    }
    return canonical_encode(proof)


def check_enrolment(request: object, party_id: str, username: str, now: datetime) -> Enrolment:
    """The enrolment a session asks for, once its proof holds; raises a refusal with a code:
    ``VALIDATION_FAILED`` (shape), ``PARTY_MISMATCH`` (another party or user),
    ``INVALID_KEY``, ``OUTSIDE_TIME_WINDOW``, ``ENROLMENT_PROOF_INVALID`` (signature)."""
    proof, signature = _parts(request)
    if proof["party_id"] != party_id or proof["username"] != username:
        raise NotYourParty(
            "a key is enrolled for your own party and user only",
            {"party_id": str(proof["party_id"])[:64], "username": str(proof["username"])[:64]},
        )
    if proof["purpose"] != PURPOSE:
        raise EnrolmentProofInvalid(f"proof.purpose must be {PURPOSE!r}")
    der = _public_key(proof["public_key"])
    _require_recent(proof["signed_at"], now)
    message = proof_message(party_id, username, proof["public_key"], proof["signed_at"])
    if not verify(der, message, _signature(signature)):
        raise EnrolmentProofInvalid("the proof is not signed by the key being enrolled")
    return Enrolment(party_id, username, b64encode(der), key_id(der), proof["signed_at"], signature)


def _parts(request: object) -> tuple[dict, str]:
    if not isinstance(request, dict) or set(request) != {"proof", "signature"}:
        raise ValidationFailed('an enrolment is {"proof": {...}, "signature": "..."}')
    proof, signature = request["proof"], request["signature"]
    if not isinstance(proof, dict) or set(proof) != PROOF_FIELDS:
        raise ValidationFailed(f"proof has exactly the fields {', '.join(sorted(PROOF_FIELDS))}")
    if not all(isinstance(proof[name], str) and len(proof[name]) <= 512 for name in proof):
        raise ValidationFailed("every proof field is a string of at most 512 characters")
    if not isinstance(signature, str) or len(signature) > 128:
        raise ValidationFailed("signature is base64url text")
    return proof, signature


def _public_key(text: str) -> bytes:
    """The portal enrols P-256 keys only: the browser holds them in WebCrypto, non-extractable,
    and WebCrypto has no SM2 (docs/decisions/0023 §4). SM2 keys are a bank's, registered on
    the ledger directly."""
    try:
        return canonical_public_key_der(b64decode(text))
    except LedgerError:
        raise ValidationFailed("public_key is not a P-256 SPKI key", code="INVALID_KEY") from None


def _require_recent(signed_at: str, now: datetime) -> None:
    try:
        moment = parse_time(signed_at)
    except LedgerError:
        raise ValidationFailed("signed_at is an RFC 3339 UTC timestamp") from None
    if abs(moment - now) > WINDOW:
        raise ValidationFailed(
            "the proof was not signed within five minutes of the platform clock",
            {"server_time": format_time(now)},
            code="OUTSIDE_TIME_WINDOW",
        )


def _signature(text: str) -> bytes:
    try:
        return b64decode(text)
    except LedgerError:
        raise EnrolmentProofInvalid("signature is not base64url") from None
