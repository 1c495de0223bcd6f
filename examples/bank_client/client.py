"""A bank's RPC client for the platform, on pika alone: the wire protocol of docs/asyncapi.yaml.

A request is JSON ``{"args": [...], "kwargs": {...}}`` published to the topic exchange
``nameko-rpc`` with routing key ``<service>.<method>``, ``reply_to`` = a routing key this client
chose and bound its own exclusive reply queue to (on ``nameko-rpc``, not the default exchange),
and a fresh ``correlation_id``. The reply ``{"result": ..., "error": null | {...}}`` comes back
on that routing key with the same correlation id and the request's content type.

One client is one connection: use it from one thread (or greenlet) at a time. A connection the
broker closed (an idle client misses its heartbeats) is opened anew on the next call.

>>> client = BankClient("amqp://guest:guest@127.0.0.1:5672/%2F")   # doctest: +SKIP
>>> client.call("ledger", "ping")                                    # doctest: +SKIP
'pong'
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote, unquote

import pika
import pika.exceptions

from examples.bank_client.errors import RpcTimeout, UnknownService, error_from_reply

RPC_EXCHANGE = "nameko-rpc"
JSON = "application/json"


def connection_parameters(amqp_url: str) -> pika.URLParameters:
    """pika parameters from an AMQP URL, also in kombu's spelling (``pyamqp://…//`` is the
    vhost ``/``), so the platform's own ``AMQP_URI`` values work unchanged."""
    scheme, _, rest = amqp_url.partition("://")
    scheme = "amqps" if scheme in ("amqps", "pyamqps") else "amqp"
    authority, _, path = rest.partition("/")
    path, _, query = path.partition("?")
    vhost = unquote(path) or "/"
    url = f"{scheme}://{authority}/{quote(vhost, safe='')}"
    parameters = pika.URLParameters(f"{url}?{query}" if query else url)
    if parameters.blocked_connection_timeout is None:
        # a broker under a resource alarm blocks publishers: fail instead of hanging forever
        parameters.blocked_connection_timeout = 60
    return parameters


def ensure_exchange(connection, name: str, kind: str) -> None:
    """Declare the platform's exchange ``name`` only if it is missing. A passive check needs no
    permission, so a bank's own broker user, which may not configure (or delete) the platform's
    exchanges, gets by; it is refused only if the platform has not declared the exchange yet.
    Each step has a channel of its own: a refusal closes the channel it happens on."""
    probe = connection.channel()
    try:
        probe.exchange_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as closed:
        if closed.reply_code != 404:
            raise
        declarer = connection.channel()
        declarer.exchange_declare(name, kind, durable=True)
        declarer.close()
        return
    probe.close()


