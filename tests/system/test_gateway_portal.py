"""The portal end to end in headless Chromium against the running stack (keys auto-approved,
as ``make run`` configures it): users sign in, the browser makes its non-extractable key and
enrols it with proof of possession, bills are issued, accepted, received, endorsed in part and
signed, every command signed in the browser and its ledger receipt verified there; a refusal
shows its message; the language switches. Screenshots: var/screenshots/portal-*.png
(`make screenshots`: docs/screenshots/)."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.bills_service_harness import Timeline
from tests.support.gateway_harness import PASSWORD, add_user, start_stack

ROOT = Path(__file__).resolve().parents[2]
# var/screenshots/ (not committed); `make screenshots` writes docs/screenshots/ instead
SHOTS = Path(os.environ.get("BILLCHAIN_SCREENSHOTS") or ROOT / "var" / "screenshots")


@pytest.fixture(scope="module", autouse=True)
def chromium():
    """Debian's Chromium (`make test` installs it; never a downloaded browser)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium", pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    stack, stop = start_stack(
        "portal",
        ledger_config,
        database_factory,
        services,
        run_id,
        redis_prefix,
        operator,
        GATEWAY_AUTO_APPROVE_KEYS="true",
    )
    yield stack
    stop()


def browser(*args) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.gateway_browser", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def keys_on_ledger(stack, party_id: str) -> set[str]:
    return {key["key_id"] for key in stack.rpc.ledger.get_party(party_id)["keys"]}


def test_a_user_endorses_a_bill_signed_in_the_browser_and_sees_the_receipt_verified(
    stack, tmp_path
):
    desk = stack.desk
    desk.clock.set(datetime.now(UTC))  # the browser stamps created_at by the server's clock
    timeline = Timeline(stack.clock, year=datetime.now(UTC).year + 1)
    drawer, payee, endorsee = (desk.admit() for _ in range(3))
    acceptor = desk.admit("bank")
    user = add_user(stack.config, payee.party_id)
    profile = str(tmp_path / "chromium-profile")
    common = (stack.url, user, PASSWORD, profile, str(SHOTS))

    assert browser("key", *common) == "registered"
    assert len(keys_on_ledger(stack, payee.party_id)) == 2  # admitted with one, the browser's
    timeline.go(3, 3)
    bill = desk.deliver(drawer, acceptor, payee, timeline.date(9, 3))

    message = browser("endorse", *common, bill, "1", "5000", endorsee.party_id)
    assert "Receipt verified" in message
    pending = stack.rpc.bills.get_bill(bill)["ranges"][0]["pending"]
    assert pending["type"] == "endorsement" and pending["counterparty"] == endorsee.party_id


def test_two_parties_issue_endorse_in_part_and_sign_in_the_portal(stack):
    desk = stack.desk
    timeline = Timeline(stack.clock, year=datetime.now(UTC).year + 2)
    timeline.go(3, 3)
    drawer, payee, bank = desk.admit(), desk.admit(), desk.admit("bank")
    users = {
        role: f"{add_user(stack.config, party.party_id)}:{party.party_id}"
        for role, party in (("drawer", drawer), ("payee", payee), ("bank", bank))
    }
    maturity = timeline.date(8, 3).isoformat()

    seen = json.loads(browser("story", stack.url, PASSWORD, str(SHOTS), *users.values(), maturity))

    assert [seen[f"{role}_key"] for role in users] == ["registered"] * 3
    bill = stack.rpc.bills.get_bill(seen["bill"])
    assert (bill["drawer"], bill["payee"], bill["acceptor"]) == (
        drawer.party_id,
        payee.party_id,
        bank.party_id,
    )
    holders = [(part["start"], part["end"], part["holder"]) for part in bill["ranges"]]
    assert holders == [(1, 30000000, drawer.party_id), (30000001, 100000000, payee.party_id)]
    assert "Receipt verified" in seen["endorsed"] and "Receipt verified" in seen["signed"]
    assert [text.split(" ")[0] for text in seen["ranges"]] == [
        "[1–30000000]",
        "[30000001–100000000]",
    ]
    assert seen["verified"].strip().startswith("Receipt verified")
    assert "You do not hold this range (BILL_NOT_HOLDER)" in seen["refused"]
    assert seen["zh_heading"] == "办理业务"
    assert seen["zh_operation"] != "Endorse" and seen["zh_operation"]
