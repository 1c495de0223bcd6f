"""The Merkle tree's perfect-subtree nodes in PostgreSQL (``ledger.merkle_nodes``).

Reads go through a per-transaction cache, so a batch of proofs touches each node once. Appending
``k`` leaves to a tree of ``n`` needs only the O(log n) "frontier" nodes — the perfect subtrees
whose sizes are the binary digits of ``n`` — plus the new nodes, all computed in memory and
inserted in one statement.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_

from ledger.merkle import leaf_hash, node_hash
from services.ledger.tables import bulk_insert, entries, merkle_nodes


def frontier(size: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees that make up a tree of ``size`` leaves."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


class PostgresMerkleStore:
    """A ``ledger.merkle.MerkleStore`` over one SQLAlchemy connection."""

    def __init__(self, connection, size: int, cooperate=lambda: None):
        self.connection = connection
        self.cooperate = cooperate
        self._size = size
        self._cache: dict[tuple[int, int], bytes] = {}

    def size(self) -> int:
        return self._size

    def get_node(self, level: int, index: int) -> bytes:
        node = self._cache.get((level, index))
        if node is None:
            self.prefetch([(level, index)])
            node = self._cache.get((level, index))
            if node is None:
                raise LookupError(f"merkle node ({level}, {index}) is missing")
        return node

    def prefetch(self, wanted: list[tuple[int, int]]) -> None:
        missing = [key for key in wanted if key not in self._cache]
        if not missing:
            return
        if self.connection is None:
            raise LookupError("merkle nodes outside this commit are not in memory")
        leaves = [index for level, index in missing if level == 0]
        inner = [key for key in missing if key[0] > 0]
        if leaves:
            rows = self.connection.execute(
                select(entries.c.sequence, entries.c.leaf).where(entries.c.sequence.in_(leaves))
            )
            for sequence, leaf in rows:
                self._cache[(0, sequence)] = leaf_hash(leaf.encode())
        if inner:
            key = tuple_(merkle_nodes.c.level, merkle_nodes.c.index)
            rows = self.connection.execute(
                select(merkle_nodes.c.level, merkle_nodes.c.index, merkle_nodes.c.hash).where(
                    key.in_(inner)
                )
            )
            for level, index, node in rows:
                self._cache[(level, index)] = bytes(node)

    def detach(self) -> None:
        """After the transaction: answer from memory only (a commit's own proofs need nothing
        else)."""
        self.connection = None

    def append_leaves(self, leaves: list[bytes]) -> list[bytes]:
        """Hash ``leaves`` (raw leaf bytes) into the tree, storing every completed inner node;
        return their leaf hashes."""
        self.prefetch(frontier(self._size))
        new_nodes, hashes = [], []
        for position, leaf in enumerate(leaves):
            if position % 128 == 127:
                self.cooperate()
            index = self._size
            current = leaf_hash(leaf)
            hashes.append(current)
            self._cache[(0, index)] = current
            level = 0
            while index & 1:  # this node completes its parent
                sibling = self._cache[(level, index - 1)]
                current = node_hash(sibling, current)
                level, index = level + 1, index >> 1
                new_nodes.append((level, index, current))
                self._cache[(level, index)] = current
            self._size += 1
        bulk_insert(
            self.connection,
            merkle_nodes,
            [{"level": lv, "index": ix, "hash": h} for lv, ix, h in new_nodes],
        )
        return hashes
