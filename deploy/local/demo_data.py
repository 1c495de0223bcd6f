"""Demo data for `make run`: admits demo parties and prints who they are.

Each demo party's private key is written under ``var/keys/demo/`` (never committed): the demo
signs as them the way a bank or the portal would, on its own side.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from ledger import generate_private_key, public_key_der, read_private_key, save_private_key
from ledger.commands import b64encode, sign_command
from ledger.credit_code import example_credit_code
from ledger.service.operations import rpc_proxy
from services.common.config import load_config
from services.common.errors import CommandRejected
from services.gateway.operations import add_user

DEMO_PARTIES = [
    ("core-sh-auto", "enterprise", "上海汽车核心制造有限公司 (core enterprise)", 1001),
    ("tier1-sz-parts", "enterprise", "深圳一级零部件有限公司 (tier-1 supplier)", 1002),
    ("tier2-dg-metal", "enterprise", "东莞二级金属制品厂 (tier-2 supplier)", 1003),
    ("bank-demo-sh", "bank", "示范银行上海分行 (bank)", 1004),
    ("regulator-demo", "regulator", "示范监管机构 (regulator)", None),
]
KEYS = Path("var/keys/demo")
DEMO_PASSWORD = "demo-password"


def party_key(party_id: str):
    KEYS.mkdir(parents=True, exist_ok=True)
    path = KEYS / f"{party_id}.pem"
    if not path.exists():
        save_private_key(generate_private_key(), path)
    return read_private_key(path)


def admit(rpc, operator_key, operator_id: str, party) -> str:
    party_id, kind, name, serial = party
    body = {
        "party_id": party_id,
        "kind": kind,
        "name": name,
        "public_key": b64encode(public_key_der(party_key(party_id))),
    }
    if serial is not None:
        body["credit_code"] = example_credit_code(serial)
    command = sign_command(
        operator_key,
        type="party.admit",
        stream=f"party:{party_id}",
        expected_version=0,
        signer=operator_id,
        body=body,
        created_at=datetime.now(UTC),
    )
    try:
        rpc.ledger.append_one(command.to_wire())
        return "admitted"
    except CommandRejected as exc:
        if exc.code in ("STREAM_VERSION_CONFLICT", "PARTY_EXISTS"):
            return "already admitted"
        raise


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    config = load_config(parser.parse_args().config)
    operator_key = read_private_key(config["OPERATOR_KEY_FILE"])
    with rpc_proxy(config) as rpc:
        for _ in range(60):
            try:
                rpc.ledger.ping()
                break
            except Exception:
                time.sleep(1)
        print("demo parties (keys in var/keys/demo/):")
        for party in DEMO_PARTIES:
            outcome = admit(rpc, operator_key, config["OPERATOR_PARTY_ID"], party)
            print(f"  {party[0]:<16} {party[1]:<10} {party[2]}  [{outcome}]")
        print("portal users (open http://127.0.0.1:8000/, password 'demo-password'):")
        for party_id, kind, _, _ in DEMO_PARTIES:
            add_user(config, party_id, party_id, DEMO_PASSWORD)
            print(f"  {party_id:<16} ({kind})")
        print("  on first sign-in the browser makes its key; register it with")
        print("  python -m services.gateway.users register-key --party <party> --public-key <key>")
        checkpoint = rpc.ledger.get_checkpoint()
        print(f"ledger tree size {checkpoint['tree_size']}; verifier key:")
        print(f"  {rpc.ledger.public_info()['vkey']}")


if __name__ == "__main__":
    main()
