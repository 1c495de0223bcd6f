"""Who may do what through the gateway: pure rules, no nameko, no I/O.

A portal user acts for exactly one party. They may submit only commands their party signed,
and read only bills, receipts and documents their party takes part in.
"""

from __future__ import annotations

from services.common.errors import ValidationFailed
from services.gateway.errors import NotYourParty

# envelope.type prefix → the service whose ``submit`` decides it
ROUTES = {
    "bill.": "bills",
    "invoice.": "invoices",
    "trade.": "invoices",
    "consent.": "invoices",
    "financing.": "invoices",
}
KEY_COMMANDS = ("key.register", "key.revoke", "key.rotate")
BILL_ROLES = ("held", "payable", "receivable")


def route_of(command_type: object) -> str:
    """The service for a command type, e.g. ``route_of("bill.endorse") == "bills"``."""
    if isinstance(command_type, str):
        for prefix, service in ROUTES.items():
            if command_type.startswith(prefix):
                return service
    raise ValidationFailed(
        "envelope.type must start with bill., invoice., trade., consent. or financing.",
        {"type": str(command_type)[:64]},
        code="COMMAND_TYPE_NOT_ROUTED",
    )


def envelope_of(wire: object) -> dict:
    """The envelope of a signed command, checked only as far as routing needs."""
    if not isinstance(wire, dict) or set(wire) != {"envelope", "signature"}:
        raise ValidationFailed(
            'a signed command is {"envelope": {...}, "signature": "..."}', code="INVALID_ENVELOPE"
        )
    envelope = wire["envelope"]
    if not isinstance(envelope, dict):
        raise ValidationFailed("envelope must be an object", code="INVALID_ENVELOPE")
    return envelope


def require_signer(envelope: dict, party_id: str) -> None:
    if envelope.get("signer") != party_id:
        raise NotYourParty(
            "you may only submit commands signed by your own party",
            {"signer": str(envelope.get("signer"))[:64], "party_id": party_id},
        )


def bill_parties(bill: dict) -> set[str]:
    """Every party a bill names: drawer, acceptor, payee, holders, chains, history actors."""
    parties = {bill.get("drawer"), bill.get("acceptor"), bill.get("payee")}
    for part in bill.get("ranges", []):
        parties.update((part.get("holder"), part.get("creditor"), part.get("pledgee")))
        for link in part.get("chain", []):
            parties.update((link.get("endorser"), link.get("endorsee")))
        for guarantee in part.get("guarantees", []) or []:
            parties.add(guarantee.get("guarantor"))
    for step in bill.get("history", []):
        parties.add(step.get("actor"))
    parties.discard(None)
    return parties


def require_bill_party(bill: dict, party_id: str) -> None:
    if party_id not in bill_parties(bill):
        raise NotYourParty("your party takes no part in this bill", {"party_id": party_id})


def require_role(role: str | None) -> str:
    role = role or "held"
    if role not in BILL_ROLES:
        raise ValidationFailed(
            "role must be held, payable or receivable", {"role": role[:32]}, code="INVALID_QUERY"
        )
    return role
