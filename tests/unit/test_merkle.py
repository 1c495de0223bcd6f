"""Tests for ledger.merkle against an independent naive RFC 9162 §2.1 implementation."""

from __future__ import annotations

import functools
import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    EMPTY_ROOT,
    InMemoryMerkleStore,
    MerkleStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    store_consistency_proof,
    store_inclusion_proof,
    store_root,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

# --------------------------------------------------------------------------------------------
# Naive implementation, transcribed from the RFC 9162 §2.1 definitions over raw entries.
# MTH is memoised (entries are tuples) only to keep the exhaustive tests fast.
# --------------------------------------------------------------------------------------------


def naive_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.cache
def naive_mth(entries: tuple[bytes, ...]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = naive_split(n)
    return hashlib.sha256(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:])).digest()


def naive_path(m: int, entries: tuple[bytes, ...]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = naive_split(n)
    if m < k:
        return naive_path(m, entries[:k]) + [naive_mth(entries[k:])]
    return naive_path(m - k, entries[k:]) + [naive_mth(entries[:k])]


def naive_proof(m: int, entries: tuple[bytes, ...]) -> list[bytes]:
    return naive_subproof(m, entries, True)


def naive_subproof(m: int, entries: tuple[bytes, ...], complete: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if complete else [naive_mth(entries)]
    k = naive_split(n)
    if m <= k:
        return naive_subproof(m, entries[:k], complete) + [naive_mth(entries[k:])]
    return naive_subproof(m - k, entries[k:], False) + [naive_mth(entries[:k])]


# --------------------------------------------------------------------------------------------
# Fixtures: one big list of entries, their leaf hashes and stores over prefixes of them.
# --------------------------------------------------------------------------------------------

BIG = 4096
ENTRIES: tuple[bytes, ...] = tuple(f"bill-event-{i}".encode() * (i % 3 + 1) for i in range(BIG))
LEAF_HASHES: list[bytes] = [leaf_hash(e) for e in ENTRIES]
STORE_256 = InMemoryMerkleStore(LEAF_HASHES[:256])
STORE_BIG = InMemoryMerkleStore(LEAF_HASHES)


class CountingStore:
    """A store exposing only ``size`` and ``get_node``, counting the node reads."""

    def __init__(self, inner: MerkleStore) -> None:
        self.inner = inner
        self.reads = 0

    def size(self) -> int:
        return self.inner.size()

    def get_node(self, level: int, index: int) -> bytes:
        self.reads += 1
        return self.inner.get_node(level, index)


def flip_bit(data: bytes, bit: int) -> bytes:
    buf = bytearray(data)
    buf[bit // 8] ^= 1 << (bit % 8)
    return bytes(buf)


# --------------------------------------------------------------------------------------------
# Known-answer vectors: the RFC 6962 / 9162 test tree used by Certificate Transparency
# implementations (google/trillian merkle/testonly, transparency-dev/merkle reference tests).
# --------------------------------------------------------------------------------------------

CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_LEAF_HASHES = [leaf_hash(d) for d in CT_LEAVES]

CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

CT_NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

_H = {
    "leaf0": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "leaf1": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "leaf4": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "d01": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "d23": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "d45": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "d67": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d0123": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "d4567": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
}

CT_INCLUSION = [  # (index, tree_size, proof)
    (0, 1, []),
    (0, 2, ["leaf1"]),
    (1, 2, ["leaf0"]),
    (2, 3, ["d01"]),
    (1, 5, ["leaf0", "d23", "leaf4"]),
    (0, 8, ["leaf1", "d23", "d4567"]),
    (5, 8, ["leaf4", "d67", "d0123"]),
]

CT_CONSISTENCY = [  # (old_size, new_size, proof)
    (1, 1, []),
    (1, 8, ["leaf1", "d23", "d4567"]),
    (6, 8, ["d45", "d67", "d0123"]),
    (2, 5, ["d23", "leaf4"]),
    (2, 8, ["d23", "d4567"]),
]


def test_the_empty_tree_root_is_sha256_of_the_empty_string():
    assert root_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert store_root(InMemoryMerkleStore()) == EMPTY_ROOT


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_prefixes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_roots_of_the_ct_test_tree_match_the_published_vectors(size):
    expected = bytes.fromhex(CT_ROOTS[size])
    assert root_hash(CT_LEAF_HASHES[:size]) == expected
    assert store_root(InMemoryMerkleStore(CT_LEAF_HASHES), size) == expected


def test_stored_nodes_of_the_ct_test_tree_match_the_published_node_hashes():
    store = InMemoryMerkleStore(CT_LEAF_HASHES)
    for level, row in enumerate(CT_NODES):
        for index, expected in enumerate(row):
            assert store.get_node(level, index) == bytes.fromhex(expected)


@pytest.mark.parametrize(("index", "size", "names"), CT_INCLUSION)
def test_inclusion_proofs_of_the_ct_test_tree_match_the_published_vectors(index, size, names):
    expected = [bytes.fromhex(_H[name]) for name in names]
    store = InMemoryMerkleStore(CT_LEAF_HASHES)
    assert inclusion_proof(CT_LEAF_HASHES[:size], index) == expected
    assert store_inclusion_proof(store, index, size) == expected
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAF_HASHES[index], index, size, expected, root)


@pytest.mark.parametrize(("old_size", "new_size", "names"), CT_CONSISTENCY)
def test_consistency_proofs_of_the_ct_test_tree_match_the_published_vectors(
    old_size, new_size, names
):
    expected = [bytes.fromhex(_H[name]) for name in names]
    store = InMemoryMerkleStore(CT_LEAF_HASHES)
    assert consistency_proof(CT_LEAF_HASHES[:new_size], old_size) == expected
    assert store_consistency_proof(store, old_size, new_size) == expected
    old_root, new_root = bytes.fromhex(CT_ROOTS[old_size]), bytes.fromhex(CT_ROOTS[new_size])
    assert verify_consistency(old_size, new_size, expected, old_root, new_root)


# --------------------------------------------------------------------------------------------
# Exhaustive comparison with the naive implementation for every tree size 0..256.
# --------------------------------------------------------------------------------------------

SMALL_SIZES = range(257)


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_root_hash_and_store_root_equal_the_naive_mth_for_every_size_up_to_256(size):
    expected = naive_mth(ENTRIES[:size])
    assert root_hash(LEAF_HASHES[:size]) == expected
    assert store_root(STORE_256, size) == expected


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_every_inclusion_proof_equals_the_naive_path_and_verifies_up_to_size_256(size):
    root = naive_mth(ENTRIES[:size])
    for index in range(size):
        expected = naive_path(index, ENTRIES[:size])
        assert inclusion_proof(LEAF_HASHES[:size], index) == expected
        assert store_inclusion_proof(STORE_256, index, size) == expected
        assert verify_inclusion(LEAF_HASHES[index], index, size, expected, root)


@pytest.mark.parametrize("size", SMALL_SIZES)
def test_every_consistency_proof_equals_the_naive_proof_and_verifies_up_to_size_256(size):
    new_root = naive_mth(ENTRIES[:size])
    for old_size in range(size + 1):
        expected = naive_proof(old_size, ENTRIES[:size]) if 0 < old_size < size else []
        assert consistency_proof(LEAF_HASHES[:size], old_size) == expected
        assert store_consistency_proof(STORE_256, old_size, size) == expected
        old_root = naive_mth(ENTRIES[:old_size])
        assert verify_consistency(old_size, size, expected, old_root, new_root)


def test_sampled_inclusion_proofs_up_to_size_4096_equal_the_naive_path_and_verify():
    rng = random.Random(9162)
    for _ in range(300):
        size = rng.randint(1, BIG)
        index = rng.randrange(size)
        expected = naive_path(index, ENTRIES[:size])
        assert store_inclusion_proof(STORE_BIG, index, size) == expected
        assert inclusion_proof(LEAF_HASHES[:size], index) == expected
        root = store_root(STORE_BIG, size)
        assert root == naive_mth(ENTRIES[:size]) == root_hash(LEAF_HASHES[:size])
        assert verify_inclusion(LEAF_HASHES[index], index, size, expected, root)


def test_sampled_consistency_proofs_up_to_size_4096_equal_the_naive_proof_and_verify():
    rng = random.Random(6962)
    for _ in range(300):
        new_size = rng.randint(2, BIG)
        old_size = rng.randint(1, new_size - 1)
        expected = naive_proof(old_size, ENTRIES[:new_size])
        assert store_consistency_proof(STORE_BIG, old_size, new_size) == expected
        assert consistency_proof(LEAF_HASHES[:new_size], old_size) == expected
        old_root, new_root = store_root(STORE_BIG, old_size), store_root(STORE_BIG, new_size)
        assert verify_consistency(old_size, new_size, expected, old_root, new_root)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=BIG))
