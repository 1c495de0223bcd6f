"""``python -m ledger``: the SDK's command line, for auditors, courts and key holders.

keygen PATH [--suite sm2-sm3]       write a new private key (P-256 by default; PEM, mode 600)
verify --database-url URL --vkey K  audit a whole ledger; exit 1 naming the first bad entry
verify-bundle FILE --vkey K         check an evidence bundle offline (without --vkey: only its
                                    internal consistency, never "verified", exit 3)

The operator's commands (bootstrap, public-info, export, witness) talk to the running platform
and live with the ledger service: ``python -m services.ledger``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ledger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen")
    keygen.add_argument("path", type=Path)
    keygen.add_argument(
        "--suite", default="ecdsa-p256-sha256", choices=("ecdsa-p256-sha256", "sm2-sm3")
    )
    verify = commands.add_parser("verify")
    verify.add_argument("--database-url", required=True)
    verify.add_argument("--vkey", required=True, help="the ledger's verifier key")
    bundle = commands.add_parser("verify-bundle")
    bundle.add_argument("path", type=Path)
    bundle.add_argument("--vkey")
    arguments = parser.parse_args(argv)
    handler = {
        "keygen": _keygen,
        "verify": _verify,
        "verify-bundle": _verify_bundle,
    }[arguments.command]
    sys.exit(handler(arguments) or 0)


def _keygen(arguments) -> int:
    from ledger.keys import generate_private_key, save_private_key

    if arguments.path.exists():
        print(f"{arguments.path} exists; not overwriting a key", file=sys.stderr)
        return 1
    arguments.path.parent.mkdir(parents=True, exist_ok=True)
    save_private_key(generate_private_key(arguments.suite), arguments.path)
    print(f"wrote {arguments.path}")
    return 0


def _verify(arguments) -> int:
    from ledger.audit import audit

    report = audit(
        arguments.database_url, arguments.vkey, progress=lambda line: print(line, file=sys.stderr)
    )
    print(
        f"entries {report.entries:,}  signatures {report.signatures_verified:,}  "
        f"merkle nodes {report.nodes_checked:,}  blocks {report.blocks:,}  "
        f"checkpoints {report.checkpoints:,}  cosignatures {report.cosignatures:,}  "
        f"in {report.seconds:.2f} s"
    )
    if report.ok:
        print("LEDGER VERIFIED: every hash, signature, block and checkpoint checks out")
        return 0
    if report.first_bad_sequence is not None:
        print(f"FIRST BAD ENTRY: sequence {report.first_bad_sequence}")
    for problem in report.problems[:50]:
        print(f"  - {problem}")
    return 1


UNPINNED = 3  # the exit code of a bundle checked only against the key it carries


def _verify_bundle(arguments) -> int:
    """Without ``--vkey`` a bundle can only be checked against the key it carries itself, which
    anyone can make: that proves nothing about the platform's ledger, so it is never 'verified'."""
    from ledger.bundle import verify_bundle

    report = verify_bundle(json.loads(arguments.path.read_text()), arguments.vkey)
    if report.ok and arguments.vkey is None:
        print(
            "NOT VERIFIED: only the bundle's internal consistency was checked, against the key "
            "it carries; pin the ledger's verifier key with --vkey"
        )
        print(f"  {report.entries} entries consistent with a tree of {report.tree_size}")
        return UNPINNED
    if report.ok:
        print(f"BUNDLE VERIFIED: {report.entries} entries in a tree of {report.tree_size}")
        return 0
    for problem in report.problems:
        print(f"  - {problem}")
    return 1
