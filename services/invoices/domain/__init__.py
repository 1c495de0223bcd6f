"""Entry points of the invoices domain: one ``decide``/``evolve`` pair per stream kind.

    events = decide_invoice(state, Command("invoice.confirm", "party-7", {"number": n}), context)
    for event in events:
        state = evolve_invoice(state, event)

Stream kinds and keys: ``invoice:<20-digit number>`` (the invoice, its reversals, payments
and the financing registry's claims), ``trade:<trade_id>``, ``consent:<sme party id>``,
``financing:<financing_id>``. ``stream_for(command)`` names the stream a command must be
appended to; the service checks it equals the envelope's stream. ``decide`` accepts a raw
``Command`` or a typed one from ``parse_command``; it returns events or raises an
``InvoicesError`` with a stable code, and never mutates ``state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from services.invoices.domain import (
    consent,
    financing_commands,
    issuance,
    registry,
    reversal,
    trade_commands,
)
from services.invoices.domain.consent import (
    ConsentState,
    evolve_consent,
    has_consent,
    require_consent,
)
from services.invoices.domain.financing import FinancingState, evolve_financing
from services.invoices.domain.invoice import (
    InvoiceState,
    public_verification,
)
from services.invoices.domain.invoice_events import (
    evolve_invoice,
)
from services.invoices.domain.matching import MatchResult, match, require_matched
from services.invoices.domain.messages import (
    Command,
    Context,
    Event,
    NoRecords,
    Records,
    TypedCommand,
    command_types,
    event_from_dict,
    parse_command,
    typed,
)
from services.invoices.domain.trade import TradeState, evolve_trade
from services.invoices.errors import WrongAggregate

__all__ = [
    "AGGREGATES",
    "Command",
    "ConsentState",
    "Context",
    "Event",
    "FinancingState",
    "InvoiceState",
    "MatchResult",
    "NoRecords",
    "Records",
    "TradeState",
    "TypedCommand",
    "aggregate_of",
    "command_types",
    "decide",
    "decide_consent",
    "decide_financing",
    "decide_invoice",
    "decide_trade",
    "event_from_dict",
    "evolve",
    "evolve_consent",
    "evolve_financing",
    "evolve_invoice",
    "evolve_trade",
    "has_consent",
    "match",
    "parse_command",
    "public_verification",
    "replay",
    "require_consent",
    "require_matched",
    "stream_for",
]


@dataclass(frozen=True)
class Aggregate:
    """One stream kind: its command handlers and its evolve."""

    kind: str
    handlers: dict[type, Callable[..., list[Event]]]
    evolve: Callable[[Any, Event], Any]

    def decide(self, state: Any, command: Command | TypedCommand, context: Context) -> list[Event]:
        command = typed(command)
        handler = self.handlers.get(type(command))
        if handler is None:
            raise WrongAggregate(
                f"{command.TYPE} is not a command on {self.kind} streams",
                {"type": command.TYPE, "aggregate": self.kind},
            )
        return handler(state, command, context)


INVOICE = Aggregate(
    "invoice", {**issuance.HANDLERS, **reversal.HANDLERS, **registry.HANDLERS}, evolve_invoice
)
TRADE = Aggregate("trade", trade_commands.HANDLERS, evolve_trade)
CONSENT = Aggregate("consent", consent.HANDLERS, evolve_consent)
FINANCING = Aggregate("financing", financing_commands.HANDLERS, evolve_financing)
AGGREGATES = {aggregate.kind: aggregate for aggregate in (INVOICE, TRADE, CONSENT, FINANCING)}


def decide_invoice(state: InvoiceState | None, command, context: Context) -> list[Event]:
    return INVOICE.decide(state, command, context)


def decide_trade(state: TradeState | None, command, context: Context) -> list[Event]:
    return TRADE.decide(state, command, context)


def decide_consent(state: ConsentState | None, command, context: Context) -> list[Event]:
    return CONSENT.decide(state, command, context)


def decide_financing(state: FinancingState | None, command, context: Context) -> list[Event]:
    return FINANCING.decide(state, command, context)


def decide(state: Any, command: Command | TypedCommand, context: Context) -> list[Event]:
    """Route ``command`` to its stream kind's decide (the state must be that stream's)."""
    command = typed(command)
    return AGGREGATES[command.AGGREGATE].decide(state, command, context)


def evolve(state: Any, event: Event) -> Any:
    """Route ``event`` to its stream kind's evolve."""
    return AGGREGATES[event.AGGREGATE].evolve(state, event)


def replay(events: Iterable[Event], state: Any = None) -> Any:
    """Fold events of one stream into its state (``None`` before the first event)."""
    for event in events:
        state = evolve(state, event)
    return state


def stream_for(command: Command | TypedCommand) -> str:
    """The stream a command belongs to, e.g. ``invoice:12345678901234567890``."""
    return typed(command).stream


def aggregate_of(command_type: str) -> str:
    """The stream kind of a command type (``"invoice"``, ``"trade"``, ``"consent"``,
    ``"financing"``); ``KeyError`` when unknown."""
    return command_types()[command_type]
