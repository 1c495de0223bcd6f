"""A bank's event subscription: its own durable quorum queue, with poison messages dead-lettered.

The queue contract (docs/asyncapi.yaml, ``x-subscription-queue``):

- ``<queue>``: durable quorum queue, ``x-delivery-limit`` deliveries at most, then the broker
  dead-letters the message through ``bankapi.dead-letter`` (direct) with the queue's name as
  routing key (``x-dead-letter-strategy: at-least-once``, so it is never lost on the way);
- ``<queue>.dead-letter``: durable quorum queue bound to ``bankapi.dead-letter`` by that key;
- bindings: ``bills.bill_discounted`` means exchange ``bills.events``, routing key
  ``bill_discounted`` (``bills.#`` is every bills event).

A handler that returns acks the event; one that raises has it redelivered (up to the delivery
limit, then dead-lettered); one that raises ``DeadLetter`` dead-letters it at once. Events are
delivered at least once: deduplicate on ``entry_id`` (with ``name`` and ``start``) or
``sequence``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pika

from examples.bank_client.client import connection_parameters, ensure_exchange

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "bankapi.dead-letter"
DEFAULT_DELIVERY_LIMIT = 5


class DeadLetter(Exception):
    """Raise from a handler for a message that can never succeed: it is dead-lettered now."""


@dataclass(frozen=True)
class Event:
    service: str  # the source service: "bills" for exchange "bills.events"
    type: str  # the event type, also the routing key: "bill_discounted"
    payload: dict
    delivery_count: int  # earlier deliveries of this message (0 the first time)


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dead-letter"


def queue_arguments(queue: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> dict:
    """The subscription queue's arguments; the platform's ``services.bankapi.topology``
    declares the same ones (a mismatch would fail with PRECONDITION_FAILED)."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def event_binding(key: str) -> tuple[str, str]:
    """``"bills.bill_discounted"`` → (exchange ``"bills.events"``, routing key)."""
    service, _, event_type = key.partition(".")
    if not service or not event_type:
        raise ValueError(f"a subscription key is <service>.<event_type>, not {key!r}")
    return f"{service}.events", event_type


def declare_subscription(
    channel, queue: str, routing_keys: list[str], delivery_limit: int = DEFAULT_DELIVERY_LIMIT
) -> None:
    """Declare (idempotently) the dead-letter exchange and queue, the subscription queue and
    its bindings, on a pika channel."""
    ensure_exchange(channel.connection, DEAD_LETTER_EXCHANGE, "direct")
    parked = dead_letter_queue(queue)
    channel.queue_declare(parked, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(parked, DEAD_LETTER_EXCHANGE, routing_key=queue)
    channel.queue_declare(queue, durable=True, arguments=queue_arguments(queue, delivery_limit))
    for key in routing_keys:
        exchange, routing_key = event_binding(key)
        ensure_exchange(channel.connection, exchange, "topic")  # as nameko declares it
        channel.queue_bind(queue, exchange, routing_key=routing_key)


class Subscription:
    """Consumes one subscription queue on its own connection; ``drain``/``run`` deliver."""

    def __init__(
        self,
        amqp_url: str,
        queue: str,
        routing_keys: list[str],
        handler: Callable[[Event], None],
        *,
        delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
        prefetch: int = 10,
    ):
        self.queue = queue
        self.dead_letter_queue = dead_letter_queue(queue)
        self.handler = handler
        self.handled = 0
        self._stopping = False
        self.connection = pika.BlockingConnection(connection_parameters(amqp_url))
        self.channel = self.connection.channel()
        declare_subscription(self.channel, queue, routing_keys, delivery_limit)
        self.channel.basic_qos(prefetch_count=prefetch)  # per consumer: quorum queues need it
        self.channel.basic_consume(queue, self._on_message)

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        tag = method.delivery_tag
        try:
            event = _event(method, properties, body)
        except ValueError:
            log.warning("dead-lettering an undecodable message on %s", self.queue)
            channel.basic_reject(tag, requeue=False)
            return
        try:
            self.handler(event)
        except DeadLetter:
            channel.basic_reject(tag, requeue=False)
            return
        except Exception:
            log.warning("handler failed on %s (%s); requeued", event.type, self.queue)
            channel.basic_nack(tag, requeue=True)
            return
        channel.basic_ack(tag)
        self.handled += 1

    def drain(self, seconds: float) -> int:
        """Deliver events for ``seconds``; returns how many were handled in all so far."""
        deadline = time.monotonic() + seconds
        while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
            self.connection.process_data_events(time_limit=min(remaining, 1.0))
        return self.handled

    def drain_until(self, done: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Deliver events until ``done()`` holds or ``timeout`` passes; returns ``done()``."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.connection.process_data_events(time_limit=0.1)
        return done()

    def run(self) -> None:
        """Deliver events until ``stop()`` (call it from a handler or a signal handler)."""
        while not self._stopping:
            self.connection.process_data_events(time_limit=1.0)

    def stop(self) -> None:
        self._stopping = True

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()


def _event(method, properties, body: bytes) -> Event:
    """Events are JSON (``application/json``, or ``application/x-orjson``: JSON from orjson)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(payload, dict):
        raise ValueError("an event payload is a JSON object")
    headers = properties.headers or {}
    return Event(
        service=method.exchange.removesuffix(".events"),
        type=method.routing_key,
        payload=payload,
        delivery_count=int(headers.get("x-delivery-count", 0)),
    )
