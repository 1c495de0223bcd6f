"""The tree tells the architecture: the SDK and every service's domain import no infrastructure.

``ledger/`` is what banks and auditors import: no nameko, no ORM, no Redis, nothing of the
platform's services. Each ``services/<x>/domain/`` holds pure rules: no broker, database, Redis
or HTTP library, and none of the service's own adapters.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRASTRUCTURE = (
    "nameko", "kombu", "amqp", "pika", "redis", "sqlalchemy", "alembic", "psycopg2", "eventlet",
    "werkzeug", "requests", "prometheus_client",
)  # fmt: skip
ADAPTERS = ("service", "tables", "queries", "projection", "operations", "keeper", "insight")
COMMON_PLUMBING = ("dependencies", "entrypoints", "ledger_client", "rpc", "metrics", "migrate")
DOMAINS = sorted(ROOT.glob("services/*/domain"))


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def offending(paths, forbidden) -> list[str]:
    found = []
    for path in paths:
        for name in sorted(imported_modules(path)):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_the_sdk_imports_no_service_broker_orm_or_redis():
    sdk = sorted((ROOT / "ledger").rglob("*.py"))
    assert sdk, "ledger/ has modules"
    forbidden = ("nameko", "kombu", "sqlalchemy", "redis", "eventlet", "services")
    assert offending(sdk, forbidden) == []


def test_every_service_with_rules_has_a_domain_package():
    assert {path.parent.name for path in DOMAINS} >= {"bills", "invoices", "credit", "gateway"}


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda path: path.parent.name)
def test_a_domain_imports_no_infrastructure_and_no_adapter(domain):
    service = domain.parent.name
    forbidden = (
        *INFRASTRUCTURE,
        *(f"services.{service}.{adapter}" for adapter in ADAPTERS),
        *(f"services.common.{module}" for module in COMMON_PLUMBING),
    )
    assert offending(sorted(domain.rglob("*.py")), forbidden) == []


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_siblings(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports (``from pkg import sub`` names the
    submodule ``pkg.sub``, not the package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found.update(subs or ({node.module} & modules))
    return found


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda path: path.parent.name)
def test_no_two_modules_of_a_domain_import_each_other(domain):
    paths = {module_name(path): path for path in domain.rglob("*.py")}
    imports = {name: imported_siblings(path, set(paths)) - {name} for name, path in paths.items()}
    mutual = sorted(
        f"{first} <-> {second}"
        for first, found in imports.items()
        for second in found
        if first < second and first in imports[second]
    )
    assert mutual == []


def test_the_running_credit_service_imports_nothing_of_its_training():
    running = [p for p in (ROOT / "services" / "credit").glob("*.py")]
    running += sorted((ROOT / "services" / "credit" / "domain").rglob("*.py"))
    assert offending(running, ("services.credit.training",)) == []
