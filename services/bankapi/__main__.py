"""``python -m services.bankapi``: provision a bank's subscription, inspect or replay its
dead letters.

provision --amqp-uri URI --queue NAME --key bills.bill_discounted [--key ...] [--delivery-limit 5]
dead-letters --amqp-uri URI --queue NAME
replay --amqp-uri URI --queue NAME [--limit N]
"""

from __future__ import annotations

import argparse
import sys

from kombu import Connection

from services.bankapi import topology


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.bankapi", description=__doc__)
    parser.add_argument("command", choices=["provision", "dead-letters", "replay"])
    parser.add_argument("--amqp-uri", required=True)
    parser.add_argument("--queue", required=True)
    parser.add_argument("--key", action="append", default=[], help="<service>.<event_type>")
    parser.add_argument("--delivery-limit", type=int, default=topology.DEFAULT_DELIVERY_LIMIT)
    parser.add_argument("--limit", type=int, default=None)
    arguments = parser.parse_args(argv)
    with Connection(arguments.amqp_uri) as connection:
        if arguments.command == "provision":
            topology.subscribe(connection, arguments.queue, arguments.key, arguments.delivery_limit)
            print(f"{arguments.queue}: bound to {', '.join(arguments.key) or 'nothing'}")
        elif arguments.command == "dead-letters":
            print(topology.dead_letter_depth(connection, arguments.queue))
        else:
            moved = topology.replay_dead_letters(connection, arguments.queue, arguments.limit)
            print(f"replayed {moved} dead letters to {arguments.queue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
