"""Demo data for `make run`: a small synthetic supply-chain world, written through the running
services, a regulator, and portal users for four of them.

The world (``services.credit.training.world``: 30 enterprises and 2 banks, 150 days) ends yesterday.
Its trades, invoices, bills, financing and payments go to the ledger service in order, one
day at a time, while the demo moves the platform clock through those days (``CLOCK: redis``:
every service reads ``<REDIS_PREFIX>clock:now``); then it deletes that key and the platform
runs on real time. A ledger's time never goes back, so the world must be the ledger's first
history: ``bootstrap`` (run before the services start) admits the operator at the world's
first morning on an empty ledger. A second run finds the world's last command on the ledger
and skips it; an interrupted load resumes (commands already there come back as duplicates).

Private keys of the demo parties go to ``var/keys/demo/`` (never committed): the world's keys
are derived from its seed, the regulator's is made once.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import redis
from sqlalchemy import create_engine, select

from ledger import generate_private_key, public_key_der, read_private_key, save_private_key
from ledger.commands import b64encode, parse_time, sign_command
from services.common.config import load_config
from services.common.errors import CommandRejected
from services.credit.training.world import World, generate_world, write_world
from services.gateway.operations import add_user
from services.ledger.direct import append_direct
from services.ledger.operations import ledger_settings, migrate, rpc_proxy
from services.ledger.tables import parties

SEED, SIZE, DAYS = 7, 30, 150
KEYS = Path("var/keys/demo")
DEMO_PASSWORD = "demo-password"
REGULATOR = "regulator-demo"


def world_dawn(start: date) -> datetime:
    """When the operator is admitted: a minute before the world admits its parties (01:00)."""
    return datetime.combine(start, dt_time(0, 59, tzinfo=UTC))


def admission(config: dict, party_id: str, kind: str, name: str, key, at: datetime):
    """The operator's ``party.admit`` of ``party_id`` with ``key``'s public key."""
    body = {"party_id": party_id, "kind": kind, "name": name}
    return sign_command(
        read_private_key(config["OPERATOR_KEY_FILE"]),
        type="party.admit",
        stream=f"party:{party_id}",
        expected_version=0,
        signer=config["OPERATOR_PARTY_ID"],
        body={**body, "public_key": b64encode(public_key_der(key))},
        created_at=at,
    )


def bootstrap(config: dict) -> None:
    """On an empty ledger, admit the operator at the first morning of a world ending yesterday."""
    migrate(config)
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as connection:
        empty = connection.scalar(select(parties.c.party_id).limit(1)) is None
    if empty:
        dawn = world_dawn(datetime.now(UTC).date() - timedelta(days=DAYS + 1))
        operator_key = read_private_key(config["OPERATOR_KEY_FILE"])
        operator = admission(
            config, config["OPERATOR_PARTY_ID"], "operator", "Platform operator", operator_key, dawn
        )
        (outcome,) = append_direct(engine, ledger_settings(config), [operator], now=dawn)
        if outcome.refusal:
            raise SystemExit(f"bootstrap refused: {outcome.refusal.to_dict()}")
    engine.dispose()
    print("operator admitted at the demo world's first morning" if empty else "ledger ready")


def the_world(rpc) -> World:
    """The world whose first morning is the ledger's first entry."""
    began = parse_time(rpc.ledger.get_entry(0)["envelope"]["created_at"])
    start = began.date()
    if began != world_dawn(start):
        raise SystemExit(
            f"this ledger began at {began} without the demo world, which needs a fresh ledger: "
            "drop the database (dropdb billchain) or point DATABASE_URL at a new one"
        )
    return generate_world(SEED, SIZE, start, DAYS)


def is_loaded(rpc, world: World) -> bool:
    last = world.commands[-1]
    return rpc.ledger.stream_version(last.stream) > last.expected_version


@contextmanager
def platform_clock(config: dict):
    """``set(moment)`` for the clock every service reads; real time again on the way out."""
    client = redis.Redis.from_url(config["REDIS_URL"])
    key = config.get("REDIS_PREFIX", "billchain.") + "clock:now"
    try:
        yield lambda moment: client.set(key, moment.isoformat())
    finally:
        client.delete(key)
        client.close()


