"""docs/asyncapi.yaml is a valid AsyncAPI 3.0 document and stays true to the code: every RPC
method it documents exists with those arguments, every event and every error code the services
can send is in it, its examples conform to its own schemas, and its subscription queue is the
one the platform and the pika client declare."""

from __future__ import annotations

import dataclasses
import inspect
import re
import warnings
from pathlib import Path

import pytest
import yaml

from services.bankapi import contract, topology

REPO = Path(__file__).resolve().parents[2]
DOC = contract.document()
COMPONENTS = DOC["components"]
# where the platform raises its refusal codes (the codes a bank can receive)
CODE_SOURCES = [
    "ledger/errors.py",
    "ledger/signatures.py",
    "ledger/suites.py",
    "ledger/membership.py",
    "services/ledger/*.py",
    "services/common/*.py",
    "services/bills/*.py",
    "services/invoices/*.py",
    "services/credit/*.py",
    "services/*/projection/*.py",
]
NOT_REFUSALS = {
    "services/invoices/domain/matching.py",  # three-flow discrepancy codes, not errors
    "services/credit/domain/assessment.py",  # reason codes (LATE_PAYMENTS …), not errors
    "services/credit/domain/policy.py",  # knock-out codes (KO_DISHONOUR …): reasons, not errors
    # CREDIT_MODEL_INVALID stops the service at start: no reply
    "services/credit/domain/scorecard.py",
}
CODE_PATTERNS = [
    re.compile(r'\bcode\s*=\s*"([A-Z][A-Z0-9_]+)"'),
    re.compile(r'(?:Refusal|CommandRejected)\(\s*"([A-Z][A-Z0-9_]+)"'),
    re.compile(r'\breturn "([A-Z][A-Z0-9_]+)"'),
    re.compile(r'^([A-Z][A-Z0-9_]+) = "\1"$', re.MULTILINE),
]


