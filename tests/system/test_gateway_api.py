"""The gateway's JSON API against the real ledger, bills and invoices services, over HTTP.

A portal user acts for one party: they sign in, read their party's bills and receipts, and post
commands their party signed (here with the Python SDK, as the browser does with WebCrypto).
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import NoteKey, generate_private_key, key_id, public_key_der, verify_receipt
from services.gateway.operations import approve_enrolments, pending_enrolments
from services.gateway.service import STATIC
from tests.support.bills_service_harness import Timeline
from tests.support.gateway_harness import (
    PASSWORD,
    Portal,
    add_user,
    enrolment,
    error_code,
    start_gateway,
    start_stack,
)


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    stack, stop = start_stack(
        "gateway", ledger_config, database_factory, services, run_id, redis_prefix, operator
    )
    yield stack
    stop()


@pytest.fixture(scope="module")
def world(stack):
    """A bill delivered to the portal user's party; a stranger with a bill of their own."""
    timeline = Timeline(stack.clock)
    timeline.go(3, 3)
    desk = stack.desk
    drawer, payee, endorsee, stranger = (desk.admit() for _ in range(4))
    acceptor = desk.admit("bank")
    bill = desk.deliver(drawer, acceptor, payee, timeline.date(9, 3))
    foreign_bill = desk.deliver(drawer, acceptor, stranger, timeline.date(9, 3))
    return {
        "payee": payee,
        "endorsee": endorsee,
        "stranger": stranger,
        "bill": bill,
        "foreign_bill": foreign_bill,
        "user": add_user(stack.config, payee.party_id),
        "timeline": timeline,
    }


@pytest.fixture
def portal(stack, world) -> Portal:
    signed_in = Portal(stack.url)
    assert signed_in.login(world["user"]).status_code == 200
    return signed_in


def endorsement(stack, world, **changes) -> dict:
    """The payee endorses the first 10 yuan of the bill to the endorsee (signed, not sent)."""
    signer = changes.pop("signer", world["payee"])
    body = {"start": 1, "end": 1000, "endorsee": world["endorsee"].party_id, **changes}
    return stack.desk.wire(signer, "bill.endorse", world["bill"], body)


# -- signing in ------------------------------------------------------------------------------


def test_a_user_signs_in_with_an_httponly_strict_cookie_and_sees_their_party(stack, world):
    portal = Portal(stack.url)
    response = portal.login(world["user"])
    assert response.status_code == 200
    assert response.json()["party_id"] == world["payee"].party_id
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert portal.get("/api/v1/session").json()["username"] == world["user"]


@pytest.mark.parametrize("known_user", [True, False])
def test_a_wrong_password_or_unknown_user_is_refused_alike(stack, world, known_user):
    username = world["user"] if known_user else "nobody-at-all"
    response = Portal(stack.url).login(username, "not the password")
    assert response.status_code == 401
    assert error_code(response) == "LOGIN_FAILED"


def test_repeated_failed_sign_ins_throttle_the_username_even_with_the_right_password(stack):
    username = add_user(stack.config, "ent-throttled")
    for _ in range(3):
        assert Portal(stack.url).login(username, "guess").status_code == 401
    response = Portal(stack.url).login(username, PASSWORD)
    assert response.status_code == 429
    assert error_code(response) == "LOGIN_THROTTLED"
    assert int(response.headers["Retry-After"]) > 0


def test_a_caller_over_its_rate_limit_waits_for_the_next_window(redis_prefix):
    import redis

    from services.common.dependencies import PrefixedRedis
    from services.common.errors import PlatformError
    from services.gateway.sessions import RateLimit

    moment = [1_000_000.0]  # the limit's own clock, moved by hand
    store = PrefixedRedis(redis.Redis.from_url("redis://127.0.0.1:6379/0"), redis_prefix)
    limit = RateLimit(store, 3, 10, now=lambda: moment[0])
    for _ in range(3):
        limit.hit("user:alice")
    limit.hit("user:bob")  # each caller has its own count
    moment[0] += 6.5
    with pytest.raises(PlatformError) as refused:
        limit.hit("user:alice")
    assert refused.value.code == "RATE_LIMITED"
    assert refused.value.details == {"retry_after": 4}  # the window turns at 1,000,010
    moment[0] += 4
    limit.hit("user:alice")


