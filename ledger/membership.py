"""Membership: who may sign on the ledger, with which keys, from when (pure rules).

Parties (enterprise, bank, regulator, operator) are admitted by the operator; each has keys
that are registered, rotated and revoked — every one of these acts is itself a signed entry on
the party's stream ``party:<party_id>``. The very first entry of a ledger is the operator
admitting itself with the key it signs with (the bootstrap, sequence 0).

A party chooses its suite per key: the key's SPKI says P-256 or SM2. An SM2 key may register the
distinguishing ID it signs under (``distinguishing_id``, printable ASCII); without one it signs
under ``1234567812345678``. A command must name its key's suite (``alg``, absent = P-256).

Command types and bodies (public keys are base64url SubjectPublicKeyInfo DER):
- ``party.admit``  {party_id, kind, name, credit_code?, public_key, distinguishing_id?}
                                                       — by an operator
- ``key.register`` {party_id, public_key, distinguishing_id?} — by the party or an operator
- ``key.revoke``   {party_id, key_id, reason}                 — by the party or an operator
- ``key.rotate``   {party_id, public_key, distinguishing_id?, revoke_key_id} — both at once
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ledger.commands import SignedCommand, b64decode
from ledger.credit_code import credit_code_problem
from ledger.errors import InvalidKey, LedgerError
from ledger.keys import canonical_party_key_der, key_id, key_suite
from ledger.suites import P256_SHA256, SM2_SM3, distinguishing_id_problem

PARTY_KINDS = ("enterprise", "bank", "regulator", "operator")
MEMBERSHIP_TYPES = ("party.admit", "key.register", "key.revoke", "key.rotate")


class MembershipError(LedgerError):
    """Raised when a membership command is not allowed; ``code`` says why."""

    code = "MEMBERSHIP_REFUSED"


@dataclass(frozen=True)
class Party:
    party_id: str
    kind: str
    name: str
    credit_code: str | None
    admitted_sequence: int


@dataclass(frozen=True)
class PartyKey:
    key_id: str
    party_id: str
    public_key: bytes
    registered_sequence: int
    revoked_sequence: int | None = None
    alg: str = P256_SHA256
    distinguishing_id: str | None = None  # SM2 only; None signs under the default ID

    def verification_item(self, message: bytes, signature: bytes) -> tuple[bytes, ...]:
        """What ``verify_batch`` takes to check a signature by this key."""
        if self.distinguishing_id is None:
            return (self.public_key, message, signature)
        return (self.public_key, message, signature, self.distinguishing_id.encode())

    def valid_at(self, sequence: int) -> bool:
        """A key signs validly for entries after its registration and before its revocation."""
        registered = self.registered_sequence < sequence
        return registered and (self.revoked_sequence is None or sequence < self.revoked_sequence)


@dataclass(frozen=True)
class MembershipChange:
    """What a membership entry does: at most one new party, new keys, revoked key ids."""

    party: Party | None = None
    new_keys: tuple[PartyKey, ...] = ()
    revoked_key_ids: tuple[str, ...] = ()


def signing_problem(
    command: SignedCommand, sequence: int, keys: Mapping[str, PartyKey]
) -> str | None:
    """Why ``command`` may not be signed with its key at ``sequence`` (``None`` if it may)."""
    key = keys.get(command.key_id)
    if key is None:
        return "KEY_UNKNOWN"
    if key.party_id != command.signer:
        return "KEY_NOT_SIGNERS"
    if key.revoked_sequence is not None and key.revoked_sequence < sequence:
        return "KEY_REVOKED"
    if key.alg != command.alg:
        return "KEY_ALG_MISMATCH"
    return None


def decide_membership(
    command: SignedCommand,
    sequence: int,
    parties: Mapping[str, Party],
    keys: Mapping[str, PartyKey],
) -> MembershipChange:
    """Validate a membership command against current members; return its change or raise."""
    body = command.body
    party_id = _text(body, "party_id")
    if command.stream != f"party:{party_id}":
        raise MembershipError("membership commands go on the party's own stream")
    if command.type == "party.admit":
        return _admit(command, sequence, parties, keys)
    party = parties.get(party_id)
    if party is None:
        raise MembershipError(f"party {party_id} is not admitted", code="PARTY_UNKNOWN")
    _require_self_or_operator(command, parties)
    if command.type == "key.register":
        return MembershipChange(new_keys=(_new_key(body, party_id, sequence, keys),))
    if command.type == "key.revoke":
        return MembershipChange(revoked_key_ids=(_revocable(body, "key_id", party_id, keys),))
    if command.type == "key.rotate":
        old = _revocable(body, "revoke_key_id", party_id, keys)
        return MembershipChange(
            new_keys=(_new_key(body, party_id, sequence, keys),), revoked_key_ids=(old,)
        )
    raise MembershipError(f"unknown membership command {command.type}")


def apply_membership(change: MembershipChange, sequence: int, parties: dict, keys: dict) -> None:
    """Apply a decided change to in-memory views (the service mirrors it in its tables)."""
    if change.party is not None:
        parties[change.party.party_id] = change.party
    for key in change.new_keys:
        keys[key.key_id] = key
    for revoked in change.revoked_key_ids:
        keys[revoked] = replace(keys[revoked], revoked_sequence=sequence)


def _admit(command, sequence, parties, keys) -> MembershipChange:
    body = command.body
    party_id, kind, name = (_text(body, field) for field in ("party_id", "kind", "name"))
    if kind not in PARTY_KINDS:
        raise MembershipError(f"kind must be one of {', '.join(PARTY_KINDS)}")
    if party_id in parties:
        raise MembershipError(f"party {party_id} is already admitted", code="PARTY_EXISTS")
    credit_code = body.get("credit_code")
    if kind == "enterprise" or credit_code is not None:
        problem = credit_code_problem(credit_code)
        if problem:
            raise MembershipError(f"credit code refused: {problem}", code="INVALID_CREDIT_CODE")
    bootstrap = sequence == 0  # the ledger's very first entry, and only that one
    if bootstrap:
        if kind != "operator" or command.signer != party_id:
            raise MembershipError("the first entry must be the operator admitting itself")
    elif parties.get(command.signer) is None or parties[command.signer].kind != "operator":
        raise MembershipError("only the operator admits parties", code="NOT_OPERATOR")
    key = _new_key(body, party_id, sequence, keys)
    if bootstrap and key.key_id != command.key_id:
        raise MembershipError("the operator's bootstrap entry is signed with the key it admits")
    if bootstrap and key.alg != command.alg:
        raise MembershipError("the envelope's alg is not its key's suite", code="KEY_ALG_MISMATCH")
    party = Party(party_id, kind, name, credit_code, sequence)
    return MembershipChange(party=party, new_keys=(key,))


def _require_self_or_operator(command: SignedCommand, parties: Mapping[str, Party]) -> None:
    signer = parties.get(command.signer)
    if command.signer != command.body["party_id"] and (signer is None or signer.kind != "operator"):
        raise MembershipError("only the party itself or the operator manages its keys")


def _new_key(body: dict, party_id: str, sequence: int, keys: Mapping[str, PartyKey]) -> PartyKey:
    try:
        der = canonical_party_key_der(b64decode(_text(body, "public_key")))
    except (InvalidKey, LedgerError) as exc:
        raise MembershipError(f"public key refused: {exc}", code="INVALID_KEY") from None
    new_id = key_id(der)
    if new_id in keys:
        raise MembershipError("this key is already registered", code="KEY_EXISTS")
    alg = key_suite(der)
    distinguishing_id = body.get("distinguishing_id")
    if distinguishing_id is not None:
        problem = distinguishing_id_problem(distinguishing_id)
        if alg != SM2_SM3:
            problem = "only an SM2 key registers a distinguishing ID"
        if problem:
            raise MembershipError(f"distinguishing ID refused: {problem}", code="INVALID_KEY")
    return PartyKey(new_id, party_id, der, sequence, None, alg, distinguishing_id)


def _revocable(body: dict, field: str, party_id: str, keys: Mapping[str, PartyKey]) -> str:
    target = _text(body, field)
    key = keys.get(target)
    if key is None or key.party_id != party_id:
        raise MembershipError("no such key for this party", code="KEY_UNKNOWN")
    if key.revoked_sequence is not None:
        raise MembershipError("key already revoked", code="KEY_REVOKED")
    return target


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise MembershipError(f"body field {field!r} is required", code="INVALID_ENVELOPE")
    return value