class BankClient:
    """``call(service, method, *args, **kwargs)`` → the result, or raises ``BankApiError``."""

    def __init__(
        self,
        amqp_url: str,
        *,
        timeout: float = 30.0,
        name: str = "bank-client",
        exchange: str = RPC_EXCHANGE,
    ):
        self.amqp_url = amqp_url
        self.timeout = timeout
        self.exchange = exchange
        self.name = name
        self._waiting: set[str] = set()
        self._replies: dict[str, bytes] = {}
        self.last_reply: dict | None = None  # the last reply as received, for logs and tests
        self.last_reply_size = 0
        self._open()

    def _open(self) -> None:
        self.connection = pika.BlockingConnection(connection_parameters(self.amqp_url))
        self.channel = self.connection.channel()
        # confirms: a publish returns once the broker has the request, and an unroutable one
        # (no such service) raises instead of vanishing
        self.channel.confirm_delivery()
        ensure_exchange(self.connection, self.exchange, "topic")
        self.reply_to = f"{self.name}-{uuid.uuid4().hex}"
        declared = self.channel.queue_declare(
            f"rpc.reply-{self.reply_to}", exclusive=True, auto_delete=True
        )
        reply_queue = declared.method.queue
        self.channel.queue_bind(reply_queue, self.exchange, routing_key=self.reply_to)
        self.channel.basic_consume(reply_queue, self._on_reply, auto_ack=True)

    # -- RPC ----------------------------------------------------------------------------------

    def call(self, service: str, method: str, *args, **kwargs):
        """Call ``service.method`` and wait for its result (``self.timeout`` seconds)."""
        return self.call_with(service, method, args, kwargs)

    def call_with(
        self,
        service: str,
        method: str,
        args: tuple | list = (),
        kwargs: dict | None = None,
        timeout: float | None = None,
    ):
        """``call`` with an explicit argument list, keyword dict and timeout."""
        timeout = self.timeout if timeout is None else timeout
        routing_key = f"{service}.{method}"
        correlation_id = uuid.uuid4().hex
        self._waiting.add(correlation_id)
        try:
            request = {"args": list(args), "kwargs": kwargs or {}}
            self._publish(routing_key, request, correlation_id, timeout)
            body = self._wait(correlation_id, routing_key, timeout)
        finally:
            self._waiting.discard(correlation_id)
        self.last_reply_size = len(body)
        self.last_reply = reply = json.loads(body)
        if reply.get("error"):
            raise error_from_reply(reply["error"])
        return reply.get("result")

    def _publish(self, routing_key: str, request: dict, correlation_id: str, timeout: float):
        if not self.connection.is_open:  # e.g. closed by the broker while idle: open anew
            self._open()
        properties = pika.BasicProperties(
            content_type=JSON,
            content_encoding="utf-8",
            reply_to=self.reply_to,
            correlation_id=correlation_id,
            message_id=correlation_id,
            delivery_mode=pika.DeliveryMode.Persistent,
            # a request nobody took in time is dropped, not run after the caller gave up
            expiration=str(max(1, int(timeout * 1000))),
            headers={"nameko.call_id_stack": [f"{self.name}.{routing_key}.{correlation_id}"]},
        )
        body = json.dumps(request, separators=(",", ":")).encode()
        try:
            self.channel.basic_publish(self.exchange, routing_key, body, properties, mandatory=True)
        except pika.exceptions.UnroutableError:
            raise UnknownService(routing_key) from None

    def _wait(self, correlation_id: str, routing_key: str, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while correlation_id not in self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcTimeout(routing_key, timeout)
            self.connection.process_data_events(time_limit=remaining)
        return self._replies.pop(correlation_id)

    def _on_reply(self, channel, method, properties, body: bytes) -> None:
        if properties.correlation_id in self._waiting:  # a late reply to a timed-out call: drop
            self._replies[properties.correlation_id] = body

    # -- signed commands ----------------------------------------------------------------------

    def stream_version(self, stream: str) -> int:
        """The ``expected_version`` for the next command on ``stream`` (ledger's view)."""
        return self.call("ledger", "stream_version", stream)

    def submit(
        self,
        service: str,
        signer,
        type: str,
        stream: str,
        body: dict,
        *,
        expected_version: int | None = None,
        created_at=None,
    ) -> dict:
        """Sign a command with ``signer`` (``signing.BankSigner``) and ``<service>.submit`` it.
        Without ``expected_version`` the stream's current version is asked of the ledger."""
        if expected_version is None:
            expected_version = self.stream_version(stream)
        command = signer.sign(type, stream, expected_version, body, created_at=created_at)
        return self.call(service, "submit", command)

    def rotate_key(self, signer, new_signer) -> dict:
        """Replace the bank's key: ``key.rotate`` signed with the current key (``signer``)
        registers ``new_signer``'s key (of either suite, with its distinguishing ID) and revokes
        the current one in the same entry. Every later command is signed with the new key.
        Returns the entry's receipt."""
        stream = f"party:{signer.party_id}"
        body = {"party_id": signer.party_id, **new_signer.key_body()}
        body["revoke_key_id"] = signer.key_id()
        command = signer.sign("key.rotate", stream, self.stream_version(stream), body)
        return self.call("ledger", "append_one", command)

    def sign_bill_request(self, signer, package_no: str, start: int, **options) -> dict:
        """Answer a request that names the bank as counterparty (a discount, pledge …) by
        signing ``bill.sign {start}``: ``{"receipt": {...}, "bill": {...}}``."""
        stream = f"bill:{package_no}"
        return self.submit("bills", signer, "bill.sign", stream, {"start": start}, **options)

    def claim_invoice_financing(
        self, signer, number: str, claim_id: str, amount_fen: int, **options
    ) -> dict:
        """Register the bank's financing claim on an invoice (cross-bank registry)."""
        body = {"number": number, "claim_id": claim_id, "amount_fen": amount_fen}
        stream = f"invoice:{number}"
        return self.submit("invoices", signer, "invoice.claim_financing", stream, body, **options)

    # -- events -------------------------------------------------------------------------------

    def subscribe(self, queue: str, routing_keys: list[str], handler, **options):
        """Declare the bank's durable quorum queue (with dead-lettering), bind it to
        ``<service>.<event_type>`` keys and consume it on a connection of its own; see
        ``subscription.Subscription``. ``drain(seconds)`` or ``run()`` delivers the events."""
        from examples.bank_client.subscription import Subscription

        return Subscription(self.amqp_url, queue, routing_keys, handler, **options)

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def __enter__(self) -> BankClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
