"""Operator commands for portal users and their browser keys.

python -m services.gateway.users add --party ent-123 --username alice   (password on stdin)
python -m services.gateway.users register-key --party ent-123 --public-key <SPKI b64url>
python -m services.gateway.users approve-keys                  (lists pending enrolments)
python -m services.gateway.users approve-keys --key-id <id> …  (or --all)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from services.common.config import load_config
from services.gateway.operations import (
    add_user,
    approve_enrolments,
    migrate,
    pending_enrolments,
    register_key,
)


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _approve_keys(config: dict, key_ids: list[str], everything: bool) -> None:
    pending = pending_enrolments(config)
    if everything:
        key_ids = [enrolment["key_id"] for enrolment in pending]
    if not key_ids:
        print(f"{len(pending)} enrolment(s) waiting (approve with --key-id or --all):")
        for enrolment in pending:
            print(
                f"  {enrolment['key_id']}  party {enrolment['party_id']}"
                f"  user {enrolment['username']}  since {enrolment['requested_at']}"
            )
        return
    for enrolment in approve_enrolments(config, key_ids):
        print(f"key {enrolment['key_id']} registered for {enrolment['party_id']}")


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
    approve = commands.add_parser("approve-keys", help="list or approve browser key enrolments")
    approve.add_argument("--key-id", action="append", default=[], help="approve this key")
    approve.add_argument("--all", action="store_true", help="approve every pending key")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.command == "add":
        migrate(config)
        try:
            add_user(config, args.username, args.party, _password())
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
        print(f"user {args.username} acts for {args.party}")
    elif args.command == "approve-keys":
        _approve_keys(config, args.key_id, args.all)
    else:
        receipt = register_key(config, args.party, args.public_key)
        print(f"key registered: entry {receipt['entry_id']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
