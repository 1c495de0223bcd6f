"""Run ``verify_batch`` inside an eventlet-patched process and measure how long the hub stalls.

Printed as one JSON object: the batch size, verification time, the longest gap between ticks of
a greenthread that wants to run every millisecond, and how many ticks it got.
Usage: python -m tests.support.eventlet_probe ITEMS
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from ledger import verify_batch  # noqa: E402
from tests.support.factories import signed_items  # noqa: E402


def main(count: int) -> None:
    items = signed_items(count)
    verify_batch(items[:200])  # start the worker processes outside the measurement
    gaps, running = [], True

    def ticker():
        last = time.perf_counter()
        while running:
            eventlet.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0.01)
    started = time.perf_counter()
    verdicts = verify_batch(items)
    elapsed = time.perf_counter() - started
    running = False
    thread.wait()
    print(
        json.dumps(
            {
                "items": count,
                "valid": sum(verdicts),
                "verify_seconds": elapsed,
                "max_gap_ms": max(gaps) * 1000,
                "ticks": len(gaps),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
