"""Everything an append does before the commit: parse, replay fast path, keys, signatures.

Verdicts come back in the caller's order. Signature checks run in batch across the verifier's
worker processes while this greenthread waits, so the service keeps answering other calls.
"""

from __future__ import annotations

import eventlet
from sqlalchemy import select

from ledger.commands import SignedCommand, b64decode
from ledger.errors import LedgerError
from services.ledger import metrics
from services.ledger.appender import Outcome, Refusal
from services.ledger.tables import party_keys

NONCE_TTL_SECONDS = 900  # longer than the time window: older replays fail the window anyway
REDIS_CHUNK = 250  # keys per round trip: each round trip lets the hub run


class Intake:
    def __init__(self, runtime, redis, clock, db):
        self.runtime = runtime
        self.redis = redis
        self.clock = clock
        self.db = db

    def append(self, wires: list) -> tuple[list[Outcome], list[dict], str]:
        if not isinstance(wires, list):
            wires = [wires]
        outcomes: list[Outcome | None] = [None] * len(wires)
        parsed = self._parse(wires, outcomes)
        self._refuse_known_replays(parsed, outcomes)
        self._verify(parsed, outcomes)
        ready = [(position, command) for position, command in parsed if outcomes[position] is None]
        committed, note = [], ""
        if ready:
            results, committed, note, receipts = self.runtime.commit(
                [c for _, c in ready], self.clock
            )
            receipts.attach(results)
            for (position, _), outcome in zip(ready, results, strict=True):
                outcomes[position] = outcome
            self._remember_nonces(committed)
        for outcome in outcomes:
            if outcome.refusal is not None:
                metrics.REFUSED.labels(outcome.refusal.code).inc()
        return outcomes, committed, note

    def _parse(self, wires, outcomes) -> list[tuple[int, SignedCommand]]:
        parsed = []
        for position, wire in enumerate(wires):
            if position % 32 == 31:
                eventlet.sleep(0)  # parsing 10,000 commands must not freeze the service
            try:
                parsed.append((position, SignedCommand.from_wire(wire)))
            except LedgerError as exc:
                outcomes[position] = Outcome(refusal=Refusal(exc.code, str(exc)))
        return parsed

    def _refuse_known_replays(self, parsed, outcomes) -> None:
        """Redis fast path: a nonce seen with a different entry is a replay (the database's
        unique constraint still backs this up inside the commit)."""
        for start in range(0, len(parsed), REDIS_CHUNK):
            chunk = parsed[start : start + REDIS_CHUNK]
            keys = [self.redis.key("nonce", c.signer, c.nonce) for _, c in chunk]
            for (position, command), seen in zip(chunk, self.redis.client.mget(keys), strict=True):
                if seen is not None and seen.decode() != command.entry_id:
                    refusal = Refusal("REPLAY_REFUSED", "this signer has already used this nonce")
                    outcomes[position] = Outcome(refusal=refusal)

    def _verify(self, parsed, outcomes) -> None:
        pending = [(p, c) for p, c in parsed if outcomes[p] is None]
        keys = self._public_keys({c.key_id for _, c in pending})
        items, positions = [], []
        for position, command in pending:
            public_key, distinguishing_id = keys.get(command.key_id) or _bootstrap_key(command)
            if public_key is None:
                outcomes[position] = Outcome(refusal=Refusal("KEY_UNKNOWN", "no such key"))
                continue
            item = (public_key, command.message, command.signature)
            items.append(item if distinguishing_id is None else (*item, distinguishing_id))
            positions.append(position)
        self.runtime.verifying += len(items)
        try:
            reasons = self.runtime.verifier.verify(items)
        finally:
            self.runtime.verifying -= len(items)
        for position, reason in zip(positions, reasons, strict=True):
            if reason is not None:
                outcomes[position] = Outcome(refusal=Refusal(reason, "signature refused"))

    def _public_keys(self, key_ids: set[str]) -> dict[str, tuple[bytes, bytes | None]]:
        """Each key's SPKI DER and its registered SM2 distinguishing ID (``None``: the default)."""
        known = self.runtime.public_keys
        missing = [key_id for key_id in key_ids if key_id not in known]
        if missing:
            with self.db.engine.connect() as connection:
                rows = connection.execute(
                    select(
                        party_keys.c.key_id,
                        party_keys.c.public_key,
                        party_keys.c.distinguishing_id,
                    ).where(party_keys.c.key_id.in_(missing))
                )
                known.update(
                    {
                        key_id: (bytes(der), identity.encode() if identity else None)
                        for key_id, der, identity in rows
                    }
                )
        return {key_id: known[key_id] for key_id in key_ids if key_id in known}

    def _remember_nonces(self, committed: list[dict]) -> None:
        # in chunks: each round trip lets the hub run, so 10,000 nonces never freeze it
        for start in range(0, len(committed), REDIS_CHUNK):
            pipeline = self.redis.client.pipeline(transaction=False)
            for entry in committed[start : start + REDIS_CHUNK]:
                envelope = entry["envelope"]
                key = self.redis.key("nonce", envelope["signer"], envelope["nonce"])
                pipeline.set(key, entry["entry_id"], ex=NONCE_TTL_SECONDS)
            pipeline.execute()


def _bootstrap_key(command: SignedCommand) -> tuple[bytes | None, bytes | None]:
    """A party's admission may be signed by the key it admits (only the operator's own
    bootstrap entry is accepted that way; the commit enforces it): that key and its ID."""
    if command.type != "party.admit" or command.signer != command.body.get("party_id"):
        return None, None
    identity = command.body.get("distinguishing_id")
    try:
        public_key = b64decode(command.body.get("public_key", ""))
    except LedgerError:
        return None, None
    return public_key, identity.encode() if isinstance(identity, str) and identity else None
