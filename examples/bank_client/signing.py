"""Signing on the bank's side with the ledger SDK (``import ledger``): the key never leaves it.

A command is the envelope ``{type, stream, expected_version, signer, key_id, nonce, created_at,
body}`` in canonical JSON, signed with ECDSA P-256/SHA-256 (low-S, 64-byte r||s); on the wire
``{"envelope": {...}, "signature": "<base64url>"}`` (docs/asyncapi.yaml, ``SignedCommand``).
A bank whose HSM signs instead produces the same bytes; the SDK is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ledger


@dataclass(frozen=True)
class BankSigner:
    """A bank party admitted by the operator, and its private key."""

    party_id: str
    private_key: object

    @classmethod
    def from_pem_file(cls, party_id: str, path: str | Path) -> BankSigner:
        return cls(party_id, ledger.read_private_key(path))

    def public_key_der(self) -> bytes:
        return ledger.public_key_der(self.private_key)

    def sign(
        self,
        type: str,
        stream: str,
        expected_version: int,
        body: dict,
        *,
        created_at: datetime | None = None,
        nonce: str | None = None,
    ) -> dict:
        """The signed command, ready for ``<service>.submit``. ``created_at`` must lie within
        the ledger's time window (five minutes) of the moment it is appended."""
        command = ledger.sign_command(
            self.private_key,
            type=type,
            stream=stream,
            expected_version=expected_version,
            signer=self.party_id,
            body=body,
            created_at=created_at or datetime.now(UTC),
            nonce=nonce,
        )
        return command.to_wire()
