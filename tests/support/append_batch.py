"""Sign and append one large batch from its own process (so the test's pinger shares no hub).

Usage: python -m tests.support.append_batch CONFIG_YAML PARTY_ID KEY_PEM COUNT
Prints one JSON line: {"accepted": n, "refused": n, "seconds": s}.
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from ledger import read_private_key  # noqa: E402
from tests.support.ledger_factories import Signer, stream  # noqa: E402


def main(config_path: str, party_id: str, key_path: str, count: int) -> None:
    config = yaml.safe_load(Path(config_path).read_text())
    party = Signer(party_id, read_private_key(key_path))
    wires = [party.wire("load.note", stream("load"), 0, {"n": n}) for n in range(count)]
    with ClusterRpcProxy(config, timeout=120) as rpc:
        started = time.perf_counter()
        answer = rpc.ledger.append(wires)
        elapsed = time.perf_counter() - started
    accepted = sum(verdict["ok"] for verdict in answer["verdicts"])
    print(json.dumps({"accepted": accepted, "refused": count - accepted, "seconds": elapsed}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
