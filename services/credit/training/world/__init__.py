"""A seeded, deterministic synthetic supply-chain world, as signed ledger commands.

    world = generate_world(seed=7, size=300)
    world.parties        # cores, tier-1..3 suppliers and banks: ids, credit codes, P-256 keys
    world.commands       # SignedCommand, in ledger order (created_at never goes back)
    world.labels         # outside the ledger: default day and fraud patterns per party
    write_world(world, append, operator=(operator_id, operator_key), set_clock=...)

The same world feeds the demo, the credit model (``services.credit.training.dataset``) and load
tests.
Same seed and size → the same parties, keys and envelopes (``world.canonical_bytes()``);
ECDSA signatures use a fresh random nonce each time, so only the signature bytes differ.

Command types. Wherever the bills or invoices domains model a fact, the world uses their
command types and bodies exactly (``trade.*``, ``invoice.*``, ``consent.grant``,
``financing.*``, ``bill.*``). Two facts they do not model go on streams of the world's own:

- ``programme.open`` on ``programme:<id>``, signed by a bank:
  ``{programme_id, anchor, limit_fen}`` — the bank opens a supply-chain programme anchored on
  a core enterprise. The credit service treats anchors as core enterprises (network seeds).
- ``payment.terms_agreed`` on ``payment:<invoice number>``, signed by the buyer:
  ``{number, due_date}`` — the due date of a confirmed invoice (invoices carry no terms).
  Payments themselves are the invoices domain's ``invoice.record_payment`` (signed by the
  payer's bank) and ``invoice.record_bill_settlement``.

Parties are admitted with ``party.admit`` by the ledger's operator at write time (the world
cannot sign for an operator it does not own); ``world.admissions(...)`` builds them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from cryptography.hazmat.primitives.asymmetric import ec

from ledger import SignedCommand, public_key_der, sign_command
from ledger.commands import b64encode
from ledger.signatures import CURVE_ORDER
from services.credit.training.world.economy import Firm
from services.credit.training.world.market import Simulation
from services.credit.training.world.writer import WorldWriteError, WriteSummary, write_world

DEFAULT_START = date(2030, 1, 7)
DEFAULT_DAYS = 720
DAY_OPENS = time(2, 0, tzinfo=UTC)  # 10:00 in China: business dates are China dates


@dataclass(frozen=True)
class WorldParty:
    party_id: str
    kind: str  # the ledger's party kind: "enterprise" or "bank"
    role: str  # "core", "sme" or "bank"
    tier: int
    name: str
    credit_code: str
    key: ec.EllipticCurvePrivateKey = field(repr=False, compare=False)

    @property
    def public_key_text(self) -> str:
        return b64encode(public_key_der(self.key))

    def admission_body(self) -> dict:
        return {
            "party_id": self.party_id,
            "kind": self.kind,
            "name": self.name,
            "credit_code": self.credit_code,
            "public_key": self.public_key_text,
        }


@dataclass(frozen=True)
class PartyLabel:
    """Ground truth the ledger never sees."""

    party_id: str
    role: str
    tier: int
    quality: float
    default_on: date | None
    fraud: tuple[str, ...]


@dataclass(frozen=True)
class World:
    seed: int
    size: int
    start: date
    days: int
    parties: tuple[WorldParty, ...]
    commands: tuple[SignedCommand, ...]
    labels: dict[str, PartyLabel]
    fraud_log: tuple[tuple[str, str, date], ...]

    def party(self, party_id: str) -> WorldParty:
        return next(p for p in self.parties if p.party_id == party_id)

    @property
    def admitted_at(self) -> datetime:
        return datetime.combine(self.start, time(1, 0, tzinfo=UTC))

    def admissions(self, operator_id: str, operator_key) -> list[SignedCommand]:
        """The operator's ``party.admit`` of every party, at the world's first morning."""
        return [
            sign_command(
                operator_key,
                type="party.admit",
                stream=f"party:{party.party_id}",
                expected_version=0,
                signer=operator_id,
                body=party.admission_body(),
                created_at=self.admitted_at + timedelta(milliseconds=position),
                nonce=_nonce(self.seed, self.size, f"admit:{position}"),
            )
            for position, party in enumerate(self.parties)
        ]

    def records(self, operator_id: str = "operator", operator_key=None) -> list[dict]:
        """Leaf-like records ``{sequence, entry_id, envelope, signature, ledger_time}`` as a
        fresh ledger would hold them (admissions first; ledger time = ``created_at``): the
        input of the credit model's offline path, identical in shape to ``read_entries``."""
        operator_key = operator_key or derived_key(self.seed, operator_id)
        commands = [*self.admissions(operator_id, operator_key), *self.commands]
        return [
            {
                "sequence": sequence,
                "entry_id": command.entry_id,
                "envelope": command.envelope,
                "signature": b64encode(command.signature),
                "ledger_time": command.created_at,
            }
            for sequence, command in enumerate(commands)
        ]

    def canonical_bytes(self) -> bytes:
        """The canonical envelopes, one per line: what determinism is checked on."""
        return b"\n".join(command.message for command in self.commands)

    def day_of(self, moment: datetime) -> int:
        return (moment.date() - self.start).days


