"""What flows through ``decide`` and ``evolve``: commands, the context, events.

- ``Command(type, actor, body)`` is the raw signed intent (``actor`` = the signer's party id);
  ``parse_command`` turns it into a typed, validated command dataclass (``TypedCommand``).
- ``Context`` carries ledger time and read-only lookups; decide never reads anything else.
- ``Event`` subclasses are past-tense facts with a stable ``name``, ``to_dict()`` (JSON-safe,
  canonical-codec-safe) and ``event_from_dict``.

Typed command and event classes register themselves by type string / name when their module
is imported; ``services.invoices.domain`` imports them all.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Protocol

from services.invoices.domain.fields import PARTY, Body
from services.invoices.errors import CommandBodyInvalid, UnknownCommandType

ENTERPRISE, BANK, REGULATOR, OPERATOR = "enterprise", "bank", "regulator", "operator"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))

_COMMANDS: dict[str, type[TypedCommand]] = {}
_EVENTS: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Command:
    """A raw command as signed: ``Command("invoice.confirm", "party-7", {"number": "..."})``."""

    type: str
    actor: str
    body: dict


class Records(Protocol):
    """Read-only views of other streams, for decisions that span them (financing checks).

    The service implements it over its projections; tests over an in-memory store.
    """

    def invoice(self, number: str) -> Any | None: ...

    def trade(self, trade_id: str) -> Any | None: ...

    def invoices_of_trade(self, trade_id: str) -> Sequence[Any]: ...

    def consent(self, sme: str) -> Any | None: ...

    def available_credit_fen(self, sme: str, bank: str) -> int | None: ...


class NoRecords:
    """The default ``Records``: nothing is known, no credit limit applies."""

    def invoice(self, number: str) -> None:
        return None

    def trade(self, trade_id: str) -> None:
        return None

    def invoices_of_trade(self, trade_id: str) -> Sequence[Any]:
        return ()

    def consent(self, sme: str) -> None:
        return None

    def available_credit_fen(self, sme: str, bank: str) -> None:
        return None


@dataclass(frozen=True)
class Context:
    """Ledger time (UTC, aware) and lookups: ``party_kind(party)`` → ``"enterprise"``,
    ``"bank"``, ``"regulator"``, ``"operator"`` or ``None``; ``credit_code_of(party)`` → the
    party's unified social credit code or ``None``; ``records`` → other streams' states."""

    now: datetime
    party_kind: Callable[[str], str | None]
    credit_code_of: Callable[[str], str | None]
    records: Records = field(default_factory=NoRecords)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() != timedelta(0):
            raise ValueError("Context.now must be timezone-aware UTC")

    def today_in_china(self) -> str:
        """The calendar date in China Standard Time: invoice dates are local dates."""
        return self.now.astimezone(CHINA_STANDARD_TIME).date().isoformat()

    def is_bank(self, party: str) -> bool:
        return self.party_kind(party) == BANK


@dataclass(frozen=True)
class TypedCommand(ABC):
    """Base of the typed commands. Subclasses set ``TYPE`` (wire type string) and
    ``AGGREGATE`` (stream kind), and implement ``from_body(actor, body)`` and ``stream_key``."""

    TYPE: ClassVar[str] = ""
    AGGREGATE: ClassVar[str] = ""
    actor: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.TYPE:
            _COMMANDS[cls.TYPE] = cls

    @classmethod
    @abstractmethod
    def from_body(cls, actor: str, body: Body) -> TypedCommand:
        """Build the command from a validated body (each command type defines its fields)."""

    @property
    @abstractmethod
    def stream_key(self) -> str:
        """The part of the stream name after the aggregate, e.g. the invoice number."""

    @property
    def stream(self) -> str:
        """The ledger stream this command must be appended to, e.g. ``invoice:<number>``."""
        return f"{self.AGGREGATE}:{self.stream_key}"


def parse_command(type: str, actor: str, body: dict) -> TypedCommand:
    """Validate ``body`` for ``type`` and return the typed command (or raise a
    ``ValidationFailed`` subclass with a stable code)."""
    command_class = _COMMANDS.get(type)
    if command_class is None:
        raise UnknownCommandType(f"unknown command type {type!r}", {"type": type})
    if not isinstance(actor, str) or not PARTY.fullmatch(actor):
        raise CommandBodyInvalid("actor: not a party id", {"field": "actor", "problem": "form"})
    reader = Body(body)
    command = command_class.from_body(actor, reader)
    reader.done()
    return command


def typed(command: Command | TypedCommand) -> TypedCommand:
    if isinstance(command, TypedCommand):
        return command
    return parse_command(command.type, command.actor, command.body)


def command_types() -> dict[str, str]:
    """Every known command type string → its stream kind."""
    return {name: cls.AGGREGATE for name, cls in sorted(_COMMANDS.items())}


@dataclass(frozen=True)
class Event:
    """Base of the events. Subclasses set ``name`` and ``AGGREGATE``; nested value types
    are listed in ``NESTED`` (field → class with ``from_dict``) so ``event_from_dict``
    can rebuild them."""

    name: ClassVar[str] = ""
    AGGREGATE: ClassVar[str] = ""
    NESTED: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            _EVENTS[cls.name] = cls

    def to_dict(self) -> dict:
        return {"name": self.name, **_fields(self)}


def event_from_dict(payload: dict) -> Event:
    """Rebuild an event from ``to_dict()`` output; ``KeyError`` for an unknown name."""
    fields = {key: value for key, value in payload.items() if key != "name"}
    event_class = _EVENTS[payload["name"]]
    for key, item_class in event_class.NESTED.items():
        fields[key] = tuple(item_class.from_dict(item) for item in fields[key])
    return event_class(**fields)


def plain(value: Any) -> Any:
    """The JSON-safe form: value types by their own ``to_dict``, other dataclasses field by
    field, tuples as lists, recursively."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


def _fields(value: Any) -> dict:
    return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
