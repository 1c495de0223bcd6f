import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import (
    EntryVerifier,
    VerifierPool,
    batch_reasons,
    reference_verify,
    verify,
    verify_batch,
)
from ledger.signatures import CURVE_ORDER
from tests.support.factories import signed_command, signed_items


@pytest.fixture(scope="module")
def pool():
    pool = VerifierPool(processes=2)
    yield pool
    pool.close()


def corrupt(items):
    """Every kind of bad item, mixed among good ones; returns (items, positions of bad)."""
    items = list(items)
    public, message, signature = items[0]
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    bad = {
        3: (public, message + b"x", signature),
        10: (items[1][0], message, signature),
        17: (public, message, r + (CURVE_ORDER - s).to_bytes(32, "big")),
        40: (public, message, signature[:63]),
        41: (b"not a key", message, signature),
        77: (public, message, bytes(64)),
        90: "not a triple",
        91: (public, message),
        92: (public, "text message", signature),
    }
    for position, item in bad.items():
        items[position] = item
    return items, set(bad)


def test_a_batch_gives_exactly_the_verdicts_verify_gives(pool):
    items, bad = corrupt(signed_items(400))
    verdicts = verify_batch(items, pool)
    assert verdicts == [
        verify(*item) if isinstance(item, tuple) and len(item) == 3 else False for item in items
    ]
    assert {position for position, ok in enumerate(verdicts) if not ok} == bad


def test_the_native_pool_agrees_with_the_pure_python_reference(pool):
    items, _ = corrupt(signed_items(120))
    reference = [
        reference_verify(*item) if isinstance(item, tuple) and len(item) == 3 else False
        for item in items
    ]
    assert verify_batch(items, pool) == reference


def test_one_bad_signature_never_sinks_the_batch(pool):
    items = signed_items(300)
    items[150] = (items[150][0], items[150][1], bytes(64))
    reasons = batch_reasons(items, pool)
    assert reasons[150] == "SIGNATURE_ZERO"
    assert reasons.count(None) == 299


@pytest.mark.parametrize("size", [0, 1, 2, 63, 64, 65, 129, 1000])
def test_batches_of_any_size_get_one_verdict_per_item(pool, size):
    items = signed_items(size)
    assert verify_batch(items, pool) == [True] * size


def test_a_killed_worker_is_replaced_and_its_chunk_still_verified(pool):
    items = signed_items(400)
    verify_batch(items, pool)  # make sure the workers are running
    victim = pool._all[0]
    victim.process.kill()
    victim.process.wait()
    assert verify_batch(items, pool) == [True] * 400
    assert victim not in pool._all
    assert all(worker.process.poll() is None for worker in pool._all)
    assert verify_batch(items, pool) == [True] * 400


def test_entries_already_verified_are_not_verified_again(pool):
    verifier = EntryVerifier(pool)
    items = signed_items(100)
    assert verifier.verify(items) == [None] * 100
    assert verifier.verified == 100
    more = signed_items(10)
    assert verifier.verify(items + more) == [None] * 110
    assert verifier.verified == 110


def test_a_changed_signature_on_a_known_entry_is_verified_afresh(pool):
    verifier = EntryVerifier(pool)
    command = signed_command()
    from ledger import generate_private_key, public_key_der, sign

    key = generate_private_key()
    good = (public_key_der(key), command.message, sign(key, command.message))
    assert verifier.verify([good]) == [None]
    forged = (good[0], good[1], good[2][:32] + bytes(32))
    assert verifier.verify([forged]) == ["SIGNATURE_ZERO"]
    other_key = (public_key_der(generate_private_key()), good[1], good[2])
    assert verifier.verify([other_key]) == ["SIGNATURE_MISMATCH"]


def test_invalid_verdicts_are_not_cached(pool):
    verifier = EntryVerifier(pool)
    items = signed_items(3)
    bad = (items[0][0], items[0][1] + b"!", items[0][2])
    verifier.verify([bad])
    verifier.verify([bad])
    assert verifier.verified == 2


def test_verifying_a_large_batch_does_not_freeze_an_eventlet_hub():
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.eventlet_probe", "10000"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["valid"] == 10000
    # a greenthread asking to run every millisecond never waited 50 ms
    assert report["max_gap_ms"] < 50, report
    assert report["ticks"] > report["verify_seconds"] * 100, report
