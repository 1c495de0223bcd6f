"""The ledger service (nameko): ``nameko run --config config.yml services.ledger.service``.

Every state change on the platform arrives here as a signed command. RPC methods (all errors
carry stable codes):

- ``append(commands)`` → one verdict per command, in order:
  ``{"ok": true, "duplicate": false, "receipt": {...}}`` or
  ``{"ok": false, "error": {"code": "STREAM_VERSION_CONFLICT", "message": ..., "details": ...}}``.
  A command is ``{"envelope": {...}, "signature": "<base64url r||s>"}``.
- ``append_one(command)`` → the receipt, or raises ``CommandRejected`` with the code.
- ``get_receipt(entry_id, tree_size=None)``, ``get_entry(sequence)``, ``read_entries(after,
  limit, stream_prefix)``, ``stream_version(stream)``,
  ``get_checkpoint(tree_size=None, witnessed=False)``, ``consistency_proof(old_size,
  new_size=None)``, ``add_cosignature(tree_size, witness, line)``,
  ``get_party(party_id)``, ``list_parties(kind=None)``, ``read_blocks(after_height, limit)``,
  ``public_info()``, ``ping()``.

Event ``entries_committed`` ``{"entries": [...], "tree_size": n}`` is dispatched after each
commit, never before, in sequence order, at most 500 entries an event. Each entry is its leaf
record ``{sequence, entry_id, envelope, signature, ledger_time}``.
"""

from __future__ import annotations

import eventlet
from nameko.events import EventDispatcher
from nameko.timer import timer

from services.common.dependencies import Clock, Database, Redis
from services.common.entrypoints import rpc
from services.common.errors import CommandRejected, NotFound
from services.common.metrics import Metrics
from services.ledger import reads, witnessing
from services.ledger.intake import Intake
from services.ledger.runtime import LedgerRuntime

EVENT_ENTRIES = 500  # entries per entries_committed event: bounded messages on the broker


class LedgerService:
    name = "ledger"

    db = Database()
    metrics = Metrics()
    redis = Redis()
    clock = Clock()
    runtime = LedgerRuntime()
    dispatch = EventDispatcher()

    @rpc
    def append(self, commands: list) -> dict:
        """Append signed commands: ``append([{"envelope": {...}, "signature": "..."}])``.

        Returns ``{"checkpoint": note, "verdicts": [...]}`` with compact receipts (no leaf, no
        checkpoint: ``ledger.expand_receipt`` rebuilds a full one from the command sent).
        """
        outcomes, note = self._append(commands)
        verdicts = []
        for position, outcome in enumerate(outcomes):
            verdicts.append(outcome.to_dict(compact=True))
            if position % 250 == 249:
                eventlet.sleep(0)
        return {"checkpoint": note, "verdicts": verdicts}

    @rpc
    def append_one(self, command: dict) -> dict:
        """Append one signed command; return its full receipt or raise ``CommandRejected``."""
        (outcome,), _ = self._append([command])
        if outcome.refusal is not None:
            refusal = outcome.refusal
            raise CommandRejected(refusal.code, refusal.message, refusal.details)
        return outcome.receipt

    def _append(self, commands):
        intake = Intake(self.runtime, self.redis, self.clock, self.db)
        outcomes, committed, note = intake.append(commands)
        for start in range(0, len(committed), EVENT_ENTRIES):
            chunk = committed[start : start + EVENT_ENTRIES]
            size = chunk[-1]["sequence"] + 1
            self.dispatch("entries_committed", {"entries": chunk, "tree_size": size})
            eventlet.sleep(0)
        return outcomes, note

    @rpc
    def get_receipt(self, entry_id: str, tree_size: int | None = None) -> dict:
        with self.db.engine.connect() as connection:
            return reads.receipt(connection, entry_id, tree_size)

    @rpc
    def get_entry(self, sequence: int) -> dict:
        with self.db.engine.connect() as connection:
            return reads.entry(connection, sequence)

    @rpc
    def read_entries(self, after: int = -1, limit: int = 1000, stream_prefix: str | None = None):
        with self.db.engine.connect() as connection:
            return reads.entries_after(connection, after, limit, stream_prefix)

    @rpc
    def stream_version(self, stream: str) -> int:
        with self.db.engine.connect() as connection:
            return reads.stream_version(connection, stream)

    @rpc
    def get_checkpoint(self, tree_size: int | None = None, witnessed: bool = False) -> dict:
        """``witnessed``: the latest checkpoint that meets the witness policy's quorum (without
        a policy: the latest any platform witness cosigned)."""
        policy = self.runtime.witness_policy
        with self.db.engine.connect() as connection:
            if witnessed is True and tree_size is None and policy is not None:
                found = witnessing.witnessed_checkpoint(connection, policy)
                if found is None:
                    raise NotFound(
                        "no checkpoint meets the witness quorum yet", code="CHECKPOINT_NOT_FOUND"
                    )
                return found
            return reads.checkpoint(connection, tree_size, witnessed is True)

    @rpc
    def consistency_proof(self, old_size: int, new_size: int | None = None) -> dict:
        with self.db.engine.connect() as connection:
            return reads.consistency(connection, old_size, new_size)

    @rpc
    def add_cosignature(self, tree_size: int, witness: str, line: str) -> dict:
        """A witness returns its signature line for a checkpoint it verified."""
        with self.db.engine.begin() as connection:
            return reads.add_cosignature(connection, tree_size, witness, line, self.clock())

    @rpc
    def get_party(self, party_id: str) -> dict:
        with self.db.engine.connect() as connection:
            return reads.party(connection, party_id)

    @rpc
    def list_parties(self, kind: str | None = None) -> list[dict]:
        with self.db.engine.connect() as connection:
            return reads.parties_list(connection, kind)

    @rpc
    def read_blocks(self, after_height: int = -1, limit: int = 100) -> list[dict]:
        with self.db.engine.connect() as connection:
            return reads.blocks_after(connection, after_height, limit)

    @rpc
    def public_info(self) -> dict:
        """The ledger's origin and note verifier keys, what an auditor pins: ``vkey`` (P-256,
        type 0x02) and ``ed25519_vkey`` (type 0x01, what standard tlog tools check)."""
        return {
            "origin": self.runtime.settings.origin,
            "vkey": self.runtime.note_key.vkey(),
            "ed25519_vkey": self.runtime.ed25519_note_key.vkey(),
        }

    @rpc
    def ping(self) -> str:
        return "pong"

    @rpc
    def health(self) -> dict:
        """A trivial call that also says what the ledger is busy with (no database)."""
        return {
            "status": "ok",
            "verifying": self.runtime.verifying,
            "commit_queue": self.runtime.queue.qsize(),
        }

    @timer(interval=1)
    def witness_latest(self):
        """Offer the latest checkpoint to the policy's witnesses (c2sp.org/tlog-witness)."""
        policy = self.runtime.witness_policy
        if policy is not None:
            witnessing.witness_latest(
                self.db.engine, policy, self.runtime.witness_client, self.clock()
            )

    @timer(interval=1)
    def seal_pending(self):
        """Seal entries not yet in a block (every T = 1 s; also every N entries on commit)."""
        with self.db.engine.begin() as connection:
            self.runtime.appender.seal_pending(connection, self.clock())
