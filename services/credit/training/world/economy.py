"""The economy of the synthetic world: firms, their latent health, and who supplies whom.

- Core enterprises (tier 0), SMEs in tiers 1..3 and banks. Each SME attaches to a buyer one
  tier up by preferential attachment (probability ∝ 1 + suppliers already attached), so a few
  buyers gather many suppliers, and sometimes to a second buyer.
- Every firm has a latent quality ``q ~ N(0, 1)`` and a health ``H`` that moves monthly:
  ``H += drift(q) + σ·ε + macro``; a firm defaults when ``H`` falls to 0. Lateness worsens
  as health falls (``stress = 1 / (1 + e^{2 (H − 1.5)})``), which is what makes default
  predictable from the ledger. Contagion: when a buyer defaults its suppliers' health drops,
  more for those that sold it more.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

from ledger.credit_code import example_credit_code

ITEMS = (
    "steel coil",
    "copper wire",
    "bearing",
    "gearbox",
    "pcb assembly",
    "battery cell",
    "injection mould",
    "fastener kit",
    "hydraulic pump",
    "cotton fabric",
    "packaging carton",
    "resin pellet",
)
MONTH = 30


@dataclass
class Firm:
    party_id: str
    role: str  # "core", "sme" or "bank"
    tier: int  # 0 for cores and banks
    name: str
    credit_code: str
    quality: float = 0.0
    health: float = 3.0
    drift: float = 0.0
    habit: float = 0.0  # a firm's own tendency to pay late, whatever its health
    dilution: float = 0.02  # chance an invoice it issues is partly reversed
    order_scale: int = 0  # typical order value, fen
    item: str = ""
    bank: str = ""  # house bank
    buyers: list[str] = field(default_factory=list)
    suppliers: list[str] = field(default_factory=list)
    default_day: int | None = None
    fraud: list[str] = field(default_factory=list)

    @property
    def defaulted(self) -> bool:
        return self.default_day is not None

    def stress(self) -> float:
        """0 (healthy) .. 1 (about to fail): a smooth function of health."""
        return 1.0 / (1.0 + math.exp(2.0 * (self.health - 1.5)))


def party_id(seed: int, role: str, index: int) -> str:
    digest = hashlib.sha256(f"party:{seed}:{role}:{index}".encode()).hexdigest()
    return f"{'bank' if role == 'bank' else 'ent'}-{digest[:10]}"


def _credit_code(seed: int, role: str, index: int, taken: set[str]) -> str:
    salt = 0
    while True:
        digest = hashlib.sha256(f"code:{seed}:{role}:{index}:{salt}".encode()).hexdigest()
        code = example_credit_code(int(digest[:12], 16) % 10**8)
        if code not in taken:
            taken.add(code)
            return code
        salt += 1


def counts(size: int) -> tuple[int, int, int]:
    """(cores, banks, SMEs) for a world of ``size`` enterprises."""
    cores = max(2, size // 40)
    banks = min(6, max(2, size // 60))
    return cores, banks, max(4, size - cores)


def build_firms(rng: random.Random, seed: int, size: int) -> dict[str, Firm]:
    cores, banks, smes = counts(size)
    taken: set[str] = set()
    firms: dict[str, Firm] = {}
    bank_ids = []
    for index in range(banks):
        pid = party_id(seed, "bank", index)
        code = _credit_code(seed, "bank", index, taken)
        firms[pid] = Firm(pid, "bank", 0, f"Bank {index + 1} (world {seed})", code, health=9.0)
        bank_ids.append(pid)
    for index in range(cores):
        firm = _firm(rng, seed, "core", index, 0, taken, bank_ids)
        firms[firm.party_id] = firm
    for index in range(smes):
        tier = _attach_tier(rng, firms)
        firm = _firm(rng, seed, "sme", index, tier, taken, bank_ids)
        _attach(rng, firm, firms)
        firms[firm.party_id] = firm
    return firms


def _firm(rng, seed, role, index, tier, taken, bank_ids) -> Firm:
    pid = party_id(seed, role, index)
    code = _credit_code(seed, role, index, taken)
    quality = rng.gauss(0.0, 1.0)
    name = f"Core enterprise {index + 1}" if role == "core" else f"Supplier {index + 1}"
    firm = Firm(pid, role, tier, f"{name} (world {seed})", code, quality=quality)
    if role == "core":
        firm.health = 4.5 + 0.3 * quality
        firm.drift = 0.01
        firm.order_scale = int(rng.uniform(2e6, 6e6)) * 100
    else:
        firm.health = 2.4 + 0.7 * quality + rng.gauss(0, 0.25)
        firm.drift = -0.015 + 0.04 * quality
        firm.order_scale = int(rng.lognormvariate(math.log(3e5 / tier), 0.6)) * 100
    firm.habit = max(0.0, rng.gauss(0.0, 0.4) - 0.5 * quality)
    firm.dilution = min(0.3, max(0.0, 0.03 - 0.02 * quality + rng.gauss(0, 0.015)))
    firm.item = rng.choice(ITEMS)
    firm.bank = rng.choice(bank_ids)
    return firm


def _attach_tier(rng: random.Random, firms: dict[str, Firm]) -> int:
    roll = rng.random()
    return 1 if roll < 0.3 else 2 if roll < 0.65 else 3


def _attach(rng: random.Random, firm: Firm, firms: dict[str, Firm]) -> None:
    """Preferential attachment to buyers one tier up (cores for tier 1)."""
    candidates = [f for f in firms.values() if f.role != "bank" and f.tier == firm.tier - 1]
    if firm.tier == 3:  # the deepest tier also buys from tier-3 firms that came before it
        candidates += [f for f in firms.values() if f.role == "sme" and f.tier == 3]
    if not candidates:
        candidates = [f for f in firms.values() if f.role == "core"]
    wanted = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
    for _ in range(min(wanted, len(candidates))):
        weights = [1 + len(c.suppliers) for c in candidates]
        buyer = rng.choices(candidates, weights)[0]
        if buyer.party_id in firm.buyers:
            continue
        firm.buyers.append(buyer.party_id)
        buyer.suppliers.append(firm.party_id)


def monthly_health(rng: random.Random, firms: dict[str, Firm], macro: float, day: int) -> list:
    """Move every live firm's health one month on; return the firms that defaulted."""
    defaulted = []
    for firm in firms.values():
        if firm.role == "bank" or firm.defaulted:
            continue
        firm.health += firm.drift + 0.12 * rng.gauss(0, 1) + macro
        if firm.health <= 0:
            firm.default_day = day
            defaulted.append(firm)
    return defaulted


def contagion(firms: dict[str, Firm], failed: Firm) -> None:
    """A buyer's default hits its suppliers: more for those it was a larger share of."""
    for supplier_id in failed.suppliers:
        supplier = firms[supplier_id]
        if not supplier.defaulted:
            supplier.health -= 0.35 + 0.9 / max(1, len(supplier.buyers))


def lateness_days(rng: random.Random, payer: Firm) -> int:
    """Days beyond terms of one payment: rarely late when healthy, often and long when not."""
    stress = payer.stress()
    if payer.role == "core":
        stress *= 0.5
    chance = min(0.95, 0.02 + 0.08 * payer.habit + 0.75 * stress)
    if rng.random() >= chance:
        return 0
    mean = 2 + 4 * payer.habit + 32 * stress
    return 1 + int(rng.expovariate(1 / mean))
