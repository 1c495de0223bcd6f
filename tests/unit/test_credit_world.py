"""The synthetic supply-chain world: deterministic, well-formed, and in the domains' language.

Pure: no broker, no database.
"""

from collections import Counter, defaultdict

from ledger import public_key_der, verify
from ledger.credit_code import is_valid_credit_code
from ledger.keys import generate_private_key
from services.credit.training.world import generate_world, write_world
from services.credit.training.world.fraud import PATTERNS
from tests.support.credit_factories import SMALL_WORLD, replay_through_domains, small_world


def test_the_same_seed_gives_the_same_world_byte_for_byte():
    seed, size = SMALL_WORLD
    again = generate_world(seed, size)
    world = small_world()
    assert again.canonical_bytes() == world.canonical_bytes()
    assert [c.entry_id for c in again.commands] == [c.entry_id for c in world.commands]
    assert [p.public_key_text for p in again.parties] == [p.public_key_text for p in world.parties]
    assert again.labels == world.labels


def test_another_seed_gives_another_world():
    assert (
        generate_world(12, 30, days=120).canonical_bytes()
        != generate_world(13, 30, days=120).canonical_bytes()
    )


def test_every_command_is_signed_by_its_signer_and_verifies():
    world = small_world()
    keys = {party.party_id: public_key_der(party.key) for party in world.parties}
    sample = world.commands[:: max(1, len(world.commands) // 500)]
    assert all(verify(keys[c.signer], c.message, c.signature) for c in sample)


def test_commands_are_in_ledger_order_with_contiguous_stream_versions():
    world = small_world()
    times = [command.created_at for command in world.commands]
    assert times == sorted(times)
    versions = defaultdict(int)
    for command in world.commands:
        assert command.expected_version == versions[command.stream], command.stream
        versions[command.stream] += 1
    assert len({(c.signer, c.nonce) for c in world.commands}) == len(world.commands)


def test_every_bill_trade_invoice_and_financing_command_passes_the_domain_rules():
    assert replay_through_domains(small_world()) == []


def test_the_world_has_the_parts_of_a_supply_chain():
    world = small_world()
    roles = Counter(party.role for party in world.parties)
    assert roles["core"] >= 2 and roles["bank"] >= 2 and roles["sme"] > 40
    assert {p.tier for p in world.parties if p.role == "sme"} == {1, 2, 3}
    assert all(is_valid_credit_code(p.credit_code) for p in world.parties)
    types = Counter(command.type for command in world.commands)
    for kind in ("trade.receive_goods", "invoice.confirm", "invoice.record_payment",
                 "invoice.approve_reversal", "bill.endorse", "bill.discount", "bill.pay",
                 "financing.disburse", "programme.open", "payment.terms_agreed"):  # fmt: skip
        assert types[kind] > 0, kind


def test_labels_stay_off_the_ledger_and_cover_defaults_and_every_fraud_pattern():
    world = small_world()
    labels = world.labels.values()
    assert any(label.default_on for label in labels)
    assert {pattern for _, pattern, _ in world.fraud_log} == set(PATTERNS)
    ledger_text = world.canonical_bytes()
    assert b"default" not in ledger_text and b"fraud" not in ledger_text


def test_writing_a_world_admits_its_parties_first_and_moves_the_clock_forward_only():
    world = generate_world(3, 20, days=40)
    operator = generate_private_key()
    seen, clock = [], []

    def append(wires):
        seen.extend(wires)
        return {"verdicts": [{"ok": True, "duplicate": False} for _ in wires]}

    first = write_world(world, append, operator_id="operator", operator_key=operator,
                        set_clock=clock.append)  # fmt: skip
    assert first.appended == len(world.parties) + len(world.commands)
    assert seen[0]["envelope"]["type"] == "party.admit"
    assert clock == sorted(clock)


def test_the_demo_world_passes_the_rules_on_the_configured_holiday_calendar():
    """``make run`` writes this world (its seed, size and length) ending yesterday, through
    services that use config.yml's calendar: holidays move deadlines, so every command must
    still hold on it, across the National Day week included."""
    from datetime import date

    from deploy.local.demo_data import DAYS, SEED, SIZE
    from services.bills.domain.calendar import BusinessCalendar
    from services.common.config import load_config

    config = load_config()
    calendar = BusinessCalendar.from_config(
        config["BILLS_HOLIDAYS"], config["BILLS_WORKING_WEEKENDS"]
    )
    assert not calendar.is_business_day(date(2026, 10, 5))
    world = generate_world(SEED, SIZE, date(2026, 7, 1), DAYS)
    assert replay_through_domains(world, calendar) == []
