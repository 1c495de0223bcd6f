"""Every setting the code reads is listed in config.yml, with its default.

A key only the code knows cannot be set from the environment, so ``make run``, docker compose
and Kubernetes would run without it (a holiday calendar, say) and nobody would notice.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:config|settings)(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")
TIMER = re.compile(r"""configured_timer\(\s*["']([A-Z][A-Z0-9_]+)["']""")
# set by a test or a command for one run, never by an operator
NOT_SETTINGS = {"BILLCHAIN_CONFIG", "FAULT_KILL_BEFORE_DISPATCH"}


def settings_the_code_reads() -> dict[str, str]:
    found = {}
    for folder in ("services", "ledger", "deploy"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            for name in READ.findall(text) + TIMER.findall(text):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_the_code_reads_settings():
    assert {"DATABASE_URL", "LEDGER_KEY_FILE", "GATEWAY_RATE_LIMIT"} <= set(
        settings_the_code_reads()
    )


def test_every_setting_the_code_reads_is_in_config_yml():
    listed = set(yaml.safe_load((ROOT / "config.yml").read_text()))
    missing = {
        name: where
        for name, where in settings_the_code_reads().items()
        if name not in listed and name not in NOT_SETTINGS
    }
    assert missing == {}, f"add these to config.yml with their defaults: {missing}"
