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


def signed_items(count: int, keys: int = 3, suite: str = "ecdsa-p256-sha256") -> list[tuple]:
    """``count`` valid (public_key_der, message, signature) triples from ``keys`` signers."""
    private_keys = [generate_private_key(suite) for _ in range(keys)]
    items = []
    for position in range(count):
        key = private_keys[position % keys]
        command = signed_command(key, body={"n": position})
        items.append((public_key_der(key), command.message, command.signature))
    return items


def mixed_suite_items(count: int, distinguishing_id: bytes = b"BANK-1@example") -> list[tuple]:
    """Valid items of both suites, interleaved: P-256 triples, SM2 triples (default ID) and
    SM2 4-tuples for a key registered with ``distinguishing_id``."""
    p256 = signed_items(count // 3 + 1)
    sm2 = signed_items(count // 3 + 1, suite="sm2-sm3")
    key = generate_private_key("sm2-sm3", distinguishing_id)
    own_id = []
    for position in range(count // 3 + 1):
        command = signed_command(key, body={"n": position})
        own_id.append((public_key_der(key), command.message, command.signature, distinguishing_id))
    return [item for triple in zip(p256, sm2, own_id, strict=True) for item in triple][:count]
