"""Offline checks of deploy/: ``python -m deploy.validate`` (``make test`` runs them too).

- every Kubernetes manifest under ``deploy/k8s`` against the Kubernetes API's JSON schemas
  (``kubernetes-validate``, which ships them; strict: an unknown field is an error) and the
  operators' custom resources against their CRD schemas shipped in ``deploy/k8s/schemas``;
- no YAML mapping names a key twice (PyYAML would keep the last one silently);
- what the manifests refer to exists: config maps, secrets, claims, the Services and
  PodDisruptionBudgets select some workload, the Ingress's backend is a Service port.

No network: the schemas are on disk.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = K8S / "schemas"
KUBERNETES_VERSION = "1.33"
# (apiVersion, kind) -> the CRD schema file, taken from the operators' released CRDs
CUSTOM_RESOURCES = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster-rabbitmq.com-v1beta1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql.cnpg.io-v1.json",
}
# Secrets the operators create (not in the kustomization): the RabbitMQ cluster's default
# user, CloudNativePG's application user, and the portal's TLS certificate (cert-manager or
# the operator's own)
OPERATOR_SECRETS = {
    "billchain-rabbitmq-default-user",
    "billchain-postgres-app",
    "billchain-portal-tls",
}
WORKLOADS = ("Deployment", "StatefulSet", "Job", "CronJob")


@dataclass(frozen=True)
class Document:
    path: Path
    body: dict

    @property
    def name(self) -> str:
        return f"{self.path.name}: {self.body.get('kind')}/{self.body['metadata']['name']}"


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` may be overridden, by design
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml_documents(path: Path) -> list:
    """Every document of a YAML file; a key named twice in one mapping is an error."""
    return [body for body in yaml.load_all(path.read_text(), Loader=_UniqueKeyLoader) if body]


def kustomization() -> dict:
    (body,) = load_yaml_documents(K8S / "kustomization.yaml")
    return body


def documents() -> list[Document]:
    found = []
    for name in kustomization()["resources"]:
        path = K8S / name
        found.extend(Document(path, body) for body in load_yaml_documents(path))
    return found


def schema_problems(document: Document) -> list[str]:
    body = document.body
    key = (body.get("apiVersion"), body.get("kind"))
    if key in CUSTOM_RESOURCES:
        return _custom_resource_problems(body, SCHEMAS / CUSTOM_RESOURCES[key])
    import kubernetes_validate
    from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

    try:
        kubernetes_validate.validate(body, KUBERNETES_VERSION, strict=True)
    except ValidationError as error:
        where = ".".join(str(part) for part in error.path)
        return [f"{where}: {error.message}"]
    except SchemaNotFoundError as error:
        return [error.message]
    return []


def _custom_resource_problems(body: dict, schema_file: Path) -> list[str]:
    import jsonschema

    schema = _strict(json.loads(schema_file.read_text()))
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in error.path)
        problems.append(f"{where}: {error.message}")
    return problems


def _strict(schema):
    """A CRD's structural schema with unknown fields refused, as the API server prunes them
    silently (a misspelt field would just vanish): every object that lists its properties and
    does not keep unknown fields allows no other. ``metadata`` stays open (the API's own)."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in strict
        and "additionalProperties" not in strict
        and not strict.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    if "metadata" in strict.get("properties", {}):
        strict["properties"]["metadata"] = {"type": "object"}
    return strict


def reference_problems(found: list[Document]) -> list[str]:
    """Names the manifests use that nothing defines."""
    defined = {(d.body["kind"], d.body["metadata"]["name"]) for d in found}
    secrets = {g["name"] for g in kustomization().get("secretGenerator", [])} | OPERATOR_SECRETS
    problems = []
    for document in found:
        for kind, name in _references(document.body):
            known = name in secrets if kind == "Secret" else (kind, name) in defined
            if not known:
                problems.append(f"{document.name} refers to {kind} {name}, which nothing defines")
    problems += _selector_problems(found)
    return problems


def _references(node) -> list[tuple[str, str]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "configMapRef" or key == "configMapKeyRef":
                found.append(("ConfigMap", value["name"]))
            elif key in ("secretRef", "secretKeyRef"):
                found.append(("Secret", value["name"]))
            elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                found.append(("Secret", value["secretName"]))
            elif key == "persistentVolumeClaim":
                found.append(("PersistentVolumeClaim", value["claimName"]))
            elif key == "tls" and isinstance(value, list):
                found.extend(("Secret", entry["secretName"]) for entry in value)
            elif key == "backend" and "service" in value:
                found.append(("Service", value["service"]["name"]))
            found.extend(_references(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_references(item))
    return found


def pod_templates(found: list[Document]) -> list[tuple[Document, dict]]:
    templates = []
    for document in found:
        spec = document.body.get("spec", {})
        if document.body["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if document.body["kind"] in WORKLOADS:
            templates.append((document, spec["template"]))
    return templates


def _selector_problems(found: list[Document]) -> list[str]:
    labels = [
        template.get("metadata", {}).get("labels", {}) for _, template in pod_templates(found)
    ]
    problems = []
    for document in found:
        kind, spec = document.body["kind"], document.body.get("spec", {})
        selector = None
        if kind == "Service":
            selector = spec.get("selector")
        elif kind == "PodDisruptionBudget":
            selector = spec["selector"]["matchLabels"]
        if selector is not None and not any(selector.items() <= pod.items() for pod in labels):
            problems.append(f"{document.name} selects {selector}: no pod template has them")
    return problems


def main() -> int:
    found = documents()
    problems = [f"{d.name}: {p}" for d in found for p in schema_problems(d)]
    problems += reference_problems(found)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(found)} manifests checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
