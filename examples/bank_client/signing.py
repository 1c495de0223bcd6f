"""Signing on the bank's side with the ledger SDK (``import ledger``): the key never leaves it.

A command is the envelope ``{type, stream, expected_version, signer, key_id, nonce, created_at,
body}`` in canonical JSON, signed with the bank's key as 64 bytes r||s; on the wire
``{"envelope": {...}, "signature": "<base64url>"}`` (docs/asyncapi.yaml, ``SignedCommand``).
The bank chooses its suite: ECDSA P-256/SHA-256 (low-S), or SM2 with SM3 (国密, GB/T 32918.2),
whose envelopes add ``"alg": "sm2-sm3"`` and which sign under the distinguishing ID registered
with the key (``1234567812345678`` unless the bank registered another). A bank whose HSM or UKey
signs instead produces the same bytes; the SDK is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ledger
from ledger.commands import b64encode


@dataclass(frozen=True)
class BankSigner:
    """A bank party admitted by the operator, and its private key."""

    party_id: str
    private_key: object

    @classmethod
    def generate(
        cls, party_id: str, suite: str = "ecdsa-p256-sha256", distinguishing_id: bytes | None = None
    ) -> BankSigner:
        """A new key of ``suite`` (``"sm2-sm3"`` for SM2, with an optional distinguishing ID)."""
        return cls(party_id, ledger.generate_private_key(suite, distinguishing_id))

    @classmethod
    def from_pem_file(
        cls, party_id: str, path: str | Path, distinguishing_id: bytes | None = None
    ) -> BankSigner:
        """The key in a PKCS#8 PEM file (P-256 or SM2; an SM2 key signs under
        ``distinguishing_id``, which must be the one registered with it)."""
        return cls(party_id, ledger.read_private_key(path, distinguishing_id=distinguishing_id))

    @property
    def suite(self) -> str:
        return getattr(self.private_key, "suite", "ecdsa-p256-sha256")

    @property
    def distinguishing_id(self) -> str | None:
        """The SM2 distinguishing ID to register with the key (``None``: the default)."""
        identity = getattr(self.private_key, "distinguishing_id", None)
        return None if identity in (None, ledger.DEFAULT_DISTINGUISHING_ID) else identity.decode()

    def public_key_der(self) -> bytes:
        return ledger.public_key_der(self.private_key)

    def key_id(self) -> str:
        return ledger.key_id(self.public_key_der())

    def key_body(self) -> dict:
        """The ``public_key`` (and ``distinguishing_id``) fields that register this key."""
        body = {"public_key": b64encode(self.public_key_der())}
        if self.distinguishing_id is not None:
            body["distinguishing_id"] = self.distinguishing_id
        return body

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
