"""The bank message API's contract, docs/asyncapi.yaml, as something code can check against.

``problems("bills-submit-reply", {"result": ..., "error": None})`` lists where a message breaks
its documented payload schema (empty when it conforms). Message keys are those of
``components.messages``: ``<service>-<method>-request`` / ``-reply`` for RPC and
``<service>-<event_type>`` for events. Used by the contract tests on live traffic; jsonschema is
imported only when a check runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
_BASE_URI = "urn:billchain:bank-message-api"


@cache
def document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text())


def rpc_reply(service: str, method: str) -> str:
    return f"{service}-{method}-reply"


def rpc_request(service: str, method: str) -> str:
    return f"{service}-{method}-request"


def event(service: str, event_type: str) -> str:
    return f"{service}-{event_type}"


@cache
def _validator(pointer: str):
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resource = Resource(contents=document(), specification=DRAFT7)
    registry = Registry().with_resource(_BASE_URI, resource)
    return Draft7Validator({"$ref": f"{_BASE_URI}#{pointer}"}, registry=registry)


def schema_problems(schema_name: str, value) -> list[str]:
    """Where ``value`` breaks ``components.schemas.<schema_name>``."""
    return _problems(f"/components/schemas/{schema_name}", value)


def problems(message_key: str, payload) -> list[str]:
    """Where ``payload`` breaks the payload schema of ``components.messages.<message_key>``."""
    if message_key not in document()["components"]["messages"]:
        return [f"no message {message_key!r} in the contract"]
    return _problems(f"/components/messages/{message_key}/payload", payload)


def _problems(pointer: str, value) -> list[str]:
    errors = _validator(pointer).iter_errors(value)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '.'}: {error.message}" for error in errors
    ]
