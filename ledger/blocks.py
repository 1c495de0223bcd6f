"""Block headers: the ledger's sealed, hash-chained batches of entries.

A block seals every entry up to ``tree_size``. Its header names its height, the hash of the
previous header (32 zero bytes for the first), the tree size and root after the block, and the
ledger time of sealing; the ledger key signs the header's canonical bytes. Chaining headers
means that rewriting any sealed block breaks every later one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from ledger import canonical
from ledger.commands import b64decode, b64encode, parse_time
from ledger.signatures import sign, verify

GENESIS_PREVIOUS_HASH = bytes(32)


@dataclass(frozen=True)
class BlockHeader:
    height: int
    previous_hash: bytes
    tree_size: int
    root_hash: bytes
    sealed_at: str  # RFC 3339 UTC ledger time

    def to_dict(self) -> dict:
        return {
            "height": self.height,
            "previous_hash": self.previous_hash.hex(),
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "sealed_at": self.sealed_at,
        }

    @classmethod
    def from_dict(cls, header: dict) -> BlockHeader:
        parse_time(header["sealed_at"])
        return cls(
            int(header["height"]),
            bytes.fromhex(header["previous_hash"]),
            int(header["tree_size"]),
            bytes.fromhex(header["root_hash"]),
            header["sealed_at"],
        )

    def canonical_bytes(self) -> bytes:
        return canonical.encode(self.to_dict())

    def hash(self) -> bytes:
        return hashlib.sha256(self.canonical_bytes()).digest()


@dataclass(frozen=True)
class SealedBlock:
    header: BlockHeader
    signature: bytes

    def to_dict(self) -> dict:
        return {"header": self.header.to_dict(), "signature": b64encode(self.signature)}

    @classmethod
    def from_dict(cls, block: dict) -> SealedBlock:
        return cls(BlockHeader.from_dict(block["header"]), b64decode(block["signature"]))


def seal_block(header: BlockHeader, ledger_key: ec.EllipticCurvePrivateKey) -> SealedBlock:
    return SealedBlock(header, sign(ledger_key, header.canonical_bytes()))


def next_header(previous: SealedBlock | None, tree_size: int, root_hash: bytes, sealed_at: str):
    """The header that follows ``previous`` (or the first header when there is none)."""
    if previous is None:
        return BlockHeader(0, GENESIS_PREVIOUS_HASH, tree_size, root_hash, sealed_at)
    return BlockHeader(
        previous.header.height + 1, previous.header.hash(), tree_size, root_hash, sealed_at
    )


def chain_problem(blocks: list[SealedBlock], ledger_public_key_der: bytes) -> str | None:
    """``None`` when the blocks form a valid signed chain from height 0, else what is wrong."""
    previous = None
    for block in blocks:
        header = block.header
        expected_previous = previous.header.hash() if previous else GENESIS_PREVIOUS_HASH
        expected_height = previous.header.height + 1 if previous else 0
        if header.height != expected_height:
            return f"block {header.height}: expected height {expected_height}"
        if header.previous_hash != expected_previous:
            return (
                f"block {header.height}: previous hash does not match block {expected_height - 1}"
            )
        if previous and header.tree_size < previous.header.tree_size:
            return f"block {header.height}: tree size went backwards"
        if previous and header.sealed_at < previous.header.sealed_at:
            return f"block {header.height}: sealed before the block it follows"
        if not verify(ledger_public_key_der, header.canonical_bytes(), block.signature):
            return f"block {header.height}: ledger signature does not verify"
        previous = block
    return None
