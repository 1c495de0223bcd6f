"""Run every business service's migrations that exist (each service owns its schema)."""

import importlib
import pkgutil

import services
from services.common.config import load_config


def main() -> None:
    config = load_config()
    for module in pkgutil.iter_modules(services.__path__):
        try:
            operations = importlib.import_module(f"services.{module.name}.operations")
        except ModuleNotFoundError:
            continue
        if hasattr(operations, "migrate"):
            operations.migrate(config)
            print(f"migrated {module.name}")


if __name__ == "__main__":
    main()
