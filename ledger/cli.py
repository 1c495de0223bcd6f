"""``python -m ledger``: the ledger's command line, for operators, auditors and witnesses.

keygen PATH                         write a new P-256 private key (PEM, mode 600)
public-info --config FILE           the ledger's origin and verifier key (what auditors pin)
bootstrap --config FILE             migrate the ledger schema and admit the operator
verify --database-url URL --vkey K  audit a whole ledger; exit 1 naming the first bad entry
export --config FILE --sequence N.. --out FILE   write an evidence bundle
verify-bundle FILE [--vkey K]       check an evidence bundle offline
witness --config FILE --name PARTY --key PEM --state FILE   cosign the latest checkpoint
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
    for name in ("public-info", "bootstrap"):
        commands.add_parser(name).add_argument("--config")
    verify = commands.add_parser("verify")
    verify.add_argument("--database-url", required=True)
    verify.add_argument("--vkey", required=True, help="the ledger's verifier key")
    export = commands.add_parser("export")
    export.add_argument("--config")
    export.add_argument("--sequence", type=int, nargs="+", required=True)
    export.add_argument("--out", type=Path, required=True)
    bundle = commands.add_parser("verify-bundle")
    bundle.add_argument("path", type=Path)
    bundle.add_argument("--vkey")
    witness = commands.add_parser("witness")
    witness.add_argument("--config")
    witness.add_argument("--name", required=True)
    witness.add_argument("--key", type=Path, required=True)
    witness.add_argument("--state", type=Path, required=True)
    witness.add_argument("--vkey", required=True, help="the ledger's verifier key, pinned")
    arguments = parser.parse_args(argv)
    handler = {
        "keygen": _keygen,
        "public-info": _public_info,
        "bootstrap": _bootstrap,
        "verify": _verify,
        "export": _export,
        "verify-bundle": _verify_bundle,
        "witness": _witness,
    }[arguments.command]
    sys.exit(handler(arguments) or 0)


def _keygen(arguments) -> int:
    from ledger.keys import generate_private_key, save_private_key

    if arguments.path.exists():
        print(f"{arguments.path} exists; not overwriting a key", file=sys.stderr)
        return 1
    arguments.path.parent.mkdir(parents=True, exist_ok=True)
    save_private_key(generate_private_key(), arguments.path)
    print(f"wrote {arguments.path}")
    return 0


def _public_info(arguments) -> int:
    from ledger.service.operations import ledger_settings, note_key

    settings = ledger_settings(_config(arguments))
    print(json.dumps({"origin": settings.origin, "vkey": note_key(settings).vkey()}))
    return 0


def _bootstrap(arguments) -> int:
    from ledger.service.operations import bootstrap

    print(bootstrap(_config(arguments)))
    return 0


def _verify(arguments) -> int:
    from ledger.service.audit import audit

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


def _export(arguments) -> int:
    from ledger.service.operations import export_bundle

    bundle = export_bundle(_config(arguments), arguments.sequence)
    arguments.out.write_text(json.dumps(bundle, indent=1))
    print(f"wrote {len(bundle['receipts'])} entries to {arguments.out}")
    return 0


def _verify_bundle(arguments) -> int:
    from ledger.bundle import verify_bundle

    report = verify_bundle(json.loads(arguments.path.read_text()), arguments.vkey)
    if report.ok:
        print(f"BUNDLE VERIFIED: {report.entries} entries in a tree of {report.tree_size}")
        return 0
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def _witness(arguments) -> int:
    from ledger.keys import read_private_key
    from ledger.service.operations import rpc_proxy
    from ledger.witness import WitnessRefusal, run_once

    key = read_private_key(arguments.key)
    with rpc_proxy(_config(arguments)) as rpc:
        try:
            cosigned = run_once(rpc, arguments.state, arguments.name, key, arguments.vkey)
        except WitnessRefusal as exc:
            print(f"REFUSED ({exc.code}): {exc}", file=sys.stderr)
            return 2
    print(f"cosigned checkpoint at tree size {cosigned['tree_size']}")
    return 0


def _config(arguments) -> dict:
    from services.common.config import load_config

    return load_config(getattr(arguments, "config", None))
