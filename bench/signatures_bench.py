"""Batch verification against its two baselines, in one run, on fresh entries, for P-256 and
for SM2 (whose baselines are the library's own single-process rate and the pure-Python gmssl).

(a) a plain loop over pure-Python ``ecdsa`` verification (keys parsed once, as a careful user
would), (b) a single-process loop over the native ``ledger.verify``, (c) ``ledger.verify_batch``
across the worker pool. Each round signs new entries, so no cache can help; rounds are
interleaved and the best of each kind is kept, because these machines are noisy.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime

import ecdsa
import ecdsa.util

from ledger import generate_private_key, public_key_der, sign_command, verify, verify_batch

SIGNERS = [generate_private_key() for _ in range(8)]
SIGNER_DER = [public_key_der(key) for key in SIGNERS]


def fresh_items(count: int, salt: str) -> list[tuple[bytes, bytes, bytes]]:
    """``count`` realistic signed envelopes, never seen before."""
    now = datetime.now(UTC)
    items = []
    for position in range(count):
        signer = position % len(SIGNERS)
        command = sign_command(
            SIGNERS[signer],
            type="bill.endorse",
            stream=f"bill:{position:030d}",
            expected_version=position % 7,
            signer=f"party-{signer}",
            body={"endorsee": f"9131000{position:011d}", "amount_fen": 30_000_000, "salt": salt},
            created_at=now,
        )
        items.append((SIGNER_DER[signer], command.message, command.signature))
    return items


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def time_python_ecdsa(items) -> float:
    keys = {der: ecdsa.VerifyingKey.from_der(der, hashfunc=hashlib.sha256) for der in SIGNER_DER}
    started = time.perf_counter()
    for der, message, signature in items:
        keys[der].verify(
            signature, message, hashfunc=hashlib.sha256, sigdecode=ecdsa.util.sigdecode_string
        )
    return rate(len(items), time.perf_counter() - started)


def time_native_loop(items) -> float:
    started = time.perf_counter()
    verdicts = [verify(*item) for item in items]
    elapsed = time.perf_counter() - started
    assert all(verdicts)
    return rate(len(items), elapsed)


def time_verify_batch(items) -> float:
    started = time.perf_counter()
    verdicts = verify_batch(items)
    elapsed = time.perf_counter() - started
    assert all(verdicts)
    return rate(len(items), elapsed)


def batch_verification(rounds: int = 3, progress=print) -> dict:
    cores = len(os.sched_getaffinity(0))
    verify_batch(fresh_items(200, "warm-up"))  # start the worker processes
    best = {"python_ecdsa": 0.0, "native_single_process": 0.0, "verify_batch": 0.0}
    sizes = {"python_ecdsa": 300, "native_single_process": 8_000, "verify_batch": 40_000}
    for round_number in range(1, rounds + 1):
        for name, timer in (
            ("python_ecdsa", time_python_ecdsa),
            ("native_single_process", time_native_loop),
            ("verify_batch", time_verify_batch),
        ):
            items = fresh_items(sizes[name], f"{name}-{round_number}")
            measured = timer(items)
            best[name] = max(best[name], measured)
            progress(f"  round {round_number}/{rounds} {name:<22} {measured:>10,.0f} verifies/s")
    ceiling = cores * best["native_single_process"]
    return {
        "cores": cores,
        "items_per_measurement": sizes,
        "rounds": rounds,
        "rates_per_second": best,
        "ratio_vs_python_ecdsa": best["verify_batch"] / best["python_ecdsa"],
        "ratio_vs_native_ceiling": best["verify_batch"] / ceiling,
        "native_ceiling_per_second": ceiling,
    }


# -- SM2 -----------------------------------------------------------------------------------

SM2_SIGNERS = [generate_private_key("sm2-sm3") for _ in range(8)]
SM2_SIGNER_DER = [public_key_der(key) for key in SM2_SIGNERS]


def fresh_sm2_items(count: int, salt: str) -> list[tuple[bytes, bytes, bytes]]:
    """Like ``fresh_items``, signed with SM2 keys (default distinguishing ID)."""
    now = datetime.now(UTC)
    items = []
    for position in range(count):
        signer = position % len(SM2_SIGNERS)
        command = sign_command(
            SM2_SIGNERS[signer],
            type="bill.endorse",
            stream=f"bill:{position:030d}",
            expected_version=position % 7,
            signer=f"party-{signer}",
            body={"endorsee": f"9131000{position:011d}", "amount_fen": 30_000_000, "salt": salt},
            created_at=now,
        )
        items.append((SM2_SIGNER_DER[signer], command.message, command.signature))
    return items


def time_sm2_reference(items) -> float:
    """The pure-Python reference (gmssl), one object per key made once, as a careful user would."""
    from gmssl import sm2 as reference

    from ledger import sm2

    keys = {}
    for der in SM2_SIGNER_DER:
        x, y = sm2.parse_public_key(der)
        keys[der] = reference.CryptSM2(public_key=f"{x:064x}{y:064x}", private_key=None)
    started = time.perf_counter()
    verdicts = [
        keys[der].verify_with_sm3(signature.hex(), message) for der, message, signature in items
    ]
    elapsed = time.perf_counter() - started
    assert all(verdicts)
    return rate(len(items), elapsed)


def time_sm2_library(items) -> float:
    """gmalglib itself: one verifier object per key made once, no checks of ours around it."""
    import gmalglib.sm2

    keys = {der: gmalglib.sm2.SM2(pk=b"\x04" + der[-64:]) for der in SM2_SIGNER_DER}
    started = time.perf_counter()
    verdicts = [keys[der].verify(message, signature) for der, message, signature in items]
    elapsed = time.perf_counter() - started
    assert all(verdicts)
    return rate(len(items), elapsed)


def time_mixed_batch(items) -> float:
    return time_verify_batch(items)


def sm2_batch_verification(rounds: int = 3, progress=print) -> dict:
    """SM2 ``verify_batch`` against the library's own single-process rate and the pure-Python
    reference, and a mixed batch (half P-256, half SM2), in the same interleaved rounds."""
    cores = len(os.sched_getaffinity(0))
    verify_batch(fresh_sm2_items(200, "warm-up"))
    sizes = {
        "python_reference": 120,
        "library_single_process": 2_000,
        "native_single_process": 2_000,
        "verify_batch": 10_000,
        "mixed_batch": 20_000,
    }
    timers = {
        "python_reference": time_sm2_reference,
        "library_single_process": time_sm2_library,
        "native_single_process": time_native_loop,
        "verify_batch": time_verify_batch,
        "mixed_batch": time_mixed_batch,
    }
    best = dict.fromkeys(sizes, 0.0)
    for round_number in range(1, rounds + 1):
        for name, timer in timers.items():
            salt = f"sm2-{name}-{round_number}"
            if name == "mixed_batch":
                half = sizes[name] // 2
                pairs = zip(fresh_items(half, salt), fresh_sm2_items(half, salt), strict=True)
                items = [item for pair in pairs for item in pair]
            else:
                items = fresh_sm2_items(sizes[name], salt)
            measured = timer(items)
            best[name] = max(best[name], measured)
            progress(
                f"  round {round_number}/{rounds} sm2 {name:<22} {measured:>10,.0f} verifies/s"
            )
    ceiling = cores * best["library_single_process"]
    return {
        "library": "gmalglib 0.5.9",
        "reference": "gmssl 3.2.2 (pure Python)",
        "cores": cores,
        "items_per_measurement": sizes,
        "rounds": rounds,
        "rates_per_second": best,
        "library_ceiling_per_second": ceiling,
        "ratio_vs_library_ceiling": best["verify_batch"] / ceiling,
        "ratio_vs_python_reference": best["verify_batch"] / best["python_reference"],
    }
