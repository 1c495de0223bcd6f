"""What deploy/ describes is valid and real: every Kubernetes manifest passes the Kubernetes and
operator schemas offline, docker-compose.yml passes ``docker-compose config``, and nothing in
deploy/ names a service, module, probe or setting that does not exist."""

from __future__ import annotations

import ast
import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy import healthcheck, validate

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ("ledger", "bills", "invoices", "credit", "gateway")
DOCUMENTS = validate.documents()
COMPOSE = ROOT / "docker-compose.yml"
MODULE = re.compile(r"\bservices\.([a-z_]+)\.service\b")
PYTHON_MODULE = re.compile(r"python -m ([a-z_][a-z_.]*)")
# files of deploy/ that start processes or probe them
DEPLOY_TEXTS = sorted(
    [*(ROOT / "deploy").rglob("*.yaml"), *(ROOT / "deploy").rglob("*.sh"), COMPOSE]
) + [ROOT / "deploy" / "Dockerfile"]


def service_classes() -> dict[str, ast.ClassDef]:
    """Each nameko service class by its ``name``, read from services/<x>/service.py."""
    found = {}
    for path in ROOT.glob("services/*/service.py"):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [getattr(t, "id", None) for t in statement.targets] == ["name"]
                    and isinstance(statement.value, ast.Constant)
                ):
                    found[statement.value.value] = (path, node)
    return found


def commands(node) -> list[str]:
    """Every container command in a manifest or compose service, joined into one line."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("command", "args") and isinstance(value, list):
                found.append(" ".join(str(part) for part in value))
            elif key == "command" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(commands(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(commands(item))
    return found


def compose() -> dict:
    return validate.load_yaml_documents(COMPOSE)[0]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.name for d in DOCUMENTS])
def test_every_manifest_passes_the_kubernetes_or_its_operators_schema(document):
    assert validate.schema_problems(document) == []


MISTAKES = [
    ("Deployment", lambda b: b["spec"]["template"]["spec"]["containers"][0].update(livenes={})),
    ("Deployment", lambda b: b["spec"].update(replicas="two")),
    ("CronJob", lambda b: b["spec"].update(schedule=5)),
    ("RabbitmqCluster", lambda b: b["spec"].update(replica=3)),
    ("Cluster", lambda b: b["spec"]["postgresql"]["synchronous"].update(method="all")),
    ("Cluster", lambda b: b["spec"].update(instances="3")),
]


@pytest.mark.parametrize(
    ("kind", "mistake"), MISTAKES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(MISTAKES)]
)
def test_a_misspelt_or_mistyped_field_is_refused(kind, mistake):
    original = next(d for d in DOCUMENTS if d.body["kind"] == kind)
    body = copy.deepcopy(original.body)
    mistake(body)
    assert validate.schema_problems(validate.Document(original.path, body)) != []


def test_a_key_given_twice_in_a_manifest_is_refused(tmp_path):
    manifest = tmp_path / "twice.yaml"
    manifest.write_text("kind: ConfigMap\ndata: {A: '1'}\ndata: {B: '2'}\n")
    with pytest.raises(yaml.constructor.ConstructorError, match="given twice"):
        validate.load_yaml_documents(manifest)


def test_every_manifest_in_deploy_k8s_is_in_the_kustomization():
    listed = set(validate.kustomization()["resources"])
    on_disk = {p.name for p in (ROOT / "deploy" / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk == listed


def test_every_config_map_secret_claim_and_backend_named_is_defined():
    assert validate.reference_problems(DOCUMENTS) == []


def test_every_platform_service_runs_in_kubernetes_and_in_compose():
    in_k8s = {m for d in DOCUMENTS for c in commands(d.body) for m in MODULE.findall(c)}
    in_compose = {m for c in commands(compose()["services"]) for m in MODULE.findall(c)}
    assert in_k8s == set(PLATFORM)
    assert in_compose == set(PLATFORM)
    witness = [c for d in DOCUMENTS for c in commands(d.body) if "services.ledger witness" in c]
    assert witness, "the witness runs in Kubernetes"


@pytest.mark.parametrize("path", DEPLOY_TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_service_module_and_command_deploy_names_exists(path):
    classes, text = service_classes(), path.read_text()
    for service in MODULE.findall(text):
        assert service in classes, f"{path.name} names services.{service}.service: no such service"
    for module in PYTHON_MODULE.findall(text):
        base = ROOT / module.replace(".", "/")
        assert base.with_suffix(".py").exists() or (base / "__main__.py").exists(), module


def test_every_probe_calls_a_method_its_service_has():
    classes = service_classes()
    for service in healthcheck.RPC_SERVICES:
        _, node = classes[service]
        methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
        assert "health" in methods, f"{service} has no health() for its probe"
    probed = {
        c.split("deploy.healthcheck ")[1].split()[0]
        for d in DOCUMENTS
        for c in commands(d.body)
        if "deploy.healthcheck" in c
    }
    assert probed == set(PLATFORM)
    assert set(healthcheck.RPC_SERVICES) | {"gateway"} == set(PLATFORM)


def test_every_setting_deploy_gives_is_one_config_yml_reads():
    read = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "config.yml").read_text()))
    given, composed_from = set(), set()
    for document in DOCUMENTS:
        body = document.body
        if body["kind"] == "ConfigMap":
            given |= set(body["data"])
        for container in _containers(body):
            for variable in container.get("env", []):
                given.add(variable["name"])
                composed_from |= set(re.findall(r"\$\(([A-Z_]+)\)", variable.get("value", "")))
    for service in compose()["services"].values():
        given |= set(service.get("environment") or {})
    # PROMETHEUS' and PostgreSQL's own, and the pieces URLs are composed from
    others = {"POSTGRES_PASSWORD", "POSTGRES_DB", "WITNESS_NAME", "LEDGER_VKEY"}
    assert given - read - composed_from - others == set()


def _containers(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "containers":
                found.extend(value)
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_containers(item))
    return found


def test_prometheus_scrapes_only_services_compose_runs():
    scraped = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = [
        t for job in scraped["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    ]
    assert {t.split(":")[0] for t in targets} == set(PLATFORM) <= set(compose()["services"])


def test_docker_compose_accepts_the_compose_file():
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: run `make services` (deploy/local/compose.sh)"
    check = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stderr
    listed = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "--services"], capture_output=True, text=True
    )
    assert set(PLATFORM) <= set(listed.stdout.split())
