"""Broker topology of a bank's event subscription: durable, with poison messages dead-lettered.

Declared per queue (no broker policy needed), with kombu:

- exchange ``bankapi.dead-letter`` (direct, durable);
- ``<queue>``: durable **quorum** queue with ``x-delivery-limit`` (5): a message redelivered
  more often — a handler that keeps failing — is dead-lettered, not requeued forever, to
  ``bankapi.dead-letter`` with routing key ``<queue>`` (``x-dead-letter-strategy:
  at-least-once``, which quorum queues honour with ``x-overflow: reject-publish``);
- ``<queue>.dead-letter``: durable quorum queue bound to that key, where an operator looks at
  and replays (``replay_dead_letters``) what was parked;
- bindings to the services' event exchanges: ``bills.bill_discounted`` is exchange
  ``bills.events`` (topic, durable, as nameko declares it) with routing key ``bill_discounted``.

The same contract is in docs/asyncapi.yaml (``x-subscription-queue``) and in the pika bank
client (``examples/bank_client/subscription.py``). RabbitMQ rejects a re-declaration with other
arguments (PRECONDITION_FAILED), so both sides provably declare the same queue.
"""

from __future__ import annotations

from kombu import Connection, Exchange, Queue, binding

DEAD_LETTER_EXCHANGE = Exchange("bankapi.dead-letter", type="direct", durable=True)
DEFAULT_DELIVERY_LIMIT = 5


def subscription_arguments(queue_name: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> dict:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
        "x-dead-letter-routing-key": queue_name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def events_exchange(service: str) -> Exchange:
    """The exchange nameko's ``EventDispatcher`` publishes ``service``'s events to."""
    return Exchange(f"{service}.events", type="topic", durable=True)


def event_binding(key: str) -> binding:
    """``"bills.bill_discounted"`` (or ``"bills.#"`` for all) → a binding to its exchange."""
    service, _, event_type = key.partition(".")
    if not service or not event_type:
        raise ValueError(f"a subscription key is <service>.<event_type>, not {key!r}")
    return binding(events_exchange(service), routing_key=event_type)


def dead_letter_queue(queue_name: str) -> Queue:
    return Queue(
        f"{queue_name}.dead-letter",
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=queue_name,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def subscription_queue(
    queue_name: str, routing_keys: list[str], delivery_limit: int = DEFAULT_DELIVERY_LIMIT
) -> Queue:
    return Queue(
        queue_name,
        bindings=[event_binding(key) for key in routing_keys],
        durable=True,
        queue_arguments=subscription_arguments(queue_name, delivery_limit),
    )


def subscribe(
    connection: Connection,
    queue_name: str,
    routing_keys: list[str],
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
) -> Queue:
    """Declare a bank's subscription (dead-letter exchange and queue, the quorum queue, its
    bindings) idempotently; returns the queue, ready for a kombu ``Consumer``."""
    channel = connection.default_channel
    dead_letter_queue(queue_name)(channel).declare()
    queue = subscription_queue(queue_name, routing_keys, delivery_limit)(channel)
    queue.declare()
    return queue


def dead_letter_depth(connection: Connection, queue_name: str) -> int:
    """How many messages wait in the queue's dead-letter queue."""
    queue = dead_letter_queue(queue_name)(connection.default_channel)
    return queue.queue_declare(passive=True).message_count


def replay_dead_letters(connection: Connection, queue_name: str, limit: int | None = None) -> int:
    """Move parked messages back to the subscription queue (after the handler was fixed),
    oldest first; each is acknowledged on the dead-letter queue only once republished."""
    channel = connection.default_channel
    parked = dead_letter_queue(queue_name)(channel)
    producer = connection.Producer(channel)
    moved = 0
    while limit is None or moved < limit:
        message = parked.get(no_ack=False, accept=None)
        if message is None:
            break
        headers = {k: v for k, v in (message.headers or {}).items() if k != "x-delivery-count"}
        producer.publish(
            message.body,
            exchange="",  # the default exchange routes by queue name
            routing_key=queue_name,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            headers=headers,  # x-death stays: the history of the message
            delivery_mode=2,
            retry=True,
        )
        message.ack()
        moved += 1
    return moved
