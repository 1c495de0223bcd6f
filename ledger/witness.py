"""A witness: a bank or auditor's small process that cosigns the ledger's checkpoints.

It remembers the last checkpoint it cosigned (size and root). Shown a new one, it checks the
ledger's signature, then that the new tree extends the old one (an RFC 9162 consistency proof);
only then does it cosign. A ledger that shows a different history to different parties — a
split view — or rewrites its past is caught here: same size with another root, a smaller size,
or a proof that does not verify are all refused, and the witness keeps its old state.

``WitnessState`` and ``witness_checkpoint`` are pure; ``run_once`` talks to the ledger service.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ledger.checkpoints import cosignature_line, verify_checkpoint
from ledger.errors import LedgerError
from ledger.merkle import verify_consistency
from ledger.notes import NoteKey


class WitnessRefusal(LedgerError):
    """Raised when a checkpoint is not consistent with what this witness saw before."""

    code = "WITNESS_REFUSED"


@dataclass(frozen=True)
class WitnessState:
    tree_size: int = 0
    root_hash: str = ""  # base64

    @classmethod
    def load(cls, path: Path) -> WitnessState:
        return cls(**json.loads(path.read_text())) if path.exists() else cls()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))


def witness_checkpoint(
    state: WitnessState,
    note: str,
    log_key: NoteKey,
    consistency_proof: Callable[[int, int], list[bytes]],
    witness_name: str,
    witness_key,
) -> tuple[WitnessState, str]:
    """Check ``note`` against ``state``; return the new state and this witness's signature line."""
    checkpoint = verify_checkpoint(note, log_key).checkpoint
    new_root = base64.b64encode(checkpoint.root_hash).decode()
    if checkpoint.tree_size < state.tree_size:
        raise WitnessRefusal("the ledger shrank: it shows an older tree than one cosigned before")
    if checkpoint.tree_size == state.tree_size and state.root_hash not in ("", new_root):
        raise WitnessRefusal("split view: same tree size, different root", code="SPLIT_VIEW")
    if 0 < state.tree_size < checkpoint.tree_size:
        proof = consistency_proof(state.tree_size, checkpoint.tree_size)
        old_root = base64.b64decode(state.root_hash)
        if not verify_consistency(
            state.tree_size, checkpoint.tree_size, proof, old_root, checkpoint.root_hash
        ):
            raise WitnessRefusal(
                "the new tree does not extend the one cosigned before", code="SPLIT_VIEW"
            )
    line = cosignature_line(note, witness_name, witness_key)
    return WitnessState(checkpoint.tree_size, new_root), line


def run_once(rpc, state_path: Path, witness_name: str, witness_key, ledger_vkey: str) -> dict:
    """One round against a running ledger service (``rpc`` is a nameko standalone proxy)."""
    log_key = NoteKey.from_vkey(ledger_vkey)
    state = WitnessState.load(state_path)
    latest = rpc.ledger.get_checkpoint()

    def fetch_proof(old_size: int, new_size: int) -> list[bytes]:
        answer = rpc.ledger.consistency_proof(old_size, new_size)
        return [base64.b64decode(node) for node in answer["proof"]]

    new_state, line = witness_checkpoint(
        state, latest["note"], log_key, fetch_proof, witness_name, witness_key
    )
    cosigned = rpc.ledger.add_cosignature(new_state.tree_size, witness_name, line)
    new_state.save(state_path)
    return cosigned