def test_a_rate_limited_answer_is_a_429_with_retry_after_and_documented_everywhere(stack):
    from services.gateway.web import error_response

    response = error_response("RATE_LIMITED", "too many requests", {"retry_after": 4})
    assert response.status_code == 429 and response.headers["Retry-After"] == "4"
    document = Portal(stack.url).get("/api/v1/openapi.json").json()
    api = {path: operations for path, operations in document["paths"].items() if "/api/" in path}
    for path, operations in api.items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], f"{method.upper()} {path}"


def test_signing_out_ends_the_session_on_the_server(portal):
    stolen_cookie = dict(portal.http.cookies)
    assert portal.send("DELETE", "/api/v1/session").status_code == 200
    replay = Portal(portal.url)
    replay.http.cookies.update(stolen_cookie)
    assert replay.get("/api/v1/session").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/session",
        "/api/v1/bills",
        "/api/v1/bills/123",
        "/api/v1/invoices",
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/receipts/" + "0" * 64,
        "/api/v1/party",
    ],
)
def test_reads_without_a_session_are_refused_with_401(stack, path):
    response = Portal(stack.url).get(path)
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"


@pytest.mark.parametrize("header", [None, "forged-token"])
def test_a_state_changing_request_without_the_csrf_token_is_refused(stack, world, portal, header):
    headers = {} if header is None else {"X-CSRF-Token": header}
    wire = endorsement(stack, world)
    response = portal.post("/api/v1/commands", json=wire, csrf=False, headers=headers)
    assert response.status_code == 403
    assert error_code(response) == "CSRF_REFUSED"


# -- acting and reading for one's own party only -------------------------------------------


def test_a_command_signed_by_another_party_is_refused(stack, world, portal):
    wire = endorsement(stack, world, signer=world["stranger"])
    response = portal.post("/api/v1/commands", json=wire)
    assert response.status_code == 403
    assert error_code(response) == "PARTY_MISMATCH"


def test_another_partys_bill_is_refused(world, portal):
    response = portal.get(f"/api/v1/bills/{world['foreign_bill']}")
    assert response.status_code == 403
    assert error_code(response) == "PARTY_MISMATCH"


def test_an_unknown_bill_is_not_found(portal):
    response = portal.get("/api/v1/bills/999999999999999999999999999999")
    assert response.status_code == 404
    assert error_code(response) == "BILL_NOT_FOUND"


def test_the_dashboard_lists_the_bills_the_party_holds(world, portal):
    response = portal.get("/api/v1/bills", params={"role": "held"})
    assert response.status_code == 200
    assert world["bill"] in [bill["package_no"] for bill in response.json()["bills"]]
    assert world["foreign_bill"] not in [bill["package_no"] for bill in response.json()["bills"]]


def test_an_unknown_role_is_a_422(portal):
    response = portal.get("/api/v1/bills", params={"role": "everything"})
    assert response.status_code == 422
    assert error_code(response) == "INVALID_QUERY"


def test_the_invoice_list_answers_for_the_users_party(portal):
    response = portal.get("/api/v1/invoices")
    assert response.status_code == 200
    assert response.json() == {"invoices": []}


# -- a signed command through the gateway --------------------------------------------------


def test_an_sdk_signed_endorsement_goes_through_and_its_receipt_verifies(stack, world, portal):
    wire = endorsement(stack, world)
    response = portal.post("/api/v1/commands", json=wire)
    assert response.status_code == 200, response.text
    entry_id = response.json()["receipt"]["entry_id"]

    receipt = portal.get(f"/api/v1/ledger/receipts/{entry_id}")
    assert receipt.status_code == 200
    ledger_key = NoteKey.from_vkey(portal.get("/api/v1/ledger/info").json()["vkey"])
    verified = verify_receipt(receipt.json(), ledger_key, public_key_der(world["payee"].key))
    assert verified.entry_id == entry_id

    again = portal.post("/api/v1/commands", json=wire)  # the identical signed command
    assert again.status_code == 200
    assert again.json()["receipt"]["entry_id"] == entry_id


