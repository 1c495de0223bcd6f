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


def _substitute(value):
    """Replace ``${NAME:default}`` in every string of the parsed file, then read the result as
    a YAML scalar (so ``${PORT:5672}`` becomes an int), as nameko's own loader does."""
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    if isinstance(value, str) and _PLACEHOLDER.search(value):

        def replace(match: re.Match) -> str:
            name, default = match.group(1), match.group(2)
            return os.environ.get(name, default if default is not None else "")

        text = _PLACEHOLDER.sub(replace, value)
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return parsed if isinstance(parsed, int | bool) else text
    return value


def load_config(path: str | Path | None = None) -> dict:
    """Read the config file, substituting ``${NAME:default}`` from the environment."""
    path = Path(path or os.environ.get("BILLCHAIN_CONFIG", DEFAULT_CONFIG))
    return _substitute(yaml.safe_load(path.read_text()) or {})
