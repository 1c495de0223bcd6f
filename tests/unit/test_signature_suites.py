"""Parties choose their suite: envelopes name it, keys register it, the ledger holds them to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger import (
    SM2_SM3,
    InvalidEnvelope,
    SignedCommand,
    generate_private_key,
    public_key_der,
    sign,
    sign_command,
    verify,
)
from ledger.commands import b64encode
from ledger.membership import (
    MembershipError,
    Party,
    apply_membership,
    decide_membership,
    signing_problem,
)

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def command(key, type="bill.issue", stream="bill:100000000000000000000000000001", body=None, **kw):
    return sign_command(
        key,
        type=type,
        stream=stream,
        expected_version=0,
        signer=kw.pop("signer", "bank-1"),
        body=body if body is not None else {"amount_fen": 100},
        created_at=NOW,
        **kw,
    )


def test_an_sm2_signed_envelope_names_its_suite_and_a_p256_one_keeps_its_old_shape():
    sm2_command = command(generate_private_key(SM2_SM3))
    p256_command = command(generate_private_key())
    assert sm2_command.envelope["alg"] == "sm2-sm3" == sm2_command.alg
    assert "alg" not in p256_command.envelope
    assert p256_command.alg == "ecdsa-p256-sha256"


def test_an_envelope_round_trips_with_its_alg_through_the_wire():
    key = generate_private_key(SM2_SM3)
    original = command(key)
    parsed = SignedCommand.from_wire(original.to_wire())
    assert parsed.entry_id == original.entry_id and parsed.alg == SM2_SM3
    assert verify(public_key_der(key), parsed.message, parsed.signature)


@pytest.mark.parametrize("alg", ["sm2", "SM2-SM3", "ecdsa-p384-sha384", 1, None])
def test_an_envelope_naming_an_unknown_suite_is_refused(alg):
    wire = command(generate_private_key(SM2_SM3)).to_wire()
    wire["envelope"]["alg"] = alg
    with pytest.raises(InvalidEnvelope, match="alg"):
        SignedCommand.from_wire(wire)


def test_an_envelope_with_another_extra_field_is_still_refused():
    wire = command(generate_private_key()).to_wire()
    wire["envelope"]["hash"] = "sm3"
    with pytest.raises(InvalidEnvelope):
        SignedCommand.from_wire(wire)


# -- membership: keys register their suite ---------------------------------------------------


class Members:
    """An operator and one admitted bank, as the membership rules see them."""

    def __init__(self):
        self.operator = generate_private_key()
        self.parties: dict[str, Party] = {}
        self.keys = {}
        self.sequence = 0
        self.submit(self.admission("operator", "operator", self.operator), self.operator)

    def admission(self, party_id, kind, key, **body):
        return {"party_id": party_id, "kind": kind, "name": party_id, **body} | {
            "public_key": b64encode(public_key_der(key))
        }

    def submit(self, body, key, type="party.admit", signer="operator"):
        signed = command(
            key, type=type, stream=f"party:{body['party_id']}", body=body, signer=signer
        )
        change = decide_membership(signed, self.sequence, self.parties, self.keys)
        apply_membership(change, self.sequence, self.parties, self.keys)
        self.sequence += 1
        return change


def test_a_bank_registers_an_sm2_key_with_its_distinguishing_id_and_signs_with_it():
    members = Members()
    bank_key = generate_private_key(SM2_SM3, b"BANK-1@example")
    members.submit(members.admission("bank-1", "bank", generate_private_key()), members.operator)
    change = members.submit(
        {
            "party_id": "bank-1",
            "public_key": b64encode(public_key_der(bank_key)),
            "distinguishing_id": "BANK-1@example",
        },
        members.operator,
        type="key.register",
    )
    (key,) = change.new_keys
    assert (key.alg, key.distinguishing_id) == ("sm2-sm3", "BANK-1@example")
    signed = command(bank_key)
    assert signing_problem(signed, members.sequence, members.keys) is None
    assert verify(*key.verification_item(signed.message, signed.signature))
    assert not verify(public_key_der(bank_key), signed.message, signed.signature)  # default ID


def test_a_command_whose_alg_is_not_its_keys_suite_is_refused():
    members = Members()
    forged = command(members.operator, signer="operator")
    forged_envelope = {**forged.envelope, "alg": "sm2-sm3"}
    relabelled = SignedCommand.from_parts(forged_envelope, forged.signature)
    assert signing_problem(relabelled, members.sequence, members.keys) == "KEY_ALG_MISMATCH"


@pytest.mark.parametrize(
    ("key", "identity", "reason"),
    [
        (lambda: generate_private_key(), "BANK-1", "only an SM2 key"),
        (lambda: generate_private_key(SM2_SM3), "", "printable ASCII"),
        (lambda: generate_private_key(SM2_SM3), "has space", "printable ASCII"),
        (lambda: generate_private_key(SM2_SM3), "x" * 65, "printable ASCII"),
        (lambda: generate_private_key(SM2_SM3), "银行", "printable ASCII"),
        (lambda: generate_private_key(SM2_SM3), 1234, "printable ASCII"),
    ],
)
def test_a_distinguishing_id_is_refused_unless_an_sm2_key_registers_a_plain_one(
    key, identity, reason
):
    members = Members()
    with pytest.raises(MembershipError, match=reason) as refused:
        members.submit(
            {
                "party_id": "operator",
                "public_key": b64encode(public_key_der(key())),
                "distinguishing_id": identity,
            },
            members.operator,
            type="key.register",
        )
    assert refused.value.code == "INVALID_KEY"


def test_the_bootstrap_entry_must_name_its_keys_suite():
    operator = generate_private_key(SM2_SM3)
    body = {"party_id": "operator", "kind": "operator", "name": "Operator"} | {
        "public_key": b64encode(public_key_der(operator))
    }
    signed = command(
        operator, type="party.admit", stream="party:operator", body=body, signer="operator"
    )
    assert decide_membership(signed, 0, {}, {}).new_keys[0].alg == SM2_SM3
    relabelled = SignedCommand.from_parts(
        {key: value for key, value in signed.envelope.items() if key != "alg"}, signed.signature
    )
    with pytest.raises(MembershipError) as refused:
        decide_membership(relabelled, 0, {}, {})
    assert refused.value.code == "KEY_ALG_MISMATCH"


# -- the portal keeps P-256 -------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["ecdsa-p256-sha256", SM2_SM3])
def test_the_portal_enrols_p256_keys_only(suite):
    from services.common.errors import ValidationFailed
    from services.gateway.domain.enrolment import PURPOSE, check_enrolment, proof_message

    key = generate_private_key(suite)
    public_key = b64encode(public_key_der(key))
    signed_at = "2026-12-03T08:00:00.000000Z"
    proof = {
        "purpose": PURPOSE,
        "party_id": "ent-1",
        "username": "alice",
        "public_key": public_key,
        "signed_at": signed_at,
    }
    signature = b64encode(sign(key, proof_message("ent-1", "alice", public_key, signed_at)))
    request = {"proof": proof, "signature": signature}
    if suite == SM2_SM3:
        with pytest.raises(ValidationFailed) as refused:
            check_enrolment(request, "ent-1", "alice", NOW)
        assert refused.value.code == "INVALID_KEY"
    else:
        assert check_enrolment(request, "ent-1", "alice", NOW).key_id
