"""Test factories: keys, signed commands and random ids that never collide between tests."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from ledger import generate_private_key, public_key_der, sign_command


def random_id(prefix: str = "t") -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def signed_command(private_key=None, *, stream=None, expected_version=0, body=None, **fields):
    private_key = private_key or generate_private_key()
    return sign_command(
        private_key,
        type=fields.pop("type", "test.recorded"),
        stream=stream or f"test:{secrets.token_hex(8)}",
        expected_version=expected_version,
        signer=fields.pop("signer", random_id("party")),
        body=body if body is not None else {"amount_fen": 100},
        created_at=fields.pop("created_at", datetime.now(UTC)),
        **fields,
    )


def signed_items(count: int, keys: int = 3) -> list[tuple[bytes, bytes, bytes]]:
    """``count`` valid (public_key_der, message, signature) triples from ``keys`` signers."""
    private_keys = [generate_private_key() for _ in range(keys)]
    items = []
    for position in range(count):
        key = private_keys[position % keys]
        command = signed_command(key, body={"n": position})
        items.append((public_key_der(key), command.message, command.signature))
    return items
