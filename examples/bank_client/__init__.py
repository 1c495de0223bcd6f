"""A bank's client for the platform's message API, written with pika only (no nameko).

It follows docs/asyncapi.yaml and nothing else: the RPC wire protocol (``BankClient``), stable
error codes (``BankApiError``), signing with the ledger SDK (``BankSigner``) and an event
subscription on the bank's own durable quorum queue with dead-lettering (``Subscription``).
See README.md beside this file.
"""

from examples.bank_client.client import BankClient, connection_parameters
from examples.bank_client.errors import BankApiError, RpcTimeout, UnknownService
from examples.bank_client.signing import BankSigner
from examples.bank_client.subscription import DeadLetter, Event, Subscription

__all__ = [
    "BankApiError",
    "BankClient",
    "BankSigner",
    "DeadLetter",
    "Event",
    "RpcTimeout",
    "Subscription",
    "UnknownService",
    "connection_parameters",
]
