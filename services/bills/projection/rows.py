"""Storing what applying entries decided: history rows and the flattened state of each bill,
collected so that a wave of entries (distinct bills) goes to the database in a few
statements."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.bills.domain import Bill, BillEvent
from services.bills.projection.streams import package_of
from services.bills.tables import bills, history, sub_ranges
from services.common.projection.entry import LedgerEntry


class Rows:
    def __init__(self):
        self.history_rows: list[dict] = []
        self.bill_states: dict[str, Bill] = {}

    def history(self, entry: LedgerEntry, events: list[BillEvent]) -> None:
        self.history_rows.extend(
            {
                "sequence": entry.sequence,
                "position": position,
                "package_no": package_of(entry.stream),
                "entry_id": entry.entry_id,
                "ledger_time": entry.at,
                "command_type": entry.type,
                "actor": entry.signer,
                "event": event.name,
                "payload": event.to_dict(),
            }
            for position, event in enumerate(events)
        )

    def state(self, bill: Bill) -> None:
        self.bill_states[bill.package_no] = bill

    def flush(self, session) -> None:
        if self.history_rows:
            session.execute(insert(history), self.history_rows)
        if self.bill_states:
            _write_states(session, list(self.bill_states.values()))
        self.__init__()


def _write_states(session, written: list[Bill]) -> None:
    rows = [
        {
            "package_no": bill.package_no,
            "kind": str(bill.kind),
            "supply_chain": bill.supply_chain,
            "drawer": bill.drawer,
            "acceptor": bill.acceptor,
            "payee": bill.payee,
            "amount_fen": bill.face.fen,
            "issue_date": bill.issue_date,
            "maturity_date": bill.maturity_date,
            "status": str(bill.status),
        }
        for bill in written
    ]
    upsert = pg_insert(bills).values(rows)
    changed = {key: upsert.excluded[key] for key in rows[0] if key != "package_no"}
    session.execute(upsert.on_conflict_do_update(index_elements=["package_no"], set_=changed))
    packages = [bill.package_no for bill in written]
    session.execute(delete(sub_ranges).where(sub_ranges.c.package_no.in_(packages)))
    ranges = [_range_row(bill, r) for bill in written for r in bill.ranges]
    if ranges:
        session.execute(insert(sub_ranges), ranges)


def _range_row(bill: Bill, sub_range) -> dict:
    pending = sub_range.pending
    return {
        "package_no": bill.package_no,
        "start": sub_range.start,
        "end": sub_range.end,
        "amount_fen": sub_range.amount_fen,
        "holder": sub_range.holder,
        "creditor": sub_range.creditor,
        "status": str(sub_range.status),
        "pledgee": sub_range.pledgee,
        "pending_type": str(pending.type) if pending else None,
        "pending_requester": pending.requester if pending else None,
        "pending_counterparty": pending.counterparty if pending else None,
        "pending_deadline": pending.deadline if pending else None,
    }
