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
from tests.support.factories import mixed_suite_items, signed_command, signed_items


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


# -- SM2, alone and mixed with P-256 ------------------------------------------------------------


def test_a_batch_of_sm2_signatures_is_verified_across_processes(pool):
    items = signed_items(300, suite="sm2-sm3")
    items[7] = (items[7][0], items[7][1] + b"x", items[7][2])
    reasons = batch_reasons(items, pool)
    assert reasons[7] == "SIGNATURE_MISMATCH"
    assert reasons.count(None) == 299


def test_a_mixed_batch_gives_each_item_the_verdict_of_its_own_suite(pool):
    items = mixed_suite_items(450)
    p256, sm2_triple, own_id = items[0], items[1], items[2]
    n = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
    r = own_id[2][:32]
    wrong = {
        10: ((*sm2_triple[:3], b"ANOTHER-ID"), "SIGNATURE_MISMATCH"),  # right signature, wrong ID
        11: (own_id[:3], "SIGNATURE_MISMATCH"),  # an own-ID signature under the default ID
        12: ((*p256[:3], b"BANK-1@example"), "KEY_INVALID"),  # P-256 keys have no ID
        13: (  # r + s = n
            (
                own_id[0],
                own_id[1],
                r + (n - int.from_bytes(r, "big")).to_bytes(32, "big"),
                own_id[3],
            ),
            "SIGNATURE_OUT_OF_RANGE",
        ),
        14: ((sm2_triple[0], p256[1], p256[2]), "SIGNATURE_MISMATCH"),  # P-256 signature, SM2 key
    }
    for position, (item, _) in wrong.items():
        items[position] = item
    reasons = batch_reasons(items, pool)
    assert {position: reasons[position] for position in wrong} == {
        position: reason for position, (_, reason) in wrong.items()
    }
    assert reasons.count(None) == 450 - len(wrong)
    assert verify_batch(items, pool) == [verify(*item) for item in items]


def test_the_mixed_batch_agrees_with_the_pure_python_references(pool):
    items = mixed_suite_items(45)
    items[4] = (items[4][0], items[4][1], items[4][2][:-1] + b"\x00")
    assert verify_batch(items, pool) == [reference_verify(*item) for item in items]


def test_an_sm2_entry_known_under_one_distinguishing_id_is_verified_afresh_under_another(pool):
    verifier = EntryVerifier(pool)
    own_id = mixed_suite_items(3)[2]
    assert verifier.verify([own_id]) == [None]
    assert verifier.verify([own_id[:3]]) == ["SIGNATURE_MISMATCH"]
    assert verifier.verified == 2
