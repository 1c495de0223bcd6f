"""Before delivery: issue (出票), acceptance (提示承兑 → 承兑/拒绝), receipt (提示收票 → 签收/
驳回) and revocation (撤票).

The drawer registers the bill, presents it to the named acceptor, and once accepted presents
it to the payee; the payee's signature delivers it and the bill enters circulation. Until then
the drawer may revoke it (after withdrawing any pending presentment). A refused acceptance
is final for the package: the drawer can only revoke it and draw a new one.
"""

from __future__ import annotations

from services.bills.domain.bill import (
    PRE_DELIVERY,
    Bill,
    BillKind,
    Context,
    PackageStatus,
    RequestType,
)
from services.bills.domain.commands import (
    Accept,
    Issue,
    PresentAcceptance,
    PresentReceipt,
    Receive,
    RefuseAcceptance,
    RefuseReceipt,
    Revoke,
)
from services.bills.domain.events import (
    AcceptancePresented,
    AcceptanceRefused,
    BillAccepted,
    BillIssued,
    BillReceived,
    BillRevoked,
    ReceiptPresented,
    ReceiptRefused,
)
from services.bills.domain.guards import (
    BANK,
    ENTERPRISE,
    existing,
    require_actor,
    require_counterparty,
    require_idle,
    require_in_time,
    require_kind,
    require_pending,
    require_status,
)
from services.bills.domain.timing import last_day_before_maturity, request_deadline
from services.bills.errors import (
    BillExists,
    BillIssueDateNotToday,
    BillMatured,
    BillNotBank,
    BillNotDrawer,
    BillNotEnterprise,
)


def issue(bill: Bill | None, command: Issue, context: Context) -> list:
    if bill is not None:
        raise BillExists("this package number is already issued", {"package_no": bill.package_no})
    require_kind(context, command.actor, ENTERPRISE, BillNotEnterprise, "drawer")
    if command.kind is BillKind.BANK_ACCEPTANCE:
        require_kind(context, command.acceptor, BANK, BillNotBank, "acceptor")
    else:
        require_kind(context, command.acceptor, ENTERPRISE, BillNotEnterprise, "acceptor")
    require_kind(context, command.payee, ENTERPRISE, BillNotEnterprise, "payee")
    if command.issue_date != context.today:
        details = {"today": context.today.isoformat()}
        raise BillIssueDateNotToday("a bill is issued on the day it is registered", details)
    return [
        BillIssued(
            command.package_no,
            str(command.kind),
            command.supply_chain,
            command.actor,
            command.acceptor,
            command.payee,
            command.amount_fen,
            command.issue_date,
            command.maturity_date,
            command.splittable,
            command.not_transferable,
            at=context.now,
        )
    ]


def present_acceptance(bill: Bill | None, command: PresentAcceptance, context: Context) -> list:
    act = "present for acceptance"
    bill = _drawers_presentment(bill, command.actor, PackageStatus.DRAFTED, act)
    deadline = _presentment_deadline(bill, context)
    return [AcceptancePresented(bill.drawer, bill.acceptor, deadline, at=context.now)]


def accept(bill: Bill | None, command: Accept, context: Context) -> list:
    bill = _answering(bill, command.actor, RequestType.ACCEPTANCE, context, in_time=True)
    return [BillAccepted(command.actor, at=context.now)]


def refuse_acceptance(bill: Bill | None, command: RefuseAcceptance, context: Context) -> list:
    bill = _answering(bill, command.actor, RequestType.ACCEPTANCE, context, in_time=False)
    return [AcceptanceRefused(command.actor, command.reason, at=context.now)]


def present_receipt(bill: Bill | None, command: PresentReceipt, context: Context) -> list:
    bill = _drawers_presentment(bill, command.actor, PackageStatus.ACCEPTED, "present for receipt")
    deadline = _presentment_deadline(bill, context)
    return [ReceiptPresented(bill.drawer, bill.payee, deadline, at=context.now)]


def receive(bill: Bill | None, command: Receive, context: Context) -> list:
    bill = _answering(bill, command.actor, RequestType.RECEIPT, context, in_time=True)
    return [BillReceived(command.actor, at=context.now)]


def refuse_receipt(bill: Bill | None, command: RefuseReceipt, context: Context) -> list:
    bill = _answering(bill, command.actor, RequestType.RECEIPT, context, in_time=False)
    return [ReceiptRefused(command.actor, command.reason, at=context.now)]


def revoke(bill: Bill | None, command: Revoke, context: Context) -> list:
    bill = existing(bill)
    require_status(bill, PRE_DELIVERY, "revoke")
    require_actor(command.actor, bill.drawer, BillNotDrawer, "drawer")
    require_idle(bill.ranges[0])  # a presented bill is revoked after withdrawing the presentment
    return [BillRevoked(command.actor, at=context.now)]


def _drawers_presentment(bill: Bill | None, actor: str, status: PackageStatus, act: str) -> Bill:
    bill = existing(bill)
    require_status(bill, (status,), act)
    require_actor(actor, bill.drawer, BillNotDrawer, "drawer")
    require_idle(bill.ranges[0])
    return bill


def _presentment_deadline(bill: Bill, context: Context):
    last_day = last_day_before_maturity(bill)
    if context.today > last_day:
        raise BillMatured("acceptance and receipt come before maturity")
    return request_deadline(context.today, last_day, context.calendar)


def _answering(
    bill: Bill | None, actor: str, request: RequestType, context: Context, *, in_time: bool
) -> Bill:
    bill = existing(bill)
    pending = require_pending(bill.ranges[0], (request,))
    require_counterparty(actor, pending)
    if in_time:
        require_in_time(pending, context)
    return bill
