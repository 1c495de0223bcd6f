"""A bank's discount desk: hears discount requests that name the bank, answers them by signing.

The whole integration in one loop, as a bank builds it from docs/asyncapi.yaml:
``discount_requested`` arrives on the bank's own quorum queue → the desk decides (here: a
minimum rate) → it signs ``bill.sign`` (or ``bill.reject``) at the bill's current version and
submits it → ``bill_discounted`` follows on the same queue.

    python -m examples.bank_client.discount_desk --amqp-uri amqp://guest:guest@127.0.0.1/%2F \\
        --party bank-icbc-sh --key var/keys/bank-icbc-sh.pem --min-rate-bp 120
"""

from __future__ import annotations

import argparse
import logging

from examples.bank_client.client import BankClient
from examples.bank_client.errors import BankApiError
from examples.bank_client.signing import BankSigner
from examples.bank_client.subscription import Event

log = logging.getLogger("discount_desk")
RETRY_CODES = {"STREAM_VERSION_CONFLICT", "RPC_TIMEOUT", "LEDGER_UNAVAILABLE"}


class DiscountDesk:
    def __init__(self, client: BankClient, signer: BankSigner, min_rate_bp: int = 0):
        self.client = client
        self.signer = signer
        self.min_rate_bp = min_rate_bp
        self.answered: dict[tuple[str, int], dict] = {}  # (package_no, start) → the answer

    def on_event(self, event: Event) -> None:
        request = event.payload
        if event.type != "discount_requested" or request.get("bank") != self.signer.party_id:
            return  # another bank's request, or an event this desk only records
        key = (request["package_no"], request["start"])
        if key in self.answered:
            return  # at-least-once delivery: already answered
        if request["rate_bp"] >= self.min_rate_bp:
            command, body = "bill.sign", {"start": request["start"]}
        else:
            command, body = "bill.reject", {"start": request["start"], "reason": "rate too low"}
        self.answered[key] = self._submit(request["package_no"], command, body)

    def _submit(self, package_no: str, command: str, body: dict) -> dict:
        stream = f"bill:{package_no}"
        try:
            return self.client.submit("bills", self.signer, command, stream, body)
        except BankApiError as refusal:
            if refusal.code in RETRY_CODES:
                raise  # the subscription redelivers it (bounded by the delivery limit)
            log.warning("%s refused on %s: %s", command, package_no, refusal)
            return {"refused": refusal.code}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--amqp-uri", required=True)
    parser.add_argument("--party", required=True, help="the bank's party id")
    parser.add_argument("--key", required=True, help="the bank's private key (PEM: P-256 or SM2)")
    parser.add_argument(
        "--distinguishing-id", help="the SM2 distinguishing ID registered with the key, if any"
    )
    parser.add_argument("--queue", help="subscription queue (default: <party>.discount-desk)")
    parser.add_argument("--min-rate-bp", type=int, default=0)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    identity = arguments.distinguishing_id
    signer = BankSigner.from_pem_file(
        arguments.party, arguments.key, identity.encode() if identity else None
    )
    with BankClient(arguments.amqp_uri, name=arguments.party) as client:
        desk = DiscountDesk(client, signer, arguments.min_rate_bp)
        queue = arguments.queue or f"{arguments.party}.discount-desk"
        keys = ["bills.discount_requested", "bills.bill_discounted"]
        subscription = client.subscribe(queue, keys, desk.on_event)
        log.info("listening on %s", queue)
        try:
            subscription.run()
        except KeyboardInterrupt:
            subscription.close()


if __name__ == "__main__":
    main()
