"""Evidence bundles: chosen entries with proofs, a checkpoint and public keys, checkable offline.

A court or auditor needs only this file, the ``ledger`` package and the ledger's verifier key
(which they pin independently; the bundle carries a copy, and ``verify_bundle`` checks the copy
against the pinned one when given).

Format ``billchain-evidence/v1``: ``{"format", "ledger_vkey", "checkpoint", "receipts": [...],
"public_keys": {key_id: base64url SPKI DER}}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.commands import b64decode
from ledger.errors import InvalidReceipt, LedgerError
from ledger.receipts import verify_receipt
from ledger.vkeys import parse_vkey

FORMAT = "billchain-evidence/v1"


@dataclass(frozen=True)
class BundleReport:
    entries: int
    tree_size: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(bundle: dict, pinned_vkey: str | None = None, policy=None) -> BundleReport:
    """Check every receipt in the bundle; a problem list names each bad entry. With a
    ``WitnessPolicy``, the bundle's checkpoint must also meet its witness quorum."""
    problems: list[str] = []
    if bundle.get("format") != FORMAT:
        return BundleReport(0, 0, [f"not a {FORMAT} bundle"])
    vkey = bundle.get("ledger_vkey", "")
    if pinned_vkey is not None and vkey != pinned_vkey:
        return BundleReport(0, 0, ["the bundle's ledger key is not the pinned one"])
    try:
        log_key = parse_vkey(vkey)
    except LedgerError as exc:
        return BundleReport(0, 0, [f"ledger key unreadable: {exc}"])
    keys = bundle.get("public_keys", {})
    tree_size = 0
    for position, receipt in enumerate(bundle.get("receipts", [])):
        label = f"receipt {position} (entry {receipt.get('entry_id', '?')})"
        try:
            if receipt.get("checkpoint") != bundle.get("checkpoint"):
                raise InvalidReceipt("proves against a different checkpoint than the bundle's")
            signer_key = b64decode(keys[receipt["leaf"]["envelope"]["key_id"]])
            verified = verify_receipt(receipt, log_key, signer_key, policy=policy)
            tree_size = verified.checkpoint.checkpoint.tree_size
        except (LedgerError, KeyError, TypeError) as exc:
            problems.append(f"{label}: {exc}")
    return BundleReport(len(bundle.get("receipts", [])), tree_size, problems)
