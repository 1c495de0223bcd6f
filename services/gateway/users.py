"""Operator commands for portal users.

python -m services.gateway.users add --party ent-123 --username alice   (password on stdin)
python -m services.gateway.users register-key --party ent-123 --public-key <SPKI b64url>
"""

from __future__ import annotations

import argparse
import getpass
import sys

from services.common.config import load_config
from services.gateway.operations import add_user, migrate, register_key


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.gateway.users")
    parser.add_argument("--config", default=None, help="config file (default: config.yml)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create a user (password read from stdin)")
    add.add_argument("--party", required=True)
    add.add_argument("--username", required=True)
    key = commands.add_parser("register-key", help="admit a browser key as the operator")
    key.add_argument("--party", required=True)
    key.add_argument("--public-key", required=True, help="SPKI DER, base64url")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.command == "add":
        migrate(config)
        try:
            add_user(config, args.username, args.party, _password())
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
        print(f"user {args.username} acts for {args.party}")
    else:
        receipt = register_key(config, args.party, args.public_key)
        print(f"key registered: entry {receipt['entry_id']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