def resolve(pointer: str):
    node = DOC
    for part in pointer.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def all_refs(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield path, value
            else:
                yield from all_refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from all_refs(value, f"{path}/{index}")


def rpc_channels() -> dict[str, dict]:
    binding = COMPONENTS["channelBindings"]["NamekoRpc"]["amqp"]
    assert binding["exchange"]["name"] == "nameko-rpc"
    return {
        name: channel
        for name, channel in DOC["channels"].items()
        if channel.get("bindings", {}).get("$ref") == "#/components/channelBindings/NamekoRpc"
        and channel["address"]
    }


def documented_codes() -> dict[str, dict]:
    return {entry["const"]: entry for entry in COMPONENTS["schemas"]["ErrorCode"]["oneOf"]}


def codes_in_source() -> dict[str, str]:
    found = {}
    for pattern in CODE_SOURCES:
        for path in sorted(REPO.glob(pattern)):
            relative = str(path.relative_to(REPO))
            if relative in NOT_REFUSALS:
                continue
            text = path.read_text()
            for regex in CODE_PATTERNS:
                for code in regex.findall(text):
                    found.setdefault(code, relative)
    return found


# -- a valid AsyncAPI 3.0 document ------------------------------------------------------------


def test_the_document_is_yaml_declaring_asyncapi_3_0_0():
    parsed = yaml.safe_load(contract.DOCUMENT.read_text())
    assert parsed["asyncapi"] == "3.0.0"
    assert {"info", "servers", "channels", "operations", "components"} <= set(parsed)


def test_the_document_validates_against_the_asyncapi_3_object_model():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model library warns about its own field names
        from asyncapi3 import AsyncAPI3

        model = AsyncAPI3.model_validate(DOC)
    assert model.asyncapi == "3.0.0"
    assert len(model.operations) == len(DOC["operations"])


def test_every_reference_resolves():
    unresolved = []
    for path, reference in all_refs(DOC):
        assert reference.startswith("#/"), f"{path}: only local references ({reference})"
        try:
            resolve(reference)
        except (KeyError, IndexError, TypeError):
            unresolved.append(f"{path} -> {reference}")
    assert unresolved == []


def test_operations_send_and_receive_only_messages_of_their_channels():
    for name, operation in DOC["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), name
        reply = operation.get("reply")
        if reply:
            assert reply["address"]["location"] == "$message.header#/reply_to"
            for message in reply["messages"]:
                assert message["$ref"].startswith(f"{reply['channel']['$ref']}/messages/"), name


# -- true to the services -----------------------------------------------------------------------


def service_classes() -> dict:
    from services.bills.service import BillsService
    from services.credit.service import CreditService
    from services.invoices.service import InvoicesService
    from services.ledger.service import LedgerService

    return {
        "ledger": LedgerService,
        "bills": BillsService,
        "invoices": InvoicesService,
        "credit": CreditService,
    }


def test_the_bank_facing_rpc_methods_are_all_documented():
    addresses = {channel["address"] for channel in rpc_channels().values()}
    required = {
        *(f"ledger.{m}" for m in ("append", "append_one", "get_receipt", "get_checkpoint")),
        *(f"ledger.{m}" for m in ("consistency_proof", "public_info", "stream_version", "ping")),
        *(f"bills.{m}" for m in ("submit", "get_bill", "bills_of", "range_map")),
        *(f"invoices.{m}" for m in ("submit", "get_invoice", "get_financing", "verify_invoice")),
        *(f"credit.{m}" for m in ("get_score", "score_at", "score_history", "model_info")),
    }
    assert required <= addresses


@pytest.mark.parametrize("channel_name", sorted(rpc_channels()))
def test_a_documented_rpc_method_exists_with_the_documented_arguments(channel_name):
    service, method = rpc_channels()[channel_name]["address"].split(".")
    entrypoint = getattr(service_classes()[service], method, None)
    assert entrypoint is not None, f"{service} has no method {method}"
    parameters = inspect.signature(entrypoint).parameters
    actual = [name for name in parameters if name != "self"]
    required = [n for n in actual if parameters[n].default is inspect.Parameter.empty]
    request = COMPONENTS["messages"][contract.rpc_request(service, method)]["payload"]
    kwargs = request["properties"]["kwargs"]
    assert list(kwargs["properties"]) == actual
    documented_required = [
        option["properties"]["kwargs"]["required"]
        for option in request.get("anyOf", [])
        if "kwargs" in option["properties"]
    ]
    assert documented_required == ([required] if required else [])


@pytest.mark.parametrize(
    "service, event_types",
    [
        ("bills", lambda: __import__("services.bills.domain.events", fromlist=["x"]).EVENT_TYPES),
        ("invoices", lambda: _invoice_events()),
        (
            "credit",
            lambda: __import__("services.credit.domain.warnings", fromlist=["x"]).EVENT_TYPES,
        ),
    ],
    ids=["bills", "invoices", "credit"],
)
def test_every_event_a_service_can_publish_is_documented_with_all_its_fields(service, event_types):
    events = event_types()
    channel = DOC["channels"][f"{service}-events"]
    documented = {COMPONENTS["messages"][key]["name"] for key in channel["messages"]}
    assert documented == set(events)
    parameter = COMPONENTS["parameters"][f"{service}EventType"]
    assert set(parameter["enum"]) == set(events)
    for name, event_class in events.items():
        schema = COMPONENTS["schemas"][contract.event(service, name)]
        fields = {field.name for field in dataclasses.fields(event_class)}
        assert fields <= set(schema["properties"]), name
        assert fields <= set(schema["required"]), name


def _invoice_events() -> dict:
    import services.invoices.domain  # noqa: F401  (registers every event class)
    from services.invoices.domain.messages import _EVENTS

    return dict(_EVENTS)


@pytest.mark.parametrize("service", ["bills", "invoices", "ledger", "credit"])
def test_a_subscription_key_binds_to_the_documented_exchange_and_routing_key(service):
    from examples.bank_client.subscription import event_binding

    channel = DOC["channels"][f"{service}-events"]
    exchange = channel["bindings"]["amqp"]["exchange"]
    assert (exchange["name"], exchange["type"], exchange["durable"]) == (
        f"{service}.events",
        "topic",
        True,
    )
    for key in channel["messages"]:
        name = COMPONENTS["messages"][key]["name"]
        platform = topology.event_binding(f"{service}.{name}")
        assert (platform.exchange.name, platform.routing_key) == (exchange["name"], name)
        assert platform.exchange.type == "topic" and platform.exchange.durable
        assert event_binding(f"{service}.{name}") == (exchange["name"], name)


def test_the_credit_grades_and_reason_codes_are_the_ones_the_scorecard_gives():
    from services.credit.domain.assessment import MISSING, NO_RECORD, REASONS
    from services.credit.domain.warnings import GRADES

    schemas = COMPONENTS["schemas"]
    assert schemas["CreditGrade"]["enum"] == GRADES
    policy = (REPO / "services/credit/domain/policy.py").read_text()
    knockouts = sorted(set(re.findall(r'rule\(\s*"(KO_[A-Z0-9_]+)"', policy)))
    assert knockouts
    assert sorted(schemas["CreditKnockout"]["properties"]["code"]["enum"]) == knockouts
    alert = schemas[contract.event("credit", "credit_alert_raised")]
    assert sorted(alert["properties"]["knockouts"]["items"]["enum"]) == knockouts
    listed = schemas["CreditReason"]["properties"]["code"]["description"]
    reasons = [code for code, _ in [*REASONS.values(), *MISSING.values(), NO_RECORD]]
    missing = [c for c in knockouts + reasons if c not in listed]
    assert missing == []


def test_every_refusal_code_in_the_code_base_is_documented():
    documented = documented_codes()
    missing = {code: where for code, where in codes_in_source().items() if code not in documented}
    assert missing == {}, "add these to components.schemas.ErrorCode"


def test_every_documented_service_code_still_exists():
    in_source = codes_in_source()
    stale = [
        code
        for code, entry in documented_codes().items()
        if entry["x-source"] != "rpc" and code not in in_source
    ]
    assert stale == []


def test_the_error_families_are_the_gateway_families():
    families = {entry["x-family"] for entry in documented_codes().values()}
    assert families <= {
        "validation",
        "not_found",
        "forbidden",
        "conflict",
        "internal",
        "transport",
        "client",
    }


def test_the_transport_codes_are_the_ones_the_bank_client_maps():
    from examples.bank_client.errors import PROTOCOL_CODES

    transport = {c for c, e in documented_codes().items() if e["x-family"] == "transport"}
    assert transport == set(PROTOCOL_CODES.values())


# -- examples and the subscription queue ------------------------------------------------------


def examples():
    for key, message in COMPONENTS["messages"].items():
        for example in message.get("examples", []):
            yield pytest.param(key, example, id=f"{key}:{example.get('name', '')}")


@pytest.mark.parametrize("message_key, example", list(examples()))
def test_every_example_conforms_to_its_message_schema(message_key, example):
    assert contract.problems(message_key, example["payload"]) == []


def test_the_documented_examples_cover_the_bank_flows():
    with_examples = {key for key, m in COMPONENTS["messages"].items() if m.get("examples")}
    assert {
        "bills-submit-request",
        "bills-submit-reply",
        "ledger-append-reply",
        "bills-bill_discounted",
        "invoices-financing_diluted",
        "ledger-entries_committed",
        "credit-get_score-reply",
        "credit-score_history-reply",
        "credit-credit_alert_raised",
    } <= with_examples


def test_the_subscription_queue_is_the_one_platform_and_bank_client_declare():
    from examples.bank_client.subscription import queue_arguments

    for service in ("bills", "invoices", "ledger", "credit"):
        documented = DOC["channels"][f"{service}-events"]["x-subscription-queue"]
        arguments = dict(documented["arguments"])
        assert arguments.pop("x-dead-letter-routing-key") == "<the queue's own name>"
        platform = topology.subscription_arguments("q")
        bank_side = queue_arguments("q")
        assert platform == bank_side
        assert platform.pop("x-dead-letter-routing-key") == "q"
        assert arguments == platform
        assert documented["deadLetterExchange"]["name"] == topology.DEAD_LETTER_EXCHANGE.name
