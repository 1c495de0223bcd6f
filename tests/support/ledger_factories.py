"""Parties that sign commands, for tests of the ledger and the services built on it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger import generate_private_key, public_key_der, sign_command
from ledger.commands import b64encode
from ledger.credit_code import example_credit_code


@dataclass
class Signer:
    party_id: str
    key: object

    def command(self, type: str, stream: str, expected_version: int, body: dict, **fields):
        return sign_command(
            fields.pop("key", self.key),
            type=type,
            stream=stream,
            expected_version=expected_version,
            signer=fields.pop("signer", self.party_id),
            body=body,
            created_at=fields.pop("created_at", datetime.now(UTC)),
            **fields,
        )

    def wire(self, *args, **kwargs) -> dict:
        return self.command(*args, **kwargs).to_wire()

    def public_key_text(self, key=None) -> str:
        return b64encode(public_key_der(key or self.key))


def random_credit_code() -> str:
    return example_credit_code(secrets.randbelow(10**8))


def admission(operator: Signer, kind: str = "enterprise", party_id: str | None = None):
    """The operator's signed admission of a new party, and that party's signer."""
    party_id = party_id or f"{kind}-{secrets.token_hex(5)}"
    party = Signer(party_id, generate_private_key())
    body = {
        "party_id": party_id,
        "kind": kind,
        "name": f"Test {kind} {party_id}",
        "public_key": party.public_key_text(),
    }
    if kind in ("enterprise", "bank"):
        body["credit_code"] = random_credit_code()
    wire = operator.wire("party.admit", f"party:{party_id}", 0, body)
    return wire, party


def stream(prefix: str = "test") -> str:
    return f"{prefix}:{secrets.token_hex(8)}"