def derived_key(seed: int, party_id: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key derived from the seed: synthetic parties only, never a real one."""
    digest = hashlib.sha256(f"credit-world-key:{seed}:{party_id}".encode()).digest()
    return ec.derive_private_key(
        int.from_bytes(digest, "big") % (CURVE_ORDER - 1) + 1, ec.SECP256R1()
    )


def _nonce(seed: int, size: int, label: str) -> str:
    digest = hashlib.sha256(f"credit-world-nonce:{seed}:{size}:{label}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def _party(firm: Firm, seed: int) -> WorldParty:
    kind = "bank" if firm.role == "bank" else "enterprise"
    key = derived_key(seed, firm.party_id)
    return WorldParty(firm.party_id, kind, firm.role, firm.tier, firm.name, firm.credit_code, key)


def generate_world(
    seed: int, size: int, start: date = DEFAULT_START, days: int = DEFAULT_DAYS, progress=None
) -> World:
    """Simulate ``days`` days of an economy of about ``size`` enterprises and sign every act.

    ``progress(done, total)`` is called while signing (long worlds take seconds).
    """
    simulation = Simulation(seed, size, start, days)
    simulation.run()
    parties = tuple(_party(firm, seed) for firm in simulation.firms.values())
    keys = {party.party_id: party.key for party in parties}
    commands = []
    per_day: dict[int, int] = {}
    total = len(simulation.acts)
    for position, act in enumerate(simulation.acts):
        offset = per_day.get(act.day, 0)
        per_day[act.day] = offset + 1
        moment = datetime.combine(start + timedelta(days=act.day), DAY_OPENS)
        commands.append(
            sign_command(
                keys[act.signer],
                type=act.type,
                stream=act.stream,
                expected_version=act.expected_version,
                signer=act.signer,
                body=act.body,
                created_at=moment + timedelta(milliseconds=offset),
                nonce=_nonce(seed, size, str(position)),
            )
        )
        if progress and position % 25000 == 24999:
            progress(position + 1, total)
    return World(
        seed,
        size,
        start,
        days,
        parties,
        tuple(commands),
        _labels(simulation),
        tuple((p, pattern, start + timedelta(days=d)) for p, pattern, d in simulation.fraud_log),
    )


def _labels(simulation: Simulation) -> dict[str, PartyLabel]:
    labels = {}
    for firm in simulation.firms.values():
        default_on = (
            simulation.start + timedelta(days=firm.default_day)
            if firm.default_day is not None
            else None
        )
        labels[firm.party_id] = PartyLabel(
            firm.party_id, firm.role, firm.tier, firm.quality, default_on, tuple(firm.fraud)
        )
    return labels


__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_START",
    "PartyLabel",
    "World",
    "WorldParty",
    "WorldWriteError",
    "WriteSummary",
    "derived_key",
    "generate_world",
    "write_world",
]
