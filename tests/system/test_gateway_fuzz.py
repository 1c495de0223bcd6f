"""Schemathesis over the gateway's served OpenAPI document, against the real services.

Every documented operation is called with requests generated from its schema, once signed out
and once as a signed-in portal user (session cookie and CSRF header). Whatever the input, the
gateway answers without a 5xx, with a status its document lists for that operation, and every
refusal in the ``{"error": {"code", "message", "details"}}`` shape. Free-form JSON bodies on
the write routes are fuzzed by ``test_gateway_api.py``; this pass follows the document.

Hypothesis drives schemathesis's strategies (schema-following and schema-breaking requests)
itself: schemathesis 4.32's pytest loader (``from_fixture``) sets ``Node._nodeid``, which
pytest 9 no longer has.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.support.gateway_harness import Portal, add_user, start_stack

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
SIGN_OUT = ("DELETE", "/api/v1/session")


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    """The gateway's stack plus the credit service, which the credit route asks."""
    from nameko.containers import ServiceContainer

    from services.credit.operations import migrate
    from services.credit.service import CreditService

    stack, stop = start_stack(
        "fuzz", ledger_config, database_factory, services, run_id, redis_prefix, operator
    )
    migrate(stack.config)
    credit = ServiceContainer(CreditService, stack.config)
    credit.start()
    yield stack
    # the gateway first: a worker of it still waiting on credit would never finish otherwise
    next(c for c in stack.containers if c.service_name == "gateway").stop()
    credit.stop()
    stop()


@pytest.fixture(scope="module")
def gateway_schema(stack):
    return schemathesis.openapi.from_url(f"{stack.url}/api/v1/openapi.json")


@pytest.fixture(scope="module")
def user(stack) -> Portal:
    """A signed-in user of an admitted party (signed in again after a fuzzed sign-out)."""
    portal = Portal(stack.url)
    portal.username = add_user(stack.config, stack.desk.admit().party_id)
    assert portal.login(portal.username).status_code == 200
    return portal


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def requests_for(operation):
    """Requests that follow the operation's schema and requests that break it."""
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


def assert_answered_as_documented(case, response) -> None:
    """No 5xx, a documented status, and a refusal in the error shape."""
    request = case.as_curl_command()
    assert response.status_code < 500, f"{request}\n{response.status_code} {response.text}"
    documented = case.operation.responses.status_codes
    assert str(response.status_code) in documented, (
        f"{request}\n{response.status_code} not in {documented}: {response.text[:500]}"
    )
    if response.status_code >= 400:
        body = json.loads(response.content)
        error = body["error"]
        assert set(body) == {"error"} and set(error) == {"code", "message", "details"}, body
        assert isinstance(error["code"], str) and isinstance(error["message"], str), body
        assert isinstance(error["details"], dict), body


def fuzz_every_operation(schema, send) -> None:
    """Run ``send(case)`` on generated requests of every operation; report every failing one."""
    failures, statuses = {}, Counter()
    for operation in operations(schema):

        @FUZZ
        @given(case=requests_for(operation))
        def answers_as_documented(case):
            response = send(case)
            statuses[response.status_code] += 1
            assert_answered_as_documented(case, response)

        try:
            answers_as_documented()
        except Exception as failure:  # hypothesis re-raises the shrunk example's failure
            failures[operation.label] = f"{type(failure).__name__}: {failure}"
    print(f"{statuses.total()} requests over {len(operations(schema))} operations: {statuses}")
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())


def test_signed_out_every_operation_answers_as_documented(stack, gateway_schema):
    fuzz_every_operation(gateway_schema, lambda case: case.call(base_url=stack.url, timeout=10))


def test_signed_in_every_operation_answers_as_documented(stack, gateway_schema, user):
    def send(case):
        if case.headers and "X-CSRF-Token" in case.headers:
            case.headers["X-CSRF-Token"] = user.csrf  # a real token: get past the CSRF check
        response = case.call(base_url=stack.url, session=user.http, timeout=10)
        if (case.method.upper(), case.path) == SIGN_OUT and response.status_code == 200:
            assert user.login(user.username).status_code == 200
        return response

    fuzz_every_operation(gateway_schema, send)


def test_a_nul_character_in_a_username_is_refused_not_a_server_error(stack):
    """Found by the pass above; PostgreSQL refuses NUL in text, so it must not reach a query."""
    response = Portal(stack.url).login("demo\u0000user", "any password")
    assert response.status_code in (401, 422), response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}
