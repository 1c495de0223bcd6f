"""``python -m ledger``: the SDK's command line, for auditors, courts and key holders.

keygen PATH [--suite sm2-sm3 | --ed25519]   write a new private key (P-256 by default, SM2 for
                                    party keys, Ed25519 for note keys; PEM, mode 600)
verify --database-url URL --vkey K  audit a whole ledger; exit 1 naming the first bad entry
verify-bundle FILE --vkey K [--policy F]   check an evidence bundle offline (without --vkey
                                    or --policy: only its consistency, never "verified", exit 3)
witness-serve --name NAME --key ED25519.pem --state FILE --log VKEY... [--listen H:P]
                                    a c2sp.org/tlog-witness HTTP witness (add-checkpoint)
cosigner-vkey --name NAME --key ED25519.pem   the witness's cosignature/v1 vkey
mirror URL --vkey K [--policy F] --out DIR     copy a tiled log and verify it
verify-proof FILE (--vkey K | --policy F)      check a c2sp.org/tlog-proof file offline

The operator's commands (bootstrap, public-info, export, export-proof,
witness) talk to the running platform
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
    keygen.add_argument("--ed25519", action="store_true", help="an Ed25519 key, not P-256")
    verify = commands.add_parser("verify")
    verify.add_argument("--database-url", required=True)
    verify.add_argument("--vkey", required=True, help="the ledger's verifier key")
    bundle = commands.add_parser("verify-bundle")
    bundle.add_argument("path", type=Path)
    bundle.add_argument("--vkey")
    bundle.add_argument("--policy", type=Path, help="a witness policy the checkpoint must meet")
    serve = commands.add_parser("witness-serve")
    serve.add_argument("--name", required=True, help="the witness's key name")
    serve.add_argument("--key", type=Path, required=True, help="its Ed25519 private key (PEM)")
    serve.add_argument("--state", type=Path, required=True, help="its state file (JSON)")
    serve.add_argument("--log", action="append", required=True, help="a trusted log vkey")
    serve.add_argument("--listen", default="127.0.0.1:0", help="host:port (0: any free port)")
    serve.add_argument("--prefix", default="", help="the submission prefix, e.g. /witness")
    cosigner = commands.add_parser("cosigner-vkey")
    cosigner.add_argument("--name", required=True)
    cosigner.add_argument("--key", type=Path, required=True)
    copy = commands.add_parser("mirror")
    copy.add_argument("url", help="the log's tile prefix, e.g. http://127.0.0.1:8001")
    copy.add_argument("--vkey", help="the log's verifier key (Ed25519 or P-256)")
    copy.add_argument("--policy", type=Path, help="a witness policy the checkpoint must meet")
    copy.add_argument("--out", type=Path, required=True)
    copy.add_argument("--workers", type=int, default=8)
    check_proof = commands.add_parser("verify-proof")
    check_proof.add_argument("path", type=Path)
    check_proof.add_argument("--vkey", help="the ledger's verifier key (Ed25519 or P-256)")
    check_proof.add_argument("--policy", type=Path, help="a witness policy to meet")
    arguments = parser.parse_args(argv)
    handler = {
        "keygen": _keygen,
        "verify": _verify,
        "verify-bundle": _verify_bundle,
        "witness-serve": _witness_serve,
        "cosigner-vkey": _cosigner_vkey,
        "mirror": _mirror,
        "verify-proof": _verify_proof,
    }[arguments.command]
    sys.exit(handler(arguments) or 0)


def _keygen(arguments) -> int:
    from ledger.ed25519 import generate_ed25519_key, save_ed25519_key
    from ledger.keys import generate_private_key, save_private_key

    if arguments.path.exists():
        print(f"{arguments.path} exists; not overwriting a key", file=sys.stderr)
        return 1
    arguments.path.parent.mkdir(parents=True, exist_ok=True)
    if arguments.ed25519:
        save_ed25519_key(generate_ed25519_key(), arguments.path)
    else:
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
    from ledger.witness_policy import WitnessPolicy

    policy = WitnessPolicy.read(arguments.policy) if arguments.policy else None
    report = verify_bundle(json.loads(arguments.path.read_text()), arguments.vkey, policy)
    if report.ok and arguments.vkey is None and policy is None:
        print(
            "NOT VERIFIED: only the bundle's internal consistency was checked, against the key "
            "it carries; pin the ledger's verifier key with --vkey (or a witness --policy)"
        )
        print(f"  {report.entries} entries consistent with a tree of {report.tree_size}")
        return UNPINNED
    if report.ok:
        print(f"BUNDLE VERIFIED: {report.entries} entries in a tree of {report.tree_size}")
        return 0
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def _witness_serve(arguments) -> int:
    import logging

    from ledger.ed25519 import read_ed25519_key
    from ledger.vkeys import parse_vkey
    from ledger.witness_server import Witness, WitnessStateFile, serve

    logging.basicConfig(level=logging.WARNING)
    trusted: dict[str, list] = {}
    for vkey in arguments.log:
        key = parse_vkey(vkey)
        trusted.setdefault(key.name, []).append(key)
    key = read_ed25519_key(arguments.key)
    witness = Witness(arguments.name, key, trusted, WitnessStateFile(arguments.state))
    host, _, port = arguments.listen.rpartition(":")
    server = serve(witness, host, int(port), arguments.prefix)
    address = f"http://{host}:{server.server_address[1]}{arguments.prefix}"
    # one line for whoever started us (a test, an operator): where, and the key to pin
    print(json.dumps({"url": address, "vkey": witness.key.vkey()}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _cosigner_vkey(arguments) -> int:
    from ledger.ed25519 import CosignerKey, read_ed25519_key

    print(CosignerKey.of(arguments.name, read_ed25519_key(arguments.key)).vkey())
    return 0


def _mirror(arguments) -> int:
    from ledger.errors import LedgerError
    from ledger.mirror import mirror
    from ledger.vkeys import parse_vkey
    from ledger.witness_policy import WitnessPolicy

    if not arguments.vkey and not arguments.policy:
        print("give the log's --vkey, a --policy, or both", file=sys.stderr)
        return 2
    try:
        report = mirror(
            arguments.url,
            arguments.out,
            parse_vkey(arguments.vkey) if arguments.vkey else None,
            WitnessPolicy.read(arguments.policy) if arguments.policy else None,
            arguments.workers,
        )
    except (LedgerError, OSError) as exc:
        print(f"MIRROR REFUSED ({getattr(exc, 'code', type(exc).__name__)}): {exc}")
        return 1
    print(
        f"MIRROR VERIFIED: {report.entries:,} entries, {report.tiles:,} tiles, "
        f"{report.bytes_fetched:,} bytes in {report.seconds:.2f} s into {arguments.out}"
    )
    return 0


def _verify_proof(arguments) -> int:
    from ledger.errors import LedgerError
    from ledger.tlog_proof import verify_proof
    from ledger.vkeys import parse_vkey
    from ledger.witness_policy import WitnessPolicy

    if not arguments.vkey and not arguments.policy:
        print("give the ledger's --vkey, a --policy, or both", file=sys.stderr)
        return 2
    try:
        verified = verify_proof(
            arguments.path.read_text(),
            parse_vkey(arguments.vkey) if arguments.vkey else None,
            WitnessPolicy.read(arguments.policy) if arguments.policy else None,
        )
    except LedgerError as exc:
        print(f"PROOF REFUSED ({exc.code}): {exc}")
        return 1
    tree = verified.checkpoint.checkpoint
    cosigners = ", ".join(sorted(verified.checkpoint.cosigners())) or "none"
    print(
        f"PROOF VERIFIED: entry {verified.index} in {tree.origin} at tree size {tree.tree_size} "
        f"(cosigned by {cosigners})"
    )
    return 0
