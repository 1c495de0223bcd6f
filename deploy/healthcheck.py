"""Container health check: the named service answers ``health`` (or ``ping``) over RPC."""

import sys

from services.common.config import load_config
from services.ledger.operations import rpc_proxy


def main(service: str) -> int:
    try:
        with rpc_proxy(load_config()) as rpc:
            getattr(rpc, service).ping()
    except Exception as exc:  # any failure is simply "unhealthy"
        print(f"{service} unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
