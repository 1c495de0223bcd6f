"""A bank's own broker user (services/bankapi/access.py), against the real RabbitMQ: the pika
bank client calls documented methods and keeps its subscription with it, and the broker refuses
everything else — an undocumented method, another's queue name, a binding that would copy other
banks' requests, deleting a platform exchange."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit

import pika
import pika.exceptions
import pytest
import requests
from kombu import Connection

from examples.bank_client import BankClient
from examples.bank_client.subscription import declare_subscription
from services.bankapi import access, topology


@pytest.fixture
def bank(ledger_config, ledger_service, services, run_id):
    """A bank user granted on the session ledger's vhost, its subscription provisioned by the
    operator; yields its name and AMQP URL."""
    vhost = urlsplit(ledger_config["AMQP_URI"]).path.lstrip("/") or "/"
    name, password = f"bank-access-{run_id}-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    access.grant(services.rabbit_api, vhost, name, password)
    queue = f"{name}.events"
    with Connection(ledger_config["AMQP_URI"]) as platform:  # the operator provisions it
        topology.subscribe(platform, queue, ["bills.bill_discounted"])
        url = f"amqp://{name}:{quote(password, safe='')}@127.0.0.1:5672/{quote(vhost, safe='')}"
        yield name, url
        for leftover in (queue, f"{queue}.dead-letter"):
            platform.default_channel.queue_delete(leftover)
    requests.delete(f"{services.rabbit_api}/users/{quote(name, safe='')}", timeout=10)


def refused(url: str, action) -> int:
    """Run ``action(channel)`` on a fresh connection as the bank; the broker's reply code."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    try:
        action(channel)
    except pika.exceptions.ChannelClosedByBroker as closed:
        return closed.reply_code
    finally:
        if connection.is_open:
            connection.close()
    return 0


def test_a_bank_user_calls_documented_methods_and_declares_its_provisioned_subscription(bank):
    name, url = bank
    with BankClient(url, name=name, timeout=30) as client:
        assert client.call("ledger", "ping") == "pong"
        assert "vkey" in client.call("ledger", "public_info")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_subscription(channel, f"{name}.events", ["bills.bill_discounted"])
    assert channel.basic_get(f"{name}.events") == (None, None, None)  # it may consume it
    connection.close()


@pytest.mark.parametrize(
    "what, action",
    [
        (
            "an operator's method",
            lambda name: lambda ch: ch.basic_publish("nameko-rpc", "bills.rebuild", b"{}"),
        ),
        ("another's queue name", lambda name: lambda ch: ch.queue_declare("bank-other.events")),
        (
            "copying other banks' requests",
            lambda name: (
                lambda ch: (
                    ch.queue_declare(f"{name}.spy", exclusive=True),
                    ch.queue_bind(f"{name}.spy", "nameko-rpc", routing_key="bills.submit"),
                )
            ),
        ),
        (
            "deleting a platform exchange",
            lambda name: lambda ch: ch.exchange_delete("bills.events"),
        ),
    ],
)
def test_the_broker_refuses_a_bank_user_everything_else(bank, what, action):
    name, url = bank
    assert refused(url, action(name)) == 403, what
