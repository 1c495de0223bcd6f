"""RFC 9162 §2.1 Merkle tree: hashing, proofs and proof verification (stdlib only).

Hashing (RFC 9162 §2.1.1)
-------------------------
The tree hashes an ordered list of ``n`` inputs ``D[n] = {d(0), ..., d(n-1)}`` with SHA-256,
using one-byte domain separation so that a leaf can never be passed off as an interior node::

    MTH({})    = SHA-256()                               # the empty tree
    MTH({d0})  = SHA-256(0x00 || d0)                     # leaf hash
    MTH(D[n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   for n > 1

where ``k`` is the largest power of two strictly smaller than ``n``. All hashes are 32-byte
``bytes`` and all indexes are 0-based. The functions taking a list of *leaf hashes*
(``root_hash``, ``inclusion_proof``, ``consistency_proof``) are the reference implementation:
a direct transcription of the RFC's recursive definitions of MTH, PATH and PROOF.

Verification (``verify_inclusion``, ``verify_consistency``) follows the bit-shifting
algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. They never raise: any malformed input (wrong
types, negative sizes, hashes that are not 32 bytes, ...) simply yields ``False``.

Stored-node design
------------------
A ledger must not rebuild the whole tree to answer a proof request. In the RFC recursion
every subtree whose size is a power of two is *perfect* and *aligned*: it covers leaves
``[i * 2**level, (i + 1) * 2**level)``. A :class:`MerkleStore` keeps the hash of every such
completed subtree, addressed by ``(level, i)`` (level 0 holds the leaf hashes), and appends
maintain them incrementally in O(log n). Any other range ``[start, end)`` the recursion needs
is a "right edge" of the tree and is split at the largest power of two below its size until
only perfect subtrees remain (:func:`subtree_hash`), so the ``store_*`` functions read
O(log n) stored nodes per proof. Those functions only call ``store.size()`` and
``store.get_node(level, index)``, so a database-backed store can be swapped in for
:class:`InMemoryMerkleStore`. Nodes of a perfect subtree never change once written, so the
same store also answers queries about any historical tree size ``<= store.size()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "inclusion_proof",
    "consistency_proof",
    "verify_inclusion",
    "verify_consistency",
    "MerkleStore",
    "InMemoryMerkleStore",
    "subtree_hash",
    "store_root",
    "store_inclusion_proof",
    "store_consistency_proof",
]

HASH_SIZE = 32
"""Length in bytes of every hash produced or accepted by this module (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) — the root hash of the empty tree (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


# --------------------------------------------------------------------------------------------
# Hashing primitives
# --------------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return the leaf hash ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the interior node hash ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split_point(n: int) -> int:
    """Return ``k``, the largest power of two strictly smaller than ``n`` (requires n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --------------------------------------------------------------------------------------------
# Reference implementation over a list of leaf hashes (RFC 9162 §2.1.1 - §2.1.4)
# --------------------------------------------------------------------------------------------


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) for already-hashed leaves (RFC 9162 §2.1.1).

    ``leaf_hashes`` holds ``leaf_hash(d)`` for each entry ``d``, not the raw entries.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split_point(n)
    return node_hash(root_hash(leaf_hashes[:k]), root_hash(leaf_hashes[k:]))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return the inclusion proof PATH(index, D[n]) (RFC 9162 §2.1.3.1).

    Raises ``ValueError`` unless ``0 <= index < len(leaf_hashes)``.
    """
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is out of range for a tree of size {n}")
    return _path(leaf_hashes, index)


def _path(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """PATH(m, D[n]): the sibling hashes from leaf ``m`` up to the root, leaf side first."""
    n = len(leaves)
    if n == 1:
        return []
    k = _split_point(n)
    if m < k:
        return _path(leaves[:k], m) + [root_hash(leaves[k:])]
    return _path(leaves[k:], m - k) + [root_hash(leaves[:k])]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the consistency proof PROOF(old_size, D[n]), n = len(leaf_hashes) (§2.1.4.1).

    The proof is empty when ``old_size`` is 0 or ``n``. Raises ``ValueError`` unless
    ``0 <= old_size <= n``.
    """
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is out of range for a tree of size {n}")
    if old_size in (0, n):
        return []
    return _subproof(leaf_hashes, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1 (``complete`` is the flag ``b``)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [root_hash(leaves)]
    k = _split_point(n)
    if m <= k:
        return _subproof(leaves[:k], m, complete) + [root_hash(leaves[k:])]
    return _subproof(leaves[k:], m - k, False) + [root_hash(leaves[:k])]


# --------------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2); never raises
# --------------------------------------------------------------------------------------------


def _is_size(value: object) -> bool:
    """True for a non-negative ``int`` (``bool`` is rejected)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _as_hash_list(proof: object) -> list[bytes] | None:
    """Return ``proof`` as a list of 32-byte hashes, or ``None`` if it is not one."""
    if isinstance(proof, (str, bytes, bytearray, memoryview)) or not isinstance(proof, Sequence):
        return None
    try:
        items = list(proof)
    except Exception:  # a broken Sequence must not make a verifier raise
        return None
    return items if all(_is_hash(item) for item in items) else None


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check that ``proof`` proves ``leaf_hash`` is leaf ``index`` of the tree ``root``.

    Implements the verification algorithm of RFC 9162 §2.1.3.2. Returns ``False`` (never
    raises) for any invalid or malformed input.

    The proof authenticates the leaf against ``root``; it does not authenticate
    ``tree_size`` on its own (sizes whose audit paths have the same shape accept the same
    proof), so ``tree_size`` must come from the same signed tree head as ``root``.
    """
    path = _as_hash_list(proof)
    if (
        path is None
        or not (_is_hash(leaf_hash) and _is_hash(root))
        or not (_is_size(index) and _is_size(tree_size))
        or index >= tree_size
    ):
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Check that the tree ``new_root`` of ``new_size`` extends the tree ``old_root``.

    Implements the verification algorithm of RFC 9162 §2.1.4.2, with these conventions for
    the cases the RFC leaves to the caller:

    * ``old_size > new_size``: always ``False``.
    * ``old_size == new_size``: valid iff ``proof`` is empty and the two roots are equal.
    * ``old_size == 0``: valid iff ``proof`` is empty. Every tree is an extension of the
      empty tree, so there is nothing to prove; ``old_root`` is not compared with
      :data:`EMPTY_ROOT` (it must still be a well-formed 32-byte hash).

    As with inclusion proofs, the sizes must come from the signed tree heads that carry the
    two roots: the proof binds the roots, not the sizes.

    Returns ``False`` (never raises) for any invalid or malformed input.
    """
    path = _as_hash_list(proof)
    if (
        path is None
        or not (_is_hash(old_root) and _is_hash(new_root))
        or not (_is_size(old_size) and _is_size(new_size))
        or old_size > new_size
    ):
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if old_size == 0:
        return not path
    if not path:
        return False
    if _is_power_of_two(old_size):
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --------------------------------------------------------------------------------------------
# Stored perfect-subtree nodes
# --------------------------------------------------------------------------------------------


@runtime_checkable
class MerkleStore(Protocol):
    """Storage of every completed perfect subtree hash of an append-only tree.

    ``get_node(level, index)`` is the hash of the perfect subtree covering leaves
    ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. Such a
    node exists once all its leaves have been appended and never changes afterwards.
    """

    def size(self) -> int:
        """Return the number of leaves appended so far."""
        ...

    def get_node(self, level: int, index: int) -> bytes:
        """Return the hash of the perfect subtree ``(level, index)``; it must be complete."""
        ...

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash and store every perfect subtree it completes (O(log n))."""
        ...

    def append_many(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in order (default: one :meth:`append` per leaf)."""
        for h in leaf_hashes:
            self.append(h)


class InMemoryMerkleStore(MerkleStore):
    """A :class:`MerkleStore` holding one Python list of hashes per level."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.append_many(leaf_hashes)

    def size(self) -> int:
        return len(self._levels[0])

    def get_node(self, level: int, index: int) -> bytes:
        if not (0 <= level < len(self._levels) and 0 <= index < len(self._levels[level])):
            raise ValueError(f"no completed node at level {level}, index {index}")
        return self._levels[level][index]

    def append(self, leaf_hash: bytes) -> None:
        if not _is_hash(leaf_hash):
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        node, level = leaf_hash, 0
        while True:
            row = self._levels[level]
            row.append(node)
            if len(row) % 2:  # a left child: its parent is not complete yet
                return
            node = node_hash(row[-2], node)
            level += 1
            if level == len(self._levels):
                self._levels.append([])


def subtree_hash(store: MerkleStore, start: int, end: int) -> bytes:
    """Return MTH(D[start:end]) from stored nodes (RFC 9162 §2.1.1 over a leaf range).

    A perfect, aligned power-of-two range is a single ``get_node`` read; any other range is
    split at the largest power of two ``k < end - start``. Requires
    ``0 <= start < end <= store.size()``.
    """
    if not 0 <= start < end <= store.size():
        raise ValueError(f"invalid leaf range [{start}, {end}) for a store of size {store.size()}")
    return _range_hash(store, start, end)


def _range_hash(store: MerkleStore, start: int, end: int) -> bytes:
    n = end - start
    if _is_power_of_two(n) and start % n == 0:
        return store.get_node(n.bit_length() - 1, start // n)
    k = _split_point(n)
    return node_hash(_range_hash(store, start, start + k), _range_hash(store, start + k, end))


def _resolve_size(store: MerkleStore, tree_size: int | None) -> int:
    """Return ``tree_size`` (default: the store size), checking it is a stored tree size."""
    size = store.size()
    if tree_size is None:
        return size
    if not 0 <= tree_size <= size:
        raise ValueError(f"tree size {tree_size} is out of range for a store of size {size}")
    return tree_size


def store_root(store: MerkleStore, tree_size: int | None = None) -> bytes:
    """Return MTH(D[tree_size]) from stored nodes (RFC 9162 §2.1.1); default: the whole store.

    Works for any historical size ``0 <= tree_size <= store.size()``.
    """
    n = _resolve_size(store, tree_size)
    return EMPTY_ROOT if n == 0 else _range_hash(store, 0, n)


def store_inclusion_proof(
    store: MerkleStore, index: int, tree_size: int | None = None
) -> list[bytes]:
    """Return PATH(index, D[tree_size]) from stored nodes (RFC 9162 §2.1.3.1).

    ``tree_size`` defaults to the store size. Raises ``ValueError`` unless
    ``0 <= index < tree_size <= store.size()``.
    """
    n = _resolve_size(store, tree_size)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is out of range for a tree of size {n}")
    proof: list[bytes] = []
    start, end = 0, n
    # Walk down from the root; record each sibling, then reverse into leaf-first order.
    while end - start > 1:
        k = _split_point(end - start)
        if index < start + k:
            proof.append(_range_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(_range_hash(store, start, start + k))
            start += k
    proof.reverse()
    return proof


def store_consistency_proof(
    store: MerkleStore, old_size: int, new_size: int | None = None
) -> list[bytes]:
    """Return PROOF(old_size, D[new_size]) from stored nodes (RFC 9162 §2.1.4.1).

    ``new_size`` defaults to the store size. The proof is empty when ``old_size`` is 0 or
    ``new_size``. Raises ``ValueError`` unless ``0 <= old_size <= new_size <= store.size()``.
    """
    n = _resolve_size(store, new_size)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is out of range for a tree of size {n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, n, old_size, True
    # SUBPROOF(m, D[start:end], complete), unrolled; siblings are collected root-first.
    while m != end - start:
        k = _split_point(end - start)
        if m <= k:
            proof.append(_range_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(_range_hash(store, start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(_range_hash(store, start, end))
    proof.reverse()
    return proof
