"""The credit service (nameko ``credit``): scores from ledger entries, reproducible by checkpoint.

``nameko run --config config.yml services.credit.service``; schema ``credit`` via
``services.credit.operations.migrate(config)``. Config: ``DATABASE_URL``, ``REDIS_URL``,
``REDIS_PREFIX``, ``CREDIT_MODEL_FILE`` (default: the shipped ``artefacts/scorecard.json``),
``CREDIT_ALERT_DROP_POINTS`` (40), ``CREDIT_CACHE_SECONDS`` (86400),
``CREDIT_OUTBOX_SECONDS`` (5).

RPC (refusals are ``CommandRejected`` with ``CREDIT_PARTY_INVALID``, ``CREDIT_PARTY_UNKNOWN``,
``CREDIT_PARTY_NOT_SCORED``, ``CREDIT_TREE_SIZE_INVALID``, ``CREDIT_POINTS_INVALID`` or the
ledger's codes):

- ``get_score(party)`` → the assessment at the ledger's latest checkpoint:
  ``{party, score, grade, pd, limit_fen, limit: {...}, reasons: [{code, feature, value,
  points_lost, text, entries: [entry ids]}], knockouts: [...], features: {...}, points:
  {...}, model_version, feature_version, tree_size, as_of, checkpoint: {tree_size, root,
  note}}``
- ``score_at(party, tree_size)`` → the same computed from the entries below ``tree_size``
  (for a ``tree_size`` a score was computed at: the identical answer, whatever came after).
- ``score_history(party, points=12)`` → ``{party, model_version, points: [{tree_size, as_of,
  score, grade, pd, limit_fen}]}``: up to ``points`` scores from the party's admission to the
  latest checkpoint, oldest first, each what ``score_at`` gives at its tree size (the last is
  ``get_score``'s); see ``history``.
- ``model_info()`` → version, characteristics and the metrics the model card reports.

Event handler ``ledger.entries_committed`` (a hint: the entries are read from the ledger): in
one transaction the entries are stored, the position moved (a redelivered or overlapping
batch changes nothing) and the parties the batch concerns re-scored, their features kept in
``party_features`` and ``credit_alert_raised`` put in the outbox on sharp deterioration; after
the commit their cached scores are dropped from Redis and the alerts dispatched:
``{party, kind: "knockout" | "score_drop", tree_size, as_of, previous: {score, grade, pd,
tree_size} | null, current: {...}, drop, knockouts: [codes], reasons: [...], entries: [ids
of the new entries concerning the party], model_version}``.
"""

from __future__ import annotations

import logging

import orjson
from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider

from ledger.commands import format_time, parse_time
from services.common.dependencies import Database, Redis
from services.common.entrypoints import rpc
from services.common.metrics import Metrics
from services.common.projection import paging
from services.common.projection.entry import LedgerEntry
from services.common.projection.projector import Projection, Projector
from services.common.rpc import TimedRpcProxy
from services.common.timers import configured_timer
from services.credit import projection
from services.credit.applying import CreditApplier
from services.credit.domain.assessment import assess
from services.credit.domain.features import FEATURE_VERSION, take_snapshot
from services.credit.domain.history import (
    DEFAULT_POINTS,
    Position,
    checked_points,
    instants,
    past_positions,
    point,
)
from services.credit.domain.scorecard import DEFAULT_MODEL, Scorecard
from services.credit.errors import (
    CreditPartyNotScored,
    CreditPartyUnknown,
    CreditTreeSizeInvalid,
    checked_party,
)
from services.credit.keeper import BookKeeper, walk
from services.credit.tables import OUTBOX, TRACKING

log = logging.getLogger(__name__)


class CreditModel(DependencyProvider):
    """The scorecard artefact named by ``CREDIT_MODEL_FILE``, loaded when the service starts."""

    def setup(self):
        config = self.container.config
        self.scorecard = Scorecard.load(config.get("CREDIT_MODEL_FILE") or DEFAULT_MODEL)
        self.drop_points = int(config.get("CREDIT_ALERT_DROP_POINTS", 40))
        self.cache_seconds = int(config.get("CREDIT_CACHE_SECONDS", 86400))

    def get_dependency(self, worker_ctx):
        return self


