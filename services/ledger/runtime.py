"""The ledger service's container-wide machinery: settings, the verifier, group commit.

``GroupCommit`` is the heart of durability and throughput: RPC workers hand it verified
commands and wait; one committer greenthread takes everything waiting (up to a cap) and writes
it in a single transaction, so many small concurrent appends share one commit. A worker is
answered only after that transaction has committed.
"""

from __future__ import annotations

import gc
import logging
import time

import eventlet
from eventlet.event import Event
from eventlet.queue import LightQueue
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine

from ledger.batch import EntryVerifier, VerifierPool
from ledger.witness_client import WitnessClient, endpoints_of
from ledger.witness_policy import WitnessPolicy
from services.ledger import metrics
from services.ledger.appender import Appender
from services.ledger.operations import ed25519_note_key, ledger_settings, note_key

log = logging.getLogger(__name__)
MAX_GROUP = 4000  # commands per transaction


class _Pending:
    def __init__(self, commands):
        self.commands = commands
        self.done = Event()


class LedgerRuntime(DependencyProvider):
    """Config: DATABASE_URL, LEDGER_ORIGIN, LEDGER_KEY_FILE, LEDGER_ED25519_KEY_FILE,
    LEDGER_WINDOW_SECONDS, LEDGER_BLOCK_SIZE, LEDGER_WITNESS_POLICY_FILE (empty: no witnesses
    asked), LEDGER_WITNESS_TIMEOUT_SECONDS."""

    def setup(self):
        config = self.container.config
        self.settings = ledger_settings(config)
        self.note_key = note_key(self.settings)
        self.ed25519_note_key = ed25519_note_key(self.settings)
        policy_file = config.get("LEDGER_WITNESS_POLICY_FILE") or ""
        self.witness_policy = WitnessPolicy.read(policy_file) if policy_file else None
        self.witness_client = WitnessClient(
            endpoints_of(self.witness_policy) if self.witness_policy else [],
            timeout=float(config.get("LEDGER_WITNESS_TIMEOUT_SECONDS", 10)),
        )
        self.engine = create_engine(config["DATABASE_URL"], pool_size=4, pool_pre_ping=True)
        self.appender = Appender(self.settings, cooperate=lambda: eventlet.sleep(0))
        self.pool = VerifierPool(cooperate=lambda: eventlet.sleep(0))
        self.verifier = EntryVerifier(self.pool)
        self.queue = LightQueue()
        self.clock = None  # set by the service from its Clock dependency on first use
        self.public_keys: dict[str, tuple[bytes, bytes | None]] = {}  # key id: (DER, SM2 ID)
        self.verifying = 0  # signatures being verified right now, for health()

    def start(self):
        # Everything alive after start-up (modules, config, pools) never becomes garbage: move
        # it out of the collector's sight, and collect young objects less often, so a full
        # collection in the middle of a 10,000-entry batch stays short.
        gc.freeze()
        gc.set_threshold(5_000, 20, 10_000)
        self.container.spawn_managed_thread(self._commit_forever)

    def stop(self):
        self.pool.close()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def commit(self, commands, clock):
        """Queue verified commands for the next group commit; wait for their outcomes."""
        self.clock = clock
        pending = _Pending(commands)
        self.queue.put(pending)
        return pending.done.wait()

    def _commit_forever(self):
        while True:
            group = [self.queue.get()]
            size = len(group[0].commands)
            while size < MAX_GROUP and not self.queue.empty():
                group.append(self.queue.get_nowait())
                size += len(group[-1].commands)
            self._commit_group(group)

    def _commit_group(self, group):
        commands = [command for pending in group for command in pending.commands]
        started = time.perf_counter()
        try:
            with self.engine.begin() as connection:
                result = self.appender.commit(connection, commands, self.clock())
                outcomes, committed, note, receipts = result
        except Exception as exc:  # the transaction rolled back: nothing was written
            log.exception("group commit failed")
            for pending in group:
                pending.done.send_exception(exc)
            return
        _count(commands, committed, note, time.perf_counter() - started)
        position = 0
        for pending in group:
            count = len(pending.commands)
            mine = outcomes[position : position + count]
            pending.done.send((mine, _committed_for(mine, committed), note, receipts))
            position += count
        eventlet.sleep(0)


def _count(commands, committed, note: str, seconds: float) -> None:
    metrics.COMMIT_SECONDS.observe(seconds)
    metrics.GROUP.observe(len(commands))
    metrics.ENTRIES.inc(len(committed))
    if note:
        metrics.TREE_SIZE.set(int(note.split("\n")[1]))


def _committed_for(outcomes, committed):
    sequences = {o.sequence for o in outcomes if o.sequence is not None and not o.duplicate}
    return [entry for entry in committed if entry["sequence"] in sequences]