def test_generated_proofs_verify_for_random_sizes_and_indexes(data, size):
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    old_size = data.draw(st.integers(min_value=0, max_value=size), label="old_size")
    root, old_root = store_root(STORE_BIG, size), store_root(STORE_BIG, old_size)
    path = store_inclusion_proof(STORE_BIG, index, size)
    proof = store_consistency_proof(STORE_BIG, old_size, size)
    assert verify_inclusion(LEAF_HASHES[index], index, size, path, root)
    assert verify_consistency(old_size, size, proof, old_root, root)


# --------------------------------------------------------------------------------------------
# The stored-node design.
# --------------------------------------------------------------------------------------------


def test_the_store_holds_exactly_the_completed_perfect_subtrees():
    for size in (0, 1, 2, 3, 7, 8, 100, 256):
        store = InMemoryMerkleStore(LEAF_HASHES[:size])
        assert store.size() == size
        for level in range(10):
            width = 1 << level
            for index in range(size // width):
                chunk = ENTRIES[index * width : (index + 1) * width]
                assert store.get_node(level, index) == naive_mth(chunk)
            with pytest.raises(ValueError):
                store.get_node(level, size // width)


def test_appending_one_by_one_equals_building_from_a_list():
    store = InMemoryMerkleStore()
    assert isinstance(store, MerkleStore)
    for i, h in enumerate(LEAF_HASHES[:300], start=1):
        store.append(h)
        assert store.size() == i
    assert store_root(store) == root_hash(LEAF_HASHES[:300])


def test_the_store_rejects_leaf_hashes_that_are_not_32_bytes():
    store = InMemoryMerkleStore()
    with pytest.raises(ValueError):
        store.append(b"\x00" * 31)
    assert store.size() == 0


def test_store_functions_use_only_size_and_get_node_with_logarithmic_reads():
    store = CountingStore(STORE_BIG)
    rng = random.Random(42)
    for _ in range(200):
        size = rng.randint(1, BIG)
        bound = 2 * size.bit_length()
        store.reads = 0
        store_root(store, size)
        assert store.reads <= bound
        store.reads = 0
        store_inclusion_proof(store, rng.randrange(size), size)
        assert store.reads <= bound
        store.reads = 0
        store_consistency_proof(store, rng.randint(0, size), size)
        assert store.reads <= bound


def test_subtree_hash_of_any_range_equals_the_naive_mth():
    rng = random.Random(7)
    for _ in range(200):
        start = rng.randrange(BIG)
        end = rng.randint(start + 1, min(BIG, start + 600))
        assert subtree_hash(STORE_BIG, start, end) == naive_mth(ENTRIES[start:end])


# --------------------------------------------------------------------------------------------
# Out-of-range arguments to proof generation raise ValueError.
# --------------------------------------------------------------------------------------------

SIX = LEAF_HASHES[:6]
STORE_6 = InMemoryMerkleStore(SIX)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: inclusion_proof(SIX, 6), id="index equal to size"),
        pytest.param(lambda: inclusion_proof(SIX, -1), id="negative index"),
        pytest.param(lambda: inclusion_proof([], 0), id="index in the empty tree"),
        pytest.param(lambda: consistency_proof(SIX, 7), id="old size beyond size"),
        pytest.param(lambda: consistency_proof(SIX, -1), id="negative old size"),
        pytest.param(lambda: store_root(STORE_6, 7), id="store root beyond store size"),
        pytest.param(lambda: store_root(STORE_6, -1), id="negative store root size"),
        pytest.param(lambda: store_inclusion_proof(STORE_6, 6), id="store index equal size"),
        pytest.param(lambda: store_inclusion_proof(STORE_6, 3, 3), id="index beyond tree size"),
        pytest.param(lambda: store_inclusion_proof(STORE_6, 0, 7), id="tree beyond store"),
        pytest.param(lambda: store_consistency_proof(STORE_6, 5, 4), id="old size beyond new"),
        pytest.param(lambda: store_consistency_proof(STORE_6, 1, 7), id="new size beyond store"),
        pytest.param(lambda: store_consistency_proof(STORE_6, -1), id="negative store old size"),
        pytest.param(lambda: subtree_hash(STORE_6, 3, 3), id="empty subtree range"),
        pytest.param(lambda: subtree_hash(STORE_6, 2, 7), id="subtree range beyond store"),
    ],
)
def test_proof_generation_rejects_out_of_range_arguments_with_value_error(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------------------------
# Tampered proofs and garbage input are rejected; the verifiers never raise.
# --------------------------------------------------------------------------------------------

TAMPER_INCLUSION_CASES = [(37, 100), (99, 100), (0, 1), (5, 8), (255, 256), (300, 1000)]
TAMPER_CONSISTENCY_CASES = [(37, 100), (6, 8), (64, 100), (1, 2), (999, 1000), (512, 1000)]


def inclusion_case(index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    return (
        LEAF_HASHES[index],
        inclusion_proof(LEAF_HASHES[:size], index),
        root_hash(LEAF_HASHES[:size]),
    )


def consistency_case(old_size: int, new_size: int) -> tuple[list[bytes], bytes, bytes]:
    return (
        consistency_proof(LEAF_HASHES[:new_size], old_size),
        root_hash(LEAF_HASHES[:old_size]),
        root_hash(LEAF_HASHES[:new_size]),
    )


@pytest.mark.parametrize(("index", "size"), TAMPER_INCLUSION_CASES)
def test_an_inclusion_proof_with_any_single_bit_flipped_is_rejected(index, size):
    leaf, proof, root = inclusion_case(index, size)
    assert verify_inclusion(leaf, index, size, proof, root)
    for position in range(len(proof)):
        for bit in range(256):
            tampered = [*proof]
            tampered[position] = flip_bit(proof[position], bit)
            assert not verify_inclusion(leaf, index, size, tampered, root)
    for bit in range(256):
        assert not verify_inclusion(flip_bit(leaf, bit), index, size, proof, root)
        assert not verify_inclusion(leaf, index, size, proof, flip_bit(root, bit))


@pytest.mark.parametrize(("old_size", "new_size"), TAMPER_CONSISTENCY_CASES)
def test_a_consistency_proof_with_any_single_bit_flipped_is_rejected(old_size, new_size):
    proof, old_root, new_root = consistency_case(old_size, new_size)
    assert verify_consistency(old_size, new_size, proof, old_root, new_root)
    for position in range(len(proof)):
        for bit in range(256):
            tampered = [*proof]
            tampered[position] = flip_bit(proof[position], bit)
            assert not verify_consistency(old_size, new_size, tampered, old_root, new_root)
    for bit in range(256):
        assert not verify_consistency(old_size, new_size, proof, flip_bit(old_root, bit), new_root)
        assert not verify_consistency(old_size, new_size, proof, old_root, flip_bit(new_root, bit))


@pytest.mark.parametrize(("index", "size"), TAMPER_INCLUSION_CASES)
def test_an_inclusion_proof_with_an_element_removed_or_added_is_rejected(index, size):
    leaf, proof, root = inclusion_case(index, size)
    extra = leaf_hash(b"extra")
    for position in range(len(proof)):
        assert not verify_inclusion(
            leaf, index, size, proof[:position] + proof[position + 1 :], root
        )
    for position in range(len(proof) + 1):
        for element in (extra, root, leaf):
            longer = proof[:position] + [element] + proof[position:]
            assert not verify_inclusion(leaf, index, size, longer, root)


@pytest.mark.parametrize(("old_size", "new_size"), TAMPER_CONSISTENCY_CASES)
def test_a_consistency_proof_with_an_element_removed_or_added_is_rejected(old_size, new_size):
    proof, old_root, new_root = consistency_case(old_size, new_size)
    extra = leaf_hash(b"extra")
    for position in range(len(proof)):
        shorter = proof[:position] + proof[position + 1 :]
        assert not verify_consistency(old_size, new_size, shorter, old_root, new_root)
    for position in range(len(proof) + 1):
        for element in (extra, old_root, new_root):
            longer = proof[:position] + [element] + proof[position:]
            assert not verify_consistency(old_size, new_size, longer, old_root, new_root)


@pytest.mark.parametrize(("index", "size"), TAMPER_INCLUSION_CASES)
def test_an_inclusion_proof_is_rejected_for_every_other_index_and_every_other_leaf(index, size):
    leaf, proof, root = inclusion_case(index, size)
    for other in range(size + 2):
        if other != index:
            assert not verify_inclusion(leaf, other, size, proof, root)
            assert not verify_inclusion(LEAF_HASHES[other], index, size, proof, root)


@pytest.mark.parametrize(
    ("index", "size", "wrong_size"),
    [
        (37, 100, 37),
        (37, 100, 38),
        (37, 100, 64),
        (37, 100, 129),
        (37, 100, 1000),
        (99, 100, 101),
        (99, 100, 128),
        (5, 8, 6),
        (5, 8, 9),
        (5, 8, 16),
        (0, 1, 2),
    ],
)
def test_an_inclusion_proof_is_rejected_for_a_tree_size_with_another_path_shape(
    index, size, wrong_size
):
    leaf, proof, root = inclusion_case(index, size)
    assert not verify_inclusion(leaf, index, wrong_size, proof, root)


def test_an_inclusion_proof_alone_does_not_bind_the_tree_size_so_sizes_must_be_signed():
    """Documented RFC behaviour: sizes whose audit paths have the same shape verify alike."""
    leaf, proof, root = inclusion_case(37, 100)
    assert verify_inclusion(leaf, 37, 99, proof, root)
    assert verify_inclusion(leaf, 37, 128, proof, root)


@pytest.mark.parametrize(
    ("old_size", "new_size", "wrong_old", "wrong_new"),
    [
        (37, 100, 36, 100),
        (37, 100, 38, 100),
        (37, 100, 37, 64),
        (37, 100, 37, 129),
        (6, 8, 5, 8),
        (6, 8, 7, 8),
        (6, 8, 4, 8),
        (6, 8, 6, 9),
        (6, 8, 8, 6),
        (6, 8, 8, 8),
        (64, 100, 63, 100),
        (64, 100, 65, 100),
    ],
)
def test_a_consistency_proof_is_rejected_for_sizes_with_another_proof_shape(
    old_size, new_size, wrong_old, wrong_new
):
    proof, old_root, new_root = consistency_case(old_size, new_size)
    assert not verify_consistency(wrong_old, wrong_new, proof, old_root, new_root)


def test_a_consistency_proof_is_rejected_when_the_roots_are_swapped_or_from_other_trees():
    proof, old_root, new_root = consistency_case(37, 100)
    assert not verify_consistency(37, 100, proof, new_root, old_root)
    assert not verify_consistency(37, 100, proof, root_hash(LEAF_HASHES[:36]), new_root)
    assert not verify_consistency(37, 100, proof, old_root, root_hash(LEAF_HASHES[:101]))
    other = [leaf_hash(b"forked")] + LEAF_HASHES[1:100]
    assert not verify_consistency(37, 100, proof, old_root, root_hash(other))


def test_equal_sizes_are_consistent_only_with_an_empty_proof_and_equal_roots():
    root, other = root_hash(LEAF_HASHES[:10]), root_hash(LEAF_HASHES[:11])
    assert verify_consistency(10, 10, [], root, root)
    assert not verify_consistency(10, 10, [], root, other)
    assert not verify_consistency(10, 10, [root], root, root)


def test_every_tree_is_consistent_with_the_empty_tree_given_an_empty_proof():
    root = root_hash(LEAF_HASHES[:10])
    assert verify_consistency(0, 10, [], EMPTY_ROOT, root)
    assert verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    assert not verify_consistency(0, 10, [root], EMPTY_ROOT, root)


G_LEAF, G_PROOF, G_ROOT = inclusion_case(5, 8)
G_CPROOF, G_OLD, G_NEW = consistency_case(6, 8)
SHORT = b"\x00" * 31
LONG = b"\x00" * 33


class ExplodingSequence(list):
    def __iter__(self):
        raise RuntimeError("boom")


GARBAGE_INCLUSION = {
    "leaf is None": (None, 5, 8, G_PROOF, G_ROOT),
    "leaf is str": ("leaf", 5, 8, G_PROOF, G_ROOT),
    "leaf is 31 bytes": (SHORT, 5, 8, G_PROOF, G_ROOT),
    "leaf is 33 bytes": (LONG, 5, 8, G_PROOF, G_ROOT),
    "index is None": (G_LEAF, None, 8, G_PROOF, G_ROOT),
    "index is str": (G_LEAF, "5", 8, G_PROOF, G_ROOT),
    "index is float": (G_LEAF, 5.0, 8, G_PROOF, G_ROOT),
    "index is negative": (G_LEAF, -1, 8, G_PROOF, G_ROOT),
    "index equals size": (G_LEAF, 8, 8, G_PROOF, G_ROOT),
    "size is None": (G_LEAF, 5, None, G_PROOF, G_ROOT),
    "size is negative": (G_LEAF, 5, -8, G_PROOF, G_ROOT),
    "size is zero": (G_LEAF, 0, 0, [], EMPTY_ROOT),
    "size is bool": (G_LEAF, 0, True, [], G_LEAF),
    "size is huge": (G_LEAF, 5, 2**200, G_PROOF, G_ROOT),
    "proof is None": (G_LEAF, 5, 8, None, G_ROOT),
    "proof is str": (G_LEAF, 5, 8, "proof", G_ROOT),
    "proof is bytes": (G_LEAF, 5, 8, b"".join(G_PROOF), G_ROOT),
    "proof is a generator": (G_LEAF, 5, 8, (p for p in G_PROOF), G_ROOT),
    "proof is a dict": (G_LEAF, 5, 8, {0: G_PROOF[0]}, G_ROOT),
    "proof holds None": (G_LEAF, 5, 8, [None, *G_PROOF[1:]], G_ROOT),
    "proof holds str": (G_LEAF, 5, 8, ["a" * 32, *G_PROOF[1:]], G_ROOT),
    "proof holds 31 bytes": (G_LEAF, 5, 8, [SHORT, *G_PROOF[1:]], G_ROOT),
    "proof holds a list": (G_LEAF, 5, 8, [G_PROOF], G_ROOT),
    "proof iteration raises": (G_LEAF, 5, 8, ExplodingSequence(G_PROOF), G_ROOT),
    "root is None": (G_LEAF, 5, 8, G_PROOF, None),
    "root is str": (G_LEAF, 5, 8, G_PROOF, G_ROOT.hex()),
    "root is 31 bytes": (G_LEAF, 5, 8, G_PROOF, G_ROOT[:31]),
}

GARBAGE_CONSISTENCY = {
    "old size is None": (None, 8, G_CPROOF, G_OLD, G_NEW),
    "old size is str": ("6", 8, G_CPROOF, G_OLD, G_NEW),
    "old size is negative": (-6, 8, G_CPROOF, G_OLD, G_NEW),
    "new size is None": (6, None, G_CPROOF, G_OLD, G_NEW),
    "new size is float": (6, 8.0, G_CPROOF, G_OLD, G_NEW),
    "new size is negative": (6, -8, G_CPROOF, G_OLD, G_NEW),
    "old size beyond new size": (8, 6, G_CPROOF, G_NEW, G_OLD),
    "sizes are huge": (2**200, 2**201, G_CPROOF, G_OLD, G_NEW),
    "proof is None": (6, 8, None, G_OLD, G_NEW),
    "proof is str": (6, 8, "proof", G_OLD, G_NEW),
    "proof is bytes": (6, 8, b"".join(G_CPROOF), G_OLD, G_NEW),
    "proof is empty": (6, 8, [], G_OLD, G_NEW),
    "proof holds None": (6, 8, [None, *G_CPROOF[1:]], G_OLD, G_NEW),
    "proof holds 33 bytes": (6, 8, [LONG, *G_CPROOF[1:]], G_OLD, G_NEW),
    "proof iteration raises": (6, 8, ExplodingSequence(G_CPROOF), G_OLD, G_NEW),
    "old root is None": (6, 8, G_CPROOF, None, G_NEW),
    "old root is 31 bytes": (6, 8, G_CPROOF, G_OLD[:31], G_NEW),
    "new root is str": (6, 8, G_CPROOF, G_OLD, "root"),
    "new root is 33 bytes": (6, 8, G_CPROOF, G_OLD, G_NEW + b"\x00"),
    "empty old tree with a garbage root": (0, 8, [], None, G_NEW),
    "equal sizes with garbage roots": (8, 8, [], "r", "r"),
}


@pytest.mark.parametrize("args", GARBAGE_INCLUSION.values(), ids=GARBAGE_INCLUSION.keys())
def test_verify_inclusion_returns_false_and_never_raises_on_garbage_input(args):
    assert verify_inclusion(*args) is False


@pytest.mark.parametrize("args", GARBAGE_CONSISTENCY.values(), ids=GARBAGE_CONSISTENCY.keys())
def test_verify_consistency_returns_false_and_never_raises_on_garbage_input(args):
    assert verify_consistency(*args) is False