class CreditService:
    name = "credit"

    db = Database()
    metrics = Metrics()
    redis = Redis()
    ledger = TimedRpcProxy("ledger")
    model = CreditModel()
    books = BookKeeper()
    dispatch = EventDispatcher()
    projector = Projector(TRACKING, OUTBOX)

    @rpc
    def get_score(self, party: str) -> dict:
        """The party's assessment at the latest checkpoint: ``get_score("ent-2dc7ceb32b")``."""
        return self._latest(checked_party(party))

    def _latest(self, party: str) -> dict:
        checkpoint = self.ledger.get_checkpoint()
        tree_size = checkpoint["tree_size"]
        self._catch_up(tree_size)
        key = self.redis.key("credit", "score", str(party))
        cached = self.redis.client.get(key)
        if cached:
            answer = orjson.loads(cached)
            if answer["tree_size"] == tree_size and self._current(answer):
                return answer
        answer = self._assessment(party, tree_size, checkpoint)
        self.redis.client.set(key, orjson.dumps(answer), ex=self.model.cache_seconds)
        return answer

    @rpc
    def score_at(self, party: str, tree_size: int) -> dict:
        """Recompute from the entries below ``tree_size``: ``score_at("ent-…", 1200)``."""
        party = checked_party(party)
        if isinstance(tree_size, bool) or not isinstance(tree_size, int) or tree_size < 1:
            raise CreditTreeSizeInvalid("tree_size is a positive integer")
        latest = self.ledger.get_checkpoint()
        if tree_size > latest["tree_size"]:
            raise CreditTreeSizeInvalid(
                "the ledger is not that large yet", {"tree_size": latest["tree_size"]}
            )
        self._catch_up(tree_size)
        key = self._score_at_key(party, tree_size)
        cached = self.redis.client.get(key)
        if cached:
            return orjson.loads(cached)
        answer = self._assessment(party, tree_size, self._checkpoint(tree_size))
        self.redis.client.set(key, orjson.dumps(answer), ex=self.model.cache_seconds)
        return answer

    @rpc
    def score_history(self, party: str, points: int = DEFAULT_POINTS) -> dict:
        """The party's score over ledger time, oldest first: ``score_history("ent-…", 12)`` →
        ``{"party": "ent-…", "model_version": "scorecard-1.0+…", "points": [{"tree_size":
        412, "as_of": "2031-04-07T02:00:00.001000Z", "score": 583, "grade": "BB", "pd":
        0.031, "limit_fen": 0}, …]}``.

        The first point is the party's admission, the last is ``get_score`` at the latest
        checkpoint; between them, the book as it stood at round instants of ledger time
        (midnights, Mondays … in China time), the smallest step that leaves at most ``points``
        (2 to 24) in all; fewer when an instant finds nothing new. Each point is exactly
        ``score_at(party, tree_size)``, with the same cache: a past instant always names the
        same tree size, so only the latest point is recomputed as the ledger grows, and the
        first call replays the stored entries once for all past points. Refusals as
        ``get_score`` (banks and the operator: ``CREDIT_PARTY_NOT_SCORED``), and
        ``CREDIT_POINTS_INVALID``.
        """
        most = checked_points(points) - 2  # the admission and the latest are points too
        party = checked_party(party)
        latest = self._latest(party)
        past = self._past_positions(party, latest, most)
        history = [*self._past_answers(party, past), latest]
        return {
            "party": party,
            "model_version": latest["model_version"],
            "points": [point(answer) for answer in history],
        }

    @rpc
    def health(self) -> dict:
        """The health contract every service keeps: ``{"status": "ok"}``, with the model it
        serves (no database)."""
        return {"status": "ok", "model_version": self.model.scorecard.document["version"]}

    @rpc
    def model_info(self) -> dict:
        document = self.model.scorecard.document
        return {
            "version": document["version"],
            "feature_version": document["feature_version"],
            "horizon_days": document["horizon_days"],
            "characteristics": [c["name"] for c in document["characteristics"]],
            "metrics": document.get("metrics", {}),
        }

    @event_handler("ledger", "entries_committed")
    def take_entries(self, payload: dict) -> None:
        """Take new ledger entries once each, as the ledger holds them; re-score the parties
        they concern."""
        self._projection().heal(payload, self._take)

    @configured_timer("CREDIT_OUTBOX_SECONDS", 5)
    def publish_alerts(self) -> None:
        """Dispatch alerts a crash left committed but unsent."""
        self._projection().relay()

    # -- taking entries -------------------------------------------------------------------

    def _projection(self, applier: CreditApplier | None = None) -> Projection:
        applier = applier or CreditApplier(self.books, self.model)
        return self.projector.projection(self.db, self.ledger.read_entries, self.dispatch, applier)

    def _take(self, entries: list[LedgerEntry]) -> None:
        """Entries of the ledger (a run of sequences) in one transaction, what precedes them
        read first; then the cached scores of the parties re-scored are dropped."""
        applier = CreditApplier(self.books, self.model)
        self._projection(applier).together(entries)
        self._forget(applier.touched)

    def _catch_up(self, until: int) -> None:
        """Take what the events did not bring (missed while down, or not yet delivered)."""
        with self.db.transaction() as session:
            start = projection.stored_size(session)
        for page in paging.pages(self.ledger.read_entries, after=start - 1, until=until):
            self._take([LedgerEntry.from_record(record) for record in page])

    def _forget(self, parties) -> None:
        if parties:
            self.redis.client.delete(*(self.redis.key("credit", "score", p) for p in parties))

    # -- scoring --------------------------------------------------------------------------

    def _current(self, answer: dict) -> bool:
        return answer.get("model_version") == self.model.scorecard.version

    def _score_at_key(self, party: str, tree_size: int) -> str:
        version = self.model.scorecard.version
        return self.redis.key("credit", "score_at", str(party), str(tree_size), version)

    def _checkpoint(self, tree_size: int) -> dict:
        try:
            return self.ledger.get_checkpoint(tree_size)
        except Exception as exc:  # no checkpoint was signed at exactly this size
            if getattr(exc, "code", None) != "CHECKPOINT_NOT_FOUND":
                raise
            return {"tree_size": tree_size, "note": None}

    def _assessment(self, party: str, tree_size: int, checkpoint: dict) -> dict:
        as_of = self.ledger.get_entry(tree_size - 1)["ledger_time"]
        with self.books.lock, self.db.transaction() as session:
            snapshot = self.books.snapshot(session, tree_size, parse_time(as_of))
            assessment = self._assess(snapshot, party)
        return self._answer(assessment, tree_size, as_of, checkpoint)

    def _assess(self, snapshot, party: str):
        facts = snapshot.book.parties.get(party)
        if facts is None:
            raise CreditPartyUnknown("no such party on the ledger", {"party": party})
        if facts.kind != "enterprise":
            raise CreditPartyNotScored("only enterprises are scored", {"party": party})
        return assess(snapshot, party, self.model.scorecard)

    def _answer(self, assessment, tree_size: int, as_of: str, checkpoint: dict) -> dict:
        note = checkpoint.get("note")
        return {
            **assessment.to_dict(),
            "feature_version": FEATURE_VERSION,
            "tree_size": tree_size,
            "as_of": as_of,
            "checkpoint": {
                "tree_size": tree_size,
                "root": note.split("\n")[2] if note else None,
                "note": note,
            },
        }

    # -- history --------------------------------------------------------------------------

    def _past_positions(self, party: str, latest: dict, most: int) -> list[Position]:
        """The admission, then the book as it stood at each round instant before the latest."""
        with self.db.transaction() as session:
            admitted = projection.admission(session, party)
            moments = instants(parse_time(admitted.ledger_time), parse_time(latest["as_of"]), most)
            found = projection.last_before_each(
                session, [format_time(m) for m in moments], admitted.sequence, latest["tree_size"]
            )
        return past_positions([admitted, *found], latest["tree_size"])

    def _past_answers(self, party: str, positions: list[Position]) -> list[dict]:
        """``score_at``'s answers at these positions: from its cache, else all computed in one
        replay of the stored entries (and cached for ``score_at``)."""
        keys = [self._score_at_key(party, p.tree_size) for p in positions]
        cached = dict(zip(positions, self.redis.client.mget(keys), strict=True)) if keys else {}
        answers = {p: orjson.loads(cached[p]) for p in positions if cached[p]}
        missing = [p for p in positions if p not in answers]
        books = walk(self._stored_records, [p.tree_size for p in missing])
        for position, book in zip(missing, books, strict=True):
            answers[position] = answer = self._past_answer(party, position, book)
            key = self._score_at_key(party, position.tree_size)
            self.redis.client.set(key, orjson.dumps(answer), ex=self.model.cache_seconds)
        return [answers[p] for p in positions]

    def _past_answer(self, party: str, position: Position, book) -> dict:
        size, as_of = position.tree_size, position.ledger_time
        assessment = self._assess(take_snapshot(book, parse_time(as_of)), party)
        return self._answer(assessment, size, as_of, self._checkpoint(size))

    def _stored_records(self, start: int, stop: int) -> list[dict]:
        with self.db.transaction() as session:
            return projection.stored_records(session, start, stop)
