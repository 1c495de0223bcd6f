"""One config file with environment overrides, read when a service starts (never at import).

``config.yml`` at the repository root holds every key with ``${NAME:default}`` placeholders, the
same syntax ``nameko run --config`` understands, so the file serves both the nameko CLI and the
project's own commands (migrations, bootstrap, the audit CLI).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "config.yml"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::([^}]*))?\}")


def _substitute(text: str) -> str:
    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        return os.environ.get(name, default if default is not None else "")

    return _PLACEHOLDER.sub(replace, text)


def load_config(path: str | Path | None = None) -> dict:
    """Read the config file, substituting ``${NAME:default}`` from the environment."""
    path = Path(path or os.environ.get("BILLCHAIN_CONFIG", DEFAULT_CONFIG))
    return yaml.safe_load(_substitute(path.read_text())) or {}
