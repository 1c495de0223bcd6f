"""``python -m chaos.quorum run --config config.yml <module>``: ``nameko run`` with every
durable service queue declared as a quorum queue (``x-queue-type: quorum``), for the cluster
drill.

A quorum queue is replicated on a majority of the cluster's nodes, so losing the node that
leads it loses no message: a follower takes over. A queue's type is fixed when it is declared
and cannot be set by a policy, so it is the services' declarations that must say so. Until
they do (the RPC and event entrypoints in ``services/common`` are being reworked for it), the
drill runs them through this wrapper: it gives ``x-queue-type: quorum`` to each durable,
non-exclusive, non-auto-delete queue nameko declares — the service's RPC queue
(``rpc-<service>``) and its event handlers' queues — and leaves alone a queue that already
names its type (so once the services declare quorum queues themselves, this does nothing) and
the per-client reply queues (exclusive or expiring by design).
"""

from __future__ import annotations

import sys

import kombu


def quorum_queue(*args, **kwargs):
    durable = kwargs.get("durable", False)
    transient = kwargs.get("auto_delete") or kwargs.get("exclusive")
    arguments = dict(kwargs.get("queue_arguments") or {})
    if durable and not transient and "x-queue-type" not in arguments:
        kwargs["queue_arguments"] = {**arguments, "x-queue-type": "quorum"}
    return kombu.Queue(*args, **kwargs)


def patch_nameko() -> None:
    import nameko.events
    import nameko.rpc

    nameko.rpc.Queue = quorum_queue
    nameko.events.Queue = quorum_queue


def main() -> None:
    import eventlet

    eventlet.monkey_patch()  # as `nameko run` does, before kombu and nameko are imported
    patch_nameko()
    from nameko.cli.main import main as nameko_main

    sys.argv = ["nameko", *sys.argv[1:]]
    nameko_main()


if __name__ == "__main__":
    main()