def load(rpc, config: dict, world: World) -> None:
    """Write the world day by day at its own dates (or find it there), then admit a regulator."""
    started = time.monotonic()
    with platform_clock(config) as set_clock:
        if is_loaded(rpc, world):
            print("  already on the ledger")
        else:
            operator_key = read_private_key(config["OPERATOR_KEY_FILE"])
            summary = write_world(
                world,
                rpc.ledger.append,
                operator_id=config["OPERATOR_PARTY_ID"],
                operator_key=operator_key,
                set_clock=set_clock,
            )
            print(
                f"  wrote {summary.appended} commands ({summary.duplicates} already there) "
                f"in {time.monotonic() - started:.1f} s"
            )
    path = KEYS / f"{REGULATOR}.pem"
    if not path.exists():
        save_private_key(generate_private_key(), path)
    regulator = admission(
        config,
        REGULATOR,
        "regulator",
        "示范监管机构 (regulator)",
        read_private_key(path),
        datetime.now(UTC),
    )
    try:
        rpc.ledger.append_one(regulator.to_wire())
    except CommandRejected as exc:
        if exc.code not in ("STREAM_VERSION_CONFLICT", "PARTY_EXISTS"):
            raise


def demo_parties(world: World) -> dict[str, str]:
    """username → party: the tier-2/3 supplier that received most bills, the core enterprise
    that issued most, the bank that lent most, and the regulator."""
    received, issued, lent = Counter(), Counter(), Counter()
    for command in world.commands:
        if command.type in ("bill.issue", "bill.endorse"):
            received[command.body.get("payee") or command.body.get("endorsee")] += 1
            issued[command.signer] += command.type == "bill.issue"
        elif command.type == "financing.disburse":
            lent[command.signer] += 1
    suppliers = [p.party_id for p in world.parties if p.role == "sme" and p.tier >= 2]
    cores = [p.party_id for p in world.parties if p.role == "core"]
    banks = [p.party_id for p in world.parties if p.role == "bank"]
    return {
        "demo-sme": max(suppliers, key=lambda party: (received[party], party)),
        "demo-core": max(cores, key=lambda party: (issued[party], party)),
        "demo-bank": max(banks, key=lambda party: (lent[party], party)),
        "demo-regulator": REGULATOR,
    }


def holdings(rpc, party: str) -> str:
    """What the services show for ``party`` (projections follow the ledger within seconds)."""
    if party == REGULATOR:
        return "reads the whole ledger"
    counts = None
    for _ in range(30):  # until two reads a second apart agree
        latest = (
            len(rpc.bills.bills_of(party, "held")),
            len(rpc.bills.bills_of(party, "payable")),
            len(rpc.invoices.invoices_of(party, party)),
            len(rpc.invoices.trades_of(party, party)),
        )
        if latest == counts:
            break
        counts = latest
        time.sleep(1)
    text = "{} bills held, {} payable, {} invoices, {} trades".format(*counts)
    try:
        score = rpc.credit.get_score(party)
        return f"{text}, credit {score['score']} ({score['grade']})"
    except CommandRejected:  # banks are not scored
        return text


def wait_for_services(rpc) -> None:
    for _ in range(60):
        try:
            rpc.ledger.ping(), rpc.bills.ping(), rpc.invoices.health(), rpc.credit.model_info()
            return
        except Exception:
            time.sleep(1)
    raise SystemExit("the services did not answer within a minute")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", nargs="?", choices=["bootstrap", "load"], default="load")
    parser.add_argument("--config")
    arguments = parser.parse_args()
    config = load_config(arguments.config)
    if arguments.step == "bootstrap":
        return bootstrap(config)
    KEYS.mkdir(parents=True, exist_ok=True)
    with rpc_proxy(config) as rpc:
        wait_for_services(rpc)
        world = the_world(rpc)
        print(f"demo world: seed {SEED}, {len(world.parties)} parties, {world.start} + {DAYS} days")
        load(rpc, config, world)
        for party in world.parties:
            if not (KEYS / f"{party.party_id}.pem").exists():
                save_private_key(party.key, KEYS / f"{party.party_id}.pem")
        print_users(rpc, config, world)


def print_users(rpc, config: dict, world: World) -> None:
    print("portal users (open http://127.0.0.1:8000/, password 'demo-password'):")
    for username, party in demo_parties(world).items():
        add_user(config, username, party, DEMO_PASSWORD)
        print(f"  {username:<15} {party:<16} {holdings(rpc, party)}")
    print("  the parties' own keys are in var/keys/demo/; a browser's key is registered on first")
    print("  sign-in when GATEWAY_AUTO_APPROVE_KEYS is true, else approved by the operator with")
    print("  python -m services.gateway.users approve-keys")
    print(f"ledger tree size {rpc.ledger.get_checkpoint()['tree_size']}; verifier key:")
    print(f"  {rpc.ledger.public_info()['vkey']}")


if __name__ == "__main__":
    main()
