"""A bank's own broker user: what RabbitMQ lets it do on the platform's vhost.

The bank message API authorises commands by their signatures; the broker authorises the rest.
A bank ``B`` (its party id is its user name) may:

- publish on ``nameko-rpc`` only with the routing keys of the methods docs/asyncapi.yaml
  documents (topic permission), so the operator's methods (``bills.rebuild`` …) stay the
  operator's;
- bind to ``nameko-rpc`` only its reply keys ``B-…``: no queue of its can copy the requests
  another bank sends (a binding with the key ``bills.submit`` is refused);
- configure, bind and consume only its own queues (``rpc.reply-B-…``, and ``B.…`` for its
  subscriptions and their ``.dead-letter`` queues), and bind them to the events exchanges and
  the dead-letter exchange;
- never configure, and so never delete, a platform exchange (the pika client only checks them,
  passively).

``grant`` sets the user, its password and both kinds of permission through the management API.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import requests

from services.bankapi import contract
from services.bankapi.topology import DEAD_LETTER_EXCHANGE as _DEAD_LETTERS

RPC_EXCHANGE = "nameko-rpc"
DEAD_LETTER_EXCHANGE = _DEAD_LETTERS.name
EVENT_SERVICES = ("bills", "invoices", "credit")


def documented_methods() -> list[str]:
    """``service.method`` of every RPC channel in docs/asyncapi.yaml."""
    channels = contract.document()["channels"].values()
    rpc = "#/components/channelBindings/NamekoRpc"
    return sorted(
        c["address"] for c in channels if c.get("bindings", {}).get("$ref") == rpc and c["address"]
    )


def permissions(bank: str) -> dict[str, str]:
    """The vhost permissions (regular expressions on resource names) of bank ``bank``."""
    own = rf"rpc\.reply-{re.escape(bank)}-.+|{re.escape(bank)}\..+"
    exchanges = "|".join(
        [re.escape(RPC_EXCHANGE), re.escape(DEAD_LETTER_EXCHANGE)]
        + [re.escape(f"{service}.events") for service in EVENT_SERVICES]
    )
    return {
        "configure": f"^({own})$",
        "write": f"^({re.escape(RPC_EXCHANGE)}|{re.escape(DEAD_LETTER_EXCHANGE)}|{own})$",
        "read": f"^({exchanges}|{own})$",
    }


def rpc_topic_permissions(bank: str, methods: list[str]) -> dict[str, str]:
    """Routing keys on ``nameko-rpc``: publish only documented methods, bind only own replies."""
    return {
        "exchange": RPC_EXCHANGE,
        "write": "^(" + "|".join(re.escape(method) for method in methods) + ")$",
        "read": rf"^{re.escape(bank)}-.+$",
    }


def grant(api_url: str, vhost: str, bank: str, password: str) -> None:
    """Create or update ``bank``'s broker user with exactly these permissions."""
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", bank):
        raise ValueError(f"a bank's user name is its party id, not {bank!r}")
    base, path = api_url.rstrip("/"), quote(vhost, safe="")

    def put(resource: str, body: dict) -> None:
        requests.put(f"{base}/{resource}", json=body, timeout=10).raise_for_status()

    put(f"users/{quote(bank, safe='')}", {"password": password, "tags": ""})
    put(f"permissions/{path}/{quote(bank, safe='')}", permissions(bank))
    topic = rpc_topic_permissions(bank, documented_methods())
    put(f"topic-permissions/{path}/{quote(bank, safe='')}", topic)
