"""Projecting ledger entries: the kit's runtime.

A service declares ``projector = Projector(TRACKING, OUTBOX)``; in a worker,
``self.projector.projection(db, read_entries, dispatch, applier)`` gives a ``Projection`` over
its database, its ledger reads, its dispatcher and its ``Applier`` (the service's own rules:
decide and evolve, store its rows):

- ``project(entries)``: each entry in its own transaction, in sequence order; an entry ahead
  of its stream (a gap) first has the missing entries read from the ledger and applied;
- ``together(entries)``: one transaction for entries of distinct streams (or a run of the
  log);
- ``heal(payload)``: the ``entries_committed`` handler — the event is a hint (``hints``), the
  entries applied are the ledger's;
- ``relay()``: dispatch the outbox (after each commit that added to it, and by the service's
  relay timer);
- ``rebuild(tables, entries)``: empty the projection and apply the ledger's entries again,
  dispatching nothing.

Each transaction locks the positions of the streams it moves, applies the entries that are
next, records them with the tracking (``tracking``) and adds their events to the outbox
(``outbox``), then commits; only then are events dispatched.

Fault point for tests: with ``FAULT_KILL_BEFORE_DISPATCH: "true"`` in its config, the process
kills itself (SIGKILL) right after a projection commit that added events to the outbox, before
dispatching them, so a test can show they are delivered after a restart.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import Table

from services.common.projection import hints, paging
from services.common.projection.applying import Applied, Applier, apply_in, rebuild
from services.common.projection.entry import LedgerEntry
from services.common.projection.outbox import Outbox
from services.common.projection.tracking import StreamGap, Tracking

log = logging.getLogger(__name__)


class Projector(DependencyProvider):
    """Per service container: its tracking and outbox, the entries its workers are appending
    and projecting themselves right now (``appending``), and the fault point."""

    def __init__(self, tracking: Tracking, outbox: Outbox):
        self.tracking, self.outbox = tracking, outbox

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.in_flight: set[str] = set()
        self.kill_before_dispatch = str(config.get("FAULT_KILL_BEFORE_DISPATCH")) == "true"

    def get_dependency(self, worker_ctx):
        return self

    def projection(self, db, read_entries: paging.ReadEntries, dispatch, applier) -> Projection:
        return Projection(
            self.tracking,
            self.outbox,
            db,
            read_entries,
            dispatch,
            applier,
            service=self.service,
            in_flight=self.in_flight,
            kill_before_dispatch=self.kill_before_dispatch,
        )

    @contextmanager
    def appending(self, entry_ids: Iterable[str]):
        """The ledger's event for these entries needs no second projection meanwhile (the
        event of an entry whose worker died is still healed: by another replica, or when
        this worker's own projection finds it taken)."""
        ids = set(entry_ids)
        self.in_flight.update(ids)
        try:
            yield
        finally:
            self.in_flight.difference_update(ids)


