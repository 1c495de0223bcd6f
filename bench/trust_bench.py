"""What believing only the ledger costs a projection, per ``entries_committed`` event.

An event carries up to 500 entries. A projection may believe them in two ways
(docs/decisions/0024):

- **verify** what the event carries: each entry's signature with its signer's key at that
  sequence, and its inclusion in a checkpoint the ledger key signed — the ledger hands
  inclusion proofs out one entry at a time (``get_receipt``), each checked offline
  (``verify_receipt``: the checkpoint's signature, the Merkle path, the entry's signature);
- **re-read** the entries named from the ledger by sequence: one ``read_entries`` call for the
  run of sequences the event names.

Both against the same ledger service (its own ``nameko run`` processes, throw-away database),
on the same 500 entries, in one run; the verify side also alone, without the proofs: its
signatures only, batch-verified natively.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # nameko's proxy; a no-op when bench/run.py has patched already

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from ledger_bench import (  # noqa: E402
    admit_party,
    isolated_ledger,
    signed_batches,
    wait_for_ledger,
)

from ledger import NoteKey, public_key_der, verify_batch, verify_receipt  # noqa: E402
from ledger.commands import SignedCommand, b64decode  # noqa: E402

EVENT = 500  # entries per entries_committed event (services/ledger/service.py)
PROVED = 50  # entries whose inclusion is proved per round (a receipt each): scaled to EVENT
ROUNDS = 5


def _best_ms(measure, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        measure()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def trust_costs(workdir: Path, progress=print) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    from ledger import read_private_key

    with (
        isolated_ledger(workdir) as (config, _),
        ClusterRpcProxy(config, timeout=300) as rpc,
    ):
        wait_for_ledger(rpc)
        party_id, key = admit_party(rpc, read_private_key(config["OPERATOR_KEY_FILE"]))
        (batch,) = signed_batches(party_id, key, EVENT, 1)
        verdicts = rpc.ledger.append([command.to_wire() for command in batch])["verdicts"]
        sequences = [verdict["receipt"]["sequence"] for verdict in verdicts]
        first, last = sequences[0], sequences[-1]
        assert last - first == EVENT - 1, "one run of sequences, as one event carries"
        records = rpc.ledger.read_entries(first - 1, EVENT)
        ledger_key = NoteKey.from_vkey(rpc.ledger.public_info()["vkey"])

        def re_read():
            assert len(rpc.ledger.read_entries(first - 1, EVENT)) == EVENT

        def verify_with_proofs():
            party = rpc.ledger.get_party(party_id)  # the signer's keys, with their sequences
            signer = b64decode(party["keys"][0]["public_key"])
            for record in records[:PROVED]:
                receipt = rpc.ledger.get_receipt(record["entry_id"])
                verify_receipt(receipt, ledger_key, signer)

        def signatures_only():
            signer = public_key_der(key)
            triples = []
            for record in records:
                command = SignedCommand.from_parts(
                    record["envelope"], b64decode(record["signature"])
                )
                triples.append((signer, command.message, command.signature))
            assert all(verify_batch(triples))

        progress(f"  re-read {EVENT} entries by sequence")
        read_best, read_median = _best_ms(re_read, ROUNDS * 4)
        progress(f"  verify {PROVED} entries: signatures and inclusion proofs (x{EVENT // PROVED})")
        proofs_best, proofs_median = (ms * EVENT / PROVED for ms in _best_ms(verify_with_proofs, 2))
        progress(f"  verify {EVENT} signatures alone (no inclusion)")
        signatures_best, signatures_median = _best_ms(signatures_only, ROUNDS)
    return {
        "entries_per_event": EVENT,
        "entries_proved_per_round": PROVED,
        "re_read_ms": {"best": read_best, "median": read_median},
        "verify_with_inclusion_ms": {"best": proofs_best, "median": proofs_median},
        "verify_signatures_only_ms": {"best": signatures_best, "median": signatures_median},
        "verify_with_inclusion_vs_re_read": proofs_best / read_best,
        "signatures_only_vs_re_read": signatures_best / read_best,
    }


if __name__ == "__main__":
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        figures = trust_costs(Path(folder))
    print(json.dumps(figures, indent=2))