def test_a_stale_expected_version_is_a_409(stack, world, portal):
    wire = stack.desk.wire(
        world["payee"],
        "bill.endorse",
        world["bill"],
        {"start": 1, "end": 1000, "endorsee": world["endorsee"].party_id},
        version=1,
    )
    response = portal.post("/api/v1/commands", json=wire)
    assert response.status_code == 409
    assert error_code(response) == "STREAM_VERSION_CONFLICT"


def test_a_receipt_for_another_partys_entry_is_refused(stack, world, portal):
    bill = stack.rpc.bills.get_bill(world["foreign_bill"])
    response = portal.get(f"/api/v1/ledger/receipts/{bill['history'][0]['entry_id']}")
    assert response.status_code == 403


# -- bad requests are 4xx with a code, never 500 -------------------------------------------

BAD_BODIES = [
    ("not json", "application/json", 400, "INVALID_JSON"),
    ('{"envelope": 1}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("[1, 2, 3]", "application/json", 422, "INVALID_ENVELOPE"),
    ('{"envelope": {}, "signature": "x"}', "application/json", 422, "COMMAND_TYPE_NOT_ROUTED"),
    (
        '{"envelope": {"type": "party.admit"}, "signature": ""}',
        "application/json",
        422,
        "COMMAND_TYPE_NOT_ROUTED",
    ),
    ("x" * 300_000, "application/json", 413, "BODY_TOO_LARGE"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "code"), BAD_BODIES)
def test_a_bad_command_body_is_refused_with_its_code(portal, body, content_type, status, code):
    response = portal.post(
        "/api/v1/commands", data=body.encode(), headers={"Content-Type": content_type}
    )
    assert (response.status_code, error_code(response)) == (status, code)


def test_a_tampered_signature_is_refused_by_the_ledger_rules(stack, world, portal):
    wire = endorsement(stack, world)
    wire["envelope"]["body"]["end"] = 999  # the signature no longer covers the body
    response = portal.post("/api/v1/commands", json=wire)
    assert 400 <= response.status_code < 500
    assert error_code(response)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"username": "x"}, "VALIDATION_FAILED"),
        ({"username": 1, "password": "p"}, "VALIDATION_FAILED"),
    ],
)
def test_a_malformed_login_is_a_422(stack, body, code):
    response = Portal(stack.url).http.post(f"{stack.url}/api/v1/session", json=body)
    assert (response.status_code, error_code(response)) == (422, code)


