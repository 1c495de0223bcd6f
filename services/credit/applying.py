"""The credit rules on ledger entries, for the projection kit: store what the credit book
reads, then re-score the enterprises the new entries concern — their features, their latest
score, and a ``credit_alert_raised`` on sharp deterioration, put in the outbox — all in the
transaction that moves the position, so a crash can never take the entries and lose the
scores and alerts they call for."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as upsert

from services.common.projection.applying import Outcome
from services.common.projection.entry import LedgerEntry
from services.credit.domain.assessment import assess
from services.credit.domain.book import is_relevant
from services.credit.domain.warnings import CreditAlertRaised, touched_parties, warning
from services.credit.projection import store
from services.credit.tables import alerts, party_features, scores


class CreditApplier:
    """``books``: the service's credit books (``keeper.Books``); ``model``: its scorecard and
    alert threshold. After a transaction, ``touched`` names the parties re-scored."""

    def __init__(self, books, model):
        self.books, self.model = books, model
        self.taken: list[LedgerEntry] = []
        self.touched: dict[str, list[str]] = {}

    def follows(self, stream: str) -> bool:
        return True  # every entry moves the position; only those the book reads are stored

    def apply(self, session, entry: LedgerEntry) -> Outcome:
        self.taken.append(entry)
        return Outcome()

    def flush(self, session) -> list:
        taken, self.taken = self.taken, []
        store(session, [entry for entry in taken if is_relevant(entry)])
        if not taken:
            return []
        size, as_of = taken[-1].sequence + 1, taken[-1].ledger_time
        messages = []
        with self.books.lock:
            snapshot = self.books.snapshot(session, size, taken[-1].at)
            touched = touched_parties(snapshot.book, taken)
            for party, entry_ids in sorted(touched.items()):
                assessment = assess(snapshot, party, self.model.scorecard)
                messages += self._record(session, assessment, size, as_of, entry_ids)
        self.touched.update(touched)
        return messages

    def _record(self, session, assessment, size: int, as_of: str, entry_ids: list[str]) -> list:
        party = assessment.party
        features = {name: f.to_dict() for name, f in assessment.features.items()}
        row = {"party_id": party, "tree_size": size, "as_of": as_of, "features": features}
        session.execute(
            upsert(party_features)
            .values(row)
            .on_conflict_do_update(
                index_elements=["party_id"], set_=row, where=party_features.c.tree_size <= size
            )
        )
        previous = session.execute(select(scores).where(scores.c.party_id == party)).first()
        if previous is not None and previous.tree_size >= size:
            return []
        current = {
            "party_id": party,
            "tree_size": size,
            "score": assessment.score,
            "grade": assessment.grade,
            "pd": round(assessment.pd, 6),  # as every assessment answers it
            "knockouts": [k.code for k in assessment.knockouts],
            "model_version": assessment.model_version,
        }
        before = previous._asdict() if previous is not None else None
        kind = warning(before, current, self.model.drop_points)
        raised = []
        if kind is not None:
            raised = _raise_alert(session, kind, before, current, assessment, as_of, entry_ids)
        session.execute(
            upsert(scores)
            .values(current)
            .on_conflict_do_update(index_elements=["party_id"], set_=current)
        )
        return raised


def _raise_alert(session, kind, before, current, assessment, as_of, entry_ids) -> list:
    """The alert row (once per party, tree size and kind) and its message, if it is new."""
    summary = ("score", "grade", "pd", "tree_size")
    payload = CreditAlertRaised(
        party=assessment.party,
        kind=kind,
        tree_size=current["tree_size"],
        as_of=as_of,
        previous={k: before[k] for k in summary} if before else None,
        current={k: current[k] for k in summary},
        drop=(before["score"] - current["score"]) if before else 0,
        knockouts=current["knockouts"],
        reasons=[reason.to_dict() for reason in assessment.reasons],
        entries=sorted(set(entry_ids)),
        model_version=assessment.model_version,
    ).to_dict()
    row = {
        "party_id": assessment.party,
        "tree_size": current["tree_size"],
        "kind": kind,
        "payload": payload,
        "created_at": datetime.now(UTC),
    }
    added = session.execute(
        upsert(alerts).values(row).on_conflict_do_nothing().returning(alerts.c.id)
    )
    if added.first() is None:
        return []
    return [(current["tree_size"] - 1, CreditAlertRaised.name, payload)]
