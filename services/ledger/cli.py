"""``python -m services.ledger``: the operator's ledger commands, against the running platform.

bootstrap --config FILE             migrate the ledger schema and admit the operator
public-info --config FILE           the ledger's origin and verifier keys (what auditors pin)
export --config FILE --sequence N.. --out FILE   write an evidence bundle
export-proof --config FILE --sequence N --out F.tlog-proof [--witnessed]
                                    an entry's receipt as a c2sp.org/tlog-proof file
witness --config FILE --name PARTY --key PEM --state FILE --vkey K   cosign the latest checkpoint

Auditors need none of these: ``python -m ledger verify``, ``verify-bundle`` and ``verify-proof``
(the SDK) check a ledger and its evidence without the platform.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m services.ledger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("public-info", "bootstrap"):
        commands.add_parser(name).add_argument("--config")
    export = commands.add_parser("export")
    export.add_argument("--config")
    export.add_argument("--sequence", type=int, nargs="+", required=True)
    export.add_argument("--out", type=Path, required=True)
    export_proof = commands.add_parser("export-proof")
    export_proof.add_argument("--config")
    export_proof.add_argument("--sequence", type=int, required=True)
    export_proof.add_argument("--out", type=Path, required=True)
    export_proof.add_argument("--witnessed", action="store_true", help="against the quorum's")
    witness = commands.add_parser("witness")
    witness.add_argument("--config")
    witness.add_argument("--name", required=True)
    witness.add_argument("--key", type=Path, required=True)
    witness.add_argument("--state", type=Path, required=True)
    witness.add_argument("--vkey", required=True, help="the ledger's verifier key, pinned")
    arguments = parser.parse_args(argv)
    handler = {
        "public-info": _public_info,
        "bootstrap": _bootstrap,
        "export": _export,
        "export-proof": _export_proof,
        "witness": _witness,
    }[arguments.command]
    sys.exit(handler(arguments) or 0)


def _public_info(arguments) -> int:
    from services.ledger.operations import ed25519_note_key, ledger_settings, note_key

    settings = ledger_settings(_config(arguments))
    vkeys = {"vkey": note_key(settings).vkey(), "ed25519_vkey": ed25519_note_key(settings).vkey()}
    print(json.dumps({"origin": settings.origin, **vkeys}))
    return 0


def _bootstrap(arguments) -> int:
    from services.ledger.operations import bootstrap

    print(bootstrap(_config(arguments)))
    return 0


def _export(arguments) -> int:
    from services.ledger.operations import export_bundle

    bundle = export_bundle(_config(arguments), arguments.sequence)
    arguments.out.write_text(json.dumps(bundle, indent=1))
    print(f"wrote {len(bundle['receipts'])} entries to {arguments.out}")
    return 0


def _export_proof(arguments) -> int:
    from services.ledger.operations import export_proof

    text = export_proof(_config(arguments), arguments.sequence, arguments.witnessed)
    arguments.out.write_text(text)
    print(f"wrote the proof of entry {arguments.sequence} to {arguments.out}")
    return 0


def _witness(arguments) -> int:
    from ledger.keys import read_private_key
    from ledger.witness import WitnessRefusal, run_once
    from services.ledger.operations import rpc_proxy

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
