"""Container health check, one contract for every service: ``python -m deploy.healthcheck NAME``.

The ledger, bills, invoices and credit answer ``health()`` over RPC with ``{"status": "ok"}``; the
gateway answers ``GET /api/v1/health``. No answer within ``TIMEOUT_SECONDS`` (a stopped service
leaves its queue without a consumer) or any other answer is unhealthy: exit 1.
"""

import sys

import requests

from services.common.config import load_config
from services.ledger.operations import rpc_proxy

TIMEOUT_SECONDS = 5
RPC_SERVICES = ("ledger", "bills", "invoices", "credit")


def answer(service: str, config: dict) -> dict:
    if service == "gateway":
        port = str(config["WEB_SERVER_ADDRESS"]).rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}/api/v1/health"
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    if service not in RPC_SERVICES:
        raise ValueError(f"no such service {service!r}: one of gateway, {', '.join(RPC_SERVICES)}")
    with rpc_proxy(config, timeout=TIMEOUT_SECONDS) as rpc:
        return getattr(rpc, service).health()


def main(service: str) -> int:
    try:
        status = answer(service, load_config()).get("status")
        if status != "ok":
            raise RuntimeError(f"status {status!r}")
    except Exception as exc:  # any failure is simply "unhealthy"
        print(f"{service} unhealthy: {exc}", file=sys.stderr)
        return 1
    print(f"{service} healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
