"""The portal end to end in headless Chromium: a user signs in, the browser makes its
non-extractable key, the operator registers it, and the user endorses a bill signed in the
browser and sees its ledger receipt verified in the browser. Screenshots: docs/screenshots/."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bills_service_harness import Timeline
from gateway_harness import PASSWORD, add_user, start_stack

from ledger import sign_command

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def chromium():
    """Debian's Chromium (`make test` installs it; never a downloaded browser)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    stack, stop = start_stack(
        "portal", ledger_config, database_factory, services, run_id, redis_prefix, operator
    )
    yield stack
    stop()


def browser(*args) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "gateway_browser.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_user_endorses_a_bill_signed_in_the_browser_and_sees_the_receipt_verified(
    stack, operator, tmp_path
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = stack.desk
    desk.clock.set(datetime.now(UTC))  # the browser stamps created_at by the server's clock
    timeline = Timeline(stack.clock, year=datetime.now(UTC).year + 1)
    drawer, payee, endorsee = (desk.admit() for _ in range(3))
    acceptor = desk.admit("bank")
    user = add_user(stack.config, payee.party_id)
    profile = str(tmp_path / "chromium-profile")
    common = (stack.url, user, PASSWORD, profile, str(SHOTS))

    public_key = browser("key", *common)
    stream = f"party:{payee.party_id}"
    stack.rpc.ledger.append_one(
        sign_command(
            operator.key,
            type="key.register",
            stream=stream,
            expected_version=stack.rpc.ledger.stream_version(stream),
            signer=operator.party_id,
            body={"party_id": payee.party_id, "public_key": public_key},
            created_at=desk.clock.now(),
        ).to_wire()
    )
    timeline.go(3, 3)
    bill = desk.deliver(drawer, acceptor, payee, timeline.date(9, 3))

    message = browser("endorse", *common, bill, "1", "5000", endorsee.party_id)
    assert "Receipt verified" in message
    pending = stack.rpc.bills.get_bill(bill)["ranges"][0]["pending"]
    assert pending["type"] == "endorsement" and pending["counterparty"] == endorsee.party_id
