"""Ask the ledger for ``health`` every few milliseconds from a process of its own, and report
the answer times while it was verifying and overall. Usage: pinger.py CONFIG_YAML SECONDS"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402


def main(config_path: str, seconds: float) -> None:
    config = yaml.safe_load(Path(config_path).read_text())
    overall, verifying = [], []
    with ClusterRpcProxy(config, timeout=30) as rpc:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            health = rpc.ledger.health()
            latency = (time.perf_counter() - started) * 1000
            overall.append(latency)
            if health["verifying"]:
                verifying.append(latency)
            eventlet.sleep(0.005)
    print(
        json.dumps(
            {
                "answers": len(overall),
                "answers_while_verifying": len(verifying),
                "max_ms_while_verifying": max(verifying, default=None),
                "max_ms": max(overall),
                "p99_ms": sorted(overall)[int(len(overall) * 0.99) - 1],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
