"""Timing of stored-node inclusion proofs (ledger.merkle) at ledger scale."""

from __future__ import annotations

import math
import random
import statistics
import time

from ledger.merkle import (
    InMemoryMerkleStore,
    leaf_hash,
    store_inclusion_proof,
    store_root,
    verify_inclusion,
)


def inclusion_proof_timing(leaves: int = 1_000_000, samples: int = 200) -> dict:
    """Build a store of ``leaves`` leaves and time ``store_inclusion_proof`` at full size.

    Leaf ``i`` is ``leaf_hash(i.to_bytes(8, "big"))``. Every proof is checked with
    ``verify_inclusion`` outside the timed region.
    """
    start = time.perf_counter()
    store = InMemoryMerkleStore(leaf_hash(i.to_bytes(8, "big")) for i in range(leaves))
    build_seconds = time.perf_counter() - start

    rng = random.Random(0)
    indexes = [rng.randrange(leaves) for _ in range(samples)]
    timings_ms: list[float] = []
    proofs: list[list[bytes]] = []
    for index in indexes:
        t0 = time.perf_counter()
        proof = store_inclusion_proof(store, index)
        timings_ms.append((time.perf_counter() - t0) * 1000)
        proofs.append(proof)

    root = store_root(store)
    for index, proof in zip(indexes, proofs, strict=True):
        leaf = leaf_hash(index.to_bytes(8, "big"))
        assert verify_inclusion(leaf, index, leaves, proof, root), f"proof {index} failed"

    timings_ms.sort()
    p99 = timings_ms[max(0, math.ceil(0.99 * len(timings_ms)) - 1)]  # nearest-rank
    return {
        "leaves": leaves,
        "samples": samples,
        "build_seconds": round(build_seconds, 3),
        "proof_ms_median": round(statistics.median(timings_ms), 4),
        "proof_ms_p99": round(p99, 4),
        "proof_ms_max": round(timings_ms[-1], 4),
    }


if __name__ == "__main__":
    print(inclusion_proof_timing())
