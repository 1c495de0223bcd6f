"""``python -m services.bankapi``: a bank's broker user, its subscription, its dead letters.

grant --api URL --vhost VHOST --bank PARTY --password-file FILE
    the bank's own broker user, with the permissions of services.bankapi.access
provision --amqp-uri URI --queue NAME --key bills.bill_discounted [--key ...] [--delivery-limit 5]
dead-letters --amqp-uri URI --queue NAME
replay --amqp-uri URI --queue NAME [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kombu import Connection

from services.bankapi import access, topology


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.bankapi", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grant = commands.add_parser("grant", help="create or update a bank's broker user")
    grant.add_argument("--api", required=True, help="management API, http://user:pass@host/api")
    grant.add_argument("--vhost", required=True)
    grant.add_argument("--bank", required=True, help="the bank's party id: its user name")
    grant.add_argument("--password-file", type=Path, required=True)
    for name in ("provision", "dead-letters", "replay"):
        command = commands.add_parser(name)
        command.add_argument("--amqp-uri", required=True)
        command.add_argument("--queue", required=True)
        command.add_argument("--key", action="append", default=[], help="<service>.<event_type>")
        command.add_argument("--delivery-limit", type=int, default=topology.DEFAULT_DELIVERY_LIMIT)
        command.add_argument("--limit", type=int, default=None)
    arguments = parser.parse_args(argv)
    if arguments.command == "grant":
        password = arguments.password_file.read_text().strip()
        access.grant(arguments.api, arguments.vhost, arguments.bank, password)
        print(f"{arguments.bank}: may call the documented methods and use its own queues only")
        return 0
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