def test_unknown_routes_and_methods_answer_in_json(portal):
    missing = portal.get("/api/v1/nothing-here")
    assert (missing.status_code, error_code(missing)) == (404, "ROUTE_NOT_FOUND")
    wrong = portal.send("PUT", "/api/v1/bills")
    assert (wrong.status_code, error_code(wrong)) == (405, "METHOD_NOT_ALLOWED")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        ["/api/v1/commands", "/api/v1/keys", "/api/v1/keys/enrolment", "/api/v1/session"]
    ),
    body=JSON_VALUES | st.fixed_dictionaries({"envelope": JSON_VALUES, "signature": JSON_VALUES}),
)
def test_no_json_body_makes_the_gateway_answer_5xx(portal, path, body):
    response = portal.post(path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert error_code(response)


def test_a_credit_service_that_never_answers_gives_a_503_in_time(stack, world):
    """The insight routes call credit through the timed proxy, as every other route calls its
    service: no request waits forever on a reply that never comes."""
    import time

    import eventlet
    from nameko.containers import ServiceContainer
    from nameko.rpc import rpc

    class SilentCredit:
        name = "credit"  # this stack runs no credit service: the impostor takes its name

        @rpc
        def get_score(self, party):
            eventlet.sleep(3600)

    silent = ServiceContainer(SilentCredit, stack.config)
    silent.start()
    url, stop = start_gateway(stack, RPC_TIMEOUT_SECONDS=1)
    try:
        portal = Portal(url)
        assert portal.login(world["user"]).status_code == 200
        started = time.monotonic()
        response = portal.get("/api/v1/credit", timeout=20)
        assert (response.status_code, error_code(response)) == (503, "SERVICE_UNAVAILABLE")
        assert time.monotonic() - started < 10
    finally:
        stop()
        silent.kill()


# -- browser key enrolment -----------------------------------------------------------------


@pytest.fixture(scope="module")
def auto_approving_gateway(stack):
    """A second gateway on the same services, as ``make run`` configures it."""
    url, stop = start_gateway(stack, GATEWAY_AUTO_APPROVE_KEYS="true")
    yield url
    stop()


def newcomer(stack, url: str | None = None) -> SimpleNamespace:
    """A user of a newly admitted party, signed in, with a fresh browser key."""
    party = stack.desk.admit()
    username = add_user(stack.config, party.party_id)
    portal = Portal(url or stack.url)
    assert portal.login(username).status_code == 200
    return SimpleNamespace(
        party_id=party.party_id, username=username, portal=portal, key=generate_private_key()
    )


def enrol(stack, user, **changes):
    body = enrolment(user.key, user.party_id, user.username, stack.clock.now(), **changes)
    return user.portal.post("/api/v1/keys/enrolment", json=body)


def keys_on_ledger(stack, party_id: str) -> set[str]:
    return {key["key_id"] for key in stack.rpc.ledger.get_party(party_id)["keys"]}


def test_an_enrolled_key_is_pending_until_the_operator_approves_it(stack, world):
    user = newcomer(stack)
    response = enrol(stack, user)
    assert response.status_code == 200, response.text
    pending = response.json()
    assert pending["status"] == "pending"
    assert pending["key_id"] == key_id(public_key_der(user.key))
    assert pending["key_id"] not in keys_on_ledger(stack, user.party_id)
    assert pending["key_id"] in [found["key_id"] for found in pending_enrolments(stack.config)]

    (approved,) = approve_enrolments(stack.config, [pending["key_id"]], now=stack.clock.now())
    assert approved["status"] == "registered"
    assert pending["key_id"] in keys_on_ledger(stack, user.party_id)
    again = enrol(stack, user).json()
    assert (again["status"], again["entry_id"]) == ("registered", approved["entry_id"])


def test_enrolling_the_same_key_again_changes_nothing(stack, world):
    user = newcomer(stack)
    first, second = enrol(stack, user), enrol(stack, user)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_with_auto_approval_the_gateway_registers_the_key_on_the_ledger(
    stack, world, auto_approving_gateway
):
    user = newcomer(stack, auto_approving_gateway)
    response = enrol(stack, user)
    assert response.status_code == 200, response.text
    registered = response.json()
    assert registered["status"] == "registered"
    assert registered["key_id"] in keys_on_ledger(stack, user.party_id)
    entry = stack.rpc.ledger.get_receipt(registered["entry_id"])["leaf"]["envelope"]
    assert (entry["type"], entry["signer"]) == ("key.register", "operator")
    assert enrol(stack, user).json() == registered  # idempotent once registered too


@pytest.mark.parametrize("field", ["party_id", "username"])
def test_an_enrolment_for_another_party_or_user_is_refused(stack, world, field):
    user = newcomer(stack)
    response = enrol(stack, user, **{field: world["stranger"].party_id})
    assert (response.status_code, error_code(response)) == (403, "PARTY_MISMATCH")


def test_a_key_another_party_enrolled_cannot_be_enrolled_again(stack, world):
    first, second = newcomer(stack), newcomer(stack)
    second.key = first.key
    assert enrol(stack, first).status_code == 200
    response = enrol(stack, second)
    assert (response.status_code, error_code(response)) == (409, "ENROLMENT_KEY_TAKEN")


def _proof(**changes):
    def body(stack, user):
        return enrolment(user.key, user.party_id, user.username, stack.clock.now(), **changes)

    return body


def _an_hour_old(stack, user):
    an_hour_ago = stack.clock.now() - timedelta(hours=1)
    return enrolment(user.key, user.party_id, user.username, an_hour_ago)


def _signed_by_another_key(stack, user):
    body = _proof()(stack, user)
    body["signature"] = enrolment(generate_private_key(), "x", "y", stack.clock.now())["signature"]
    return body


BAD_ENROLMENTS = [
    ("signed by another key", _signed_by_another_key, "ENROLMENT_PROOF_INVALID"),
    ("for another purpose", _proof(purpose="login"), "ENROLMENT_PROOF_INVALID"),
    ("an hour old", _an_hour_old, "OUTSIDE_TIME_WINDOW"),
    ("not a key", _proof(public_key="bm90IGEga2V5"), "INVALID_KEY"),
    ("a bad timestamp", _proof(signed_at="yesterday"), "VALIDATION_FAILED"),
    ("an extra field", _proof(extra="x"), "VALIDATION_FAILED"),
    ("a numeric signature", lambda *_: {"proof": {}, "signature": 1}, "VALIDATION_FAILED"),
]


@pytest.mark.parametrize(
    ("case", "body", "code"), BAD_ENROLMENTS, ids=[row[0] for row in BAD_ENROLMENTS]
)
def test_a_bad_enrolment_is_a_422_with_its_code(stack, world, case, body, code):
    user = newcomer(stack)
    response = user.portal.post("/api/v1/keys/enrolment", json=body(stack, user))
    assert (response.status_code, error_code(response)) == (422, code), response.text
    assert key_id(public_key_der(user.key)) not in keys_on_ledger(stack, user.party_id)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("not json", "application/json", 400, "INVALID_JSON"),
        ("{}", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("[]", "application/json", 422, "VALIDATION_FAILED"),
    ],
)
def test_an_enrolment_that_is_not_a_json_object_is_refused(
    portal, body, content_type, status, code
):
    response = portal.post(
        "/api/v1/keys/enrolment", data=body.encode(), headers={"Content-Type": content_type}
    )
    assert (response.status_code, error_code(response)) == (status, code)


