"""An SME's consent for banks to read its documents (stream ``consent:<sme party id>``).

SMEs fear their trade data leaking; nothing of theirs is shown to a bank they have not named.
The SME itself signs each grant and withdrawal, so the stream key is the signer.

Commands (signed by the SME, an enterprise):

- ``consent.grant``    {bank}
- ``consent.withdraw`` {bank}

Reads: ``has_consent(state, bank)``; ``require_consent(state, bank)`` raises
``CONSENT_REQUIRED``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.invoices.domain.fields import PARTY, Body
from services.invoices.domain.messages import ENTERPRISE, Context, Event, TypedCommand
from services.invoices.errors import (
    ConsentAlreadyGranted,
    ConsentNotGranted,
    ConsentRequired,
    PartyNotBank,
    PartyNotEnterprise,
)


@dataclass(frozen=True)
class ConsentState:
    sme: str
    banks: frozenset[str] = frozenset()


def has_consent(state: ConsentState | None, bank: str) -> bool:
    return state is not None and bank in state.banks


def require_consent(state: ConsentState | None, bank: str) -> None:
    """Refuse a bank's read of an SME's documents unless the SME consented."""
    if not has_consent(state, bank):
        raise ConsentRequired("the enterprise has not given this bank access to its documents")


@dataclass(frozen=True)
class ConsentCommand(TypedCommand):
    AGGREGATE = "consent"
    bank: str

    @property
    def stream_key(self) -> str:
        return self.actor

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ConsentCommand:
        return cls(actor, body.text("bank", PARTY))


class GrantConsent(ConsentCommand):
    TYPE = "consent.grant"


class WithdrawConsent(ConsentCommand):
    TYPE = "consent.withdraw"


@dataclass(frozen=True)
class ConsentEvent(Event):
    AGGREGATE = "consent"
    sme: str
    bank: str


class ConsentGranted(ConsentEvent):
    name = "consent_granted"


class ConsentWithdrawn(ConsentEvent):
    name = "consent_withdrawn"


def _require_enterprise(command: ConsentCommand, context: Context) -> None:
    if context.party_kind(command.actor) != ENTERPRISE:
        raise PartyNotEnterprise("consent is given and withdrawn by an enterprise")


def grant(state, command: GrantConsent, context: Context) -> list[Event]:
    _require_enterprise(command, context)
    if not context.is_bank(command.bank):
        raise PartyNotBank(f"{command.bank} is not a bank")
    if has_consent(state, command.bank):
        raise ConsentAlreadyGranted("this bank already has access")
    return [ConsentGranted(command.actor, command.bank)]


def withdraw(state, command: WithdrawConsent, context: Context) -> list[Event]:
    _require_enterprise(command, context)
    if not has_consent(state, command.bank):
        raise ConsentNotGranted("this bank has no access to withdraw")
    return [ConsentWithdrawn(command.actor, command.bank)]


def evolve_consent(state: ConsentState | None, event: Event) -> ConsentState:
    current = state or ConsentState(event.sme)
    if isinstance(event, ConsentGranted):
        return replace(current, banks=current.banks | {event.bank})
    if isinstance(event, ConsentWithdrawn):
        return replace(current, banks=current.banks - {event.bank})
    raise ValueError(f"{event.name} does not apply to consent")


HANDLERS = {GrantConsent: grant, WithdrawConsent: withdraw}