class Projection:
    """A worker's projection: ``Projector.projection`` builds one (a test may build it directly)."""

    def __init__(
        self,
        tracking: Tracking,
        outbox: Outbox,
        db,
        read_entries: paging.ReadEntries,
        dispatch: Callable[[str, dict], None],
        applier: Applier,
        *,
        service: str = "projection",
        in_flight: set[str] | frozenset = frozenset(),
        kill_before_dispatch: bool = False,
    ):
        self.tracking, self.outbox, self.db, self.read_entries = tracking, outbox, db, read_entries
        self.dispatch, self.applier, self.service = dispatch, applier, service
        self.in_flight, self.kill_before_dispatch = in_flight, kill_before_dispatch

    def project(self, entries: Iterable[LedgerEntry]) -> list[Applied]:
        """Each entry not yet taken in its own transaction, in sequence order; returns what
        was applied."""
        applied = []
        for entry in self._untaken_entries(sorted(entries, key=lambda item: item.sequence)):
            try:
                applied += self._commit([entry])
            except StreamGap as gap:
                log.info("filling a gap on %s", gap.key, extra={"stream": gap.key})
                applied += self._fill(gap, entry)
        return applied

    def together(self, entries: list[LedgerEntry]) -> list[Applied]:
        """One transaction for all of ``entries``. Following the whole log, a gap before them
        is read from the ledger first; per stream, ``StreamGap`` is the caller's to handle."""
        try:
            return self._commit(entries)
        except StreamGap as gap:
            if not self.tracking.whole_log or not entries:
                raise
            return self._fill(gap, min(entries, key=lambda e: e.sequence)) + self._commit(entries)

    def heal(self, payload, project: Callable[[list[LedgerEntry]], object] | None = None):
        """Apply what an ``entries_committed`` event says the ledger has and this projection
        has not taken, as the ledger holds it (by ``project``, by default ``self.project``)."""
        hint = hints.read_hint(payload)
        named = self._untaken(
            [r for r in hint.records if self._wanted(r["envelope"]["stream"], r["entry_id"])]
        )
        refused, believed = hint.refused, []
        if named:
            first, last = named[0]["sequence"], named[-1]["sequence"]
            read = paging.pages(self.read_entries, after=first - 1, until=last + 1)
            truth = {record["sequence"]: record for page in read for record in page}
            refused = refused + hints.compare(named, truth)
            believed = self._untaken(
                [r for r in truth.values() if self._wanted(r["envelope"]["stream"], r["entry_id"])]
            )
        hints.count(self.service, refused)
        if believed:
            (project or self.project)([LedgerEntry.from_record(r) for r in believed])

    def relay(self) -> int:
        return self.outbox.relay(self.db, self.dispatch)

    def rebuild(self, tables: Iterable[Table], entries: Iterable[LedgerEntry]) -> int:
        with self.db.transaction() as session:
            return rebuild(session, self.tracking, self.applier, tables, entries)

    # -- inside ----------------------------------------------------------------------------

    def _commit(self, entries: list[LedgerEntry]) -> list[Applied]:
        with self.db.transaction() as session:
            done = apply_in(session, self.tracking, self.outbox, self.applier, entries)
        if done.messages:
            self._dispatch_committed()
        return done.applied

    def _dispatch_committed(self) -> None:
        if self.kill_before_dispatch:  # a test's fault point: see the module docstring
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            self.relay()
        except Exception:  # committed all the same: the relay timer dispatches them later
            log.exception("dispatching events failed; the outbox keeps them")

    def _fill(self, gap: StreamGap, entry: LedgerEntry) -> list[Applied]:
        """Read from the ledger what the projection lacks before ``entry``, and apply it."""
        if self.tracking.whole_log:
            after = gap.position.version - 1
            read = paging.pages(self.read_entries, after=after, until=entry.sequence + 1)
            return [a for page in read for a in self._commit(_entries(page))]
        missing = paging.stream_entries(self.read_entries, gap.key, gap.position.last_sequence)
        return [a for found in missing for a in self._commit([found])]

    def _wanted(self, stream: str, entry_id: str) -> bool:
        return self.applier.follows(stream) and entry_id not in self.in_flight

    def _untaken_entries(self, entries: list[LedgerEntry]) -> list[LedgerEntry]:
        """Those of ``entries`` not taken yet, found in one query (a transaction each would
        find them taken all the same, one by one)."""
        if len(entries) < 2:
            return entries
        stamps = [{"sequence": e.sequence, "entry_id": e.entry_id} for e in entries]
        untaken = {stamp["entry_id"] for stamp in self._untaken(stamps)}
        return [entry for entry in entries if entry.entry_id in untaken]

    def _untaken(self, records: list[dict]) -> list[dict]:
        if not records:
            return []
        with self.db.transaction() as session:
            return self.tracking.untaken(session, records)


def _entries(records: list[dict]) -> list[LedgerEntry]:
    return [LedgerEntry.from_record(record) for record in records]