def test_an_enrolment_needs_a_session_and_the_csrf_token(stack, world):
    user = newcomer(stack)
    body = enrolment(user.key, user.party_id, user.username, stack.clock.now())
    anonymous = Portal(stack.url).post("/api/v1/keys/enrolment", json=body)
    assert (anonymous.status_code, error_code(anonymous)) == (401, "UNAUTHENTICATED")
    forged = user.portal.post("/api/v1/keys/enrolment", json=body, csrf=False)
    assert (forged.status_code, error_code(forged)) == (403, "CSRF_REFUSED")


# -- the OpenAPI document ------------------------------------------------------------------


def test_the_openapi_document_lists_every_route_the_gateway_serves(stack):
    document = Portal(stack.url).get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    gateway = next(c for c in stack.containers if c.service_name == "gateway")
    served = set()
    for entrypoint in gateway.entrypoints:
        if hasattr(entrypoint, "url"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)
            served |= {(path, method.lower()) for method in entrypoint.method.split(",")}
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert served == documented


def test_the_health_and_portal_pages_are_served(stack):
    portal = Portal(stack.url)
    assert portal.get("/api/v1/health").json()["status"] == "ok"
    page = portal.get("/")
    assert page.status_code == 200 and "<html" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert portal.get("/static/missing.js").status_code == 404


def test_the_portal_is_one_module_script_whose_modules_are_served_as_javascript(stack):
    portal = Portal(stack.url)
    page = portal.get("/").text
    assert re.findall(r"<script[^>]*>", page) == [
        '<script type="module" src="/static/js/portal.js">'
    ]
    modules = sorted(STATIC.glob("js/**/*.js"))
    assert len(modules) > 10
    for module in modules:
        served = portal.get("/static/" + module.relative_to(STATIC).as_posix())
        assert served.status_code == 200, module
        assert served.headers["Content-Type"] == "text/javascript; charset=utf-8", module
        assert served.content == module.read_bytes()
        # the CSP every response carries lets same-origin modules run, and nothing else
        assert "script-src 'self';" in served.headers["Content-Security-Policy"]
