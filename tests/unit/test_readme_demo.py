"""What ``make run`` prints about the demo and what the README says of it agree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DEMO = (ROOT / "deploy" / "local" / "demo_data.py").read_text()


def test_every_demo_user_the_demo_prints_is_in_the_readme_and_no_other():
    printed = set(re.findall(r'"(demo-[a-z]+)"', DEMO))
    assert printed >= {"demo-sme", "demo-core", "demo-bank", "demo-regulator"}
    assert set(re.findall(r"`(demo-[a-z]+)`", README)) == printed


def test_the_password_and_the_key_approval_command_are_the_same_in_both():
    assert "demo-password" in DEMO and "`demo-password`" in README
    command = "python -m services.gateway.users approve-keys"
    assert command in DEMO and command in README
