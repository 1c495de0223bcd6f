"""Evidence bundles: chosen entries with proofs, a checkpoint and public keys, checkable offline.

A court or auditor needs only this file, the ``ledger`` package and the ledger's verifier key
(which they pin independently; the bundle carries a copy, and ``verify_bundle`` checks the copy
against the pinned one when given).

Format ``billchain-evidence/v2``: ``{"format", "ledger_vkey", "checkpoint", "receipts": [...],
"public_keys": {key_id: {"public_key": base64url SPKI DER, "alg": suite, "distinguishing_id":
text or null}}}``. Each key names its suite (``ecdsa-p256-sha256`` or ``sm2-sm3``) and, for an SM2
key that registered one, its distinguishing ID; each receipt names its command's suite. Bundles
of ``billchain-evidence/v1`` (written before SM2: ``{key_id: base64url SPKI DER}``) still verify.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.commands import b64decode, b64encode
from ledger.errors import InvalidReceipt, LedgerError
from ledger.receipts import verify_receipt
from ledger.signatures import suite_of
from ledger.vkeys import parse_vkey

FORMAT = "billchain-evidence/v2"
FORMATS = ("billchain-evidence/v1", FORMAT)


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
    if bundle.get("format") not in FORMATS:
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
            signer_key, distinguishing_id = _signer_key(keys[receipt["leaf"]["envelope"]["key_id"]])
            verified = verify_receipt(
                receipt,
                log_key,
                signer_key,
                policy=policy,
                signer_distinguishing_id=distinguishing_id,
            )
            tree_size = verified.checkpoint.checkpoint.tree_size
        except (LedgerError, KeyError, TypeError) as exc:
            problems.append(f"{label}: {exc}")
    return BundleReport(len(bundle.get("receipts", [])), tree_size, problems)


def bundle_key(public_key_der: bytes, distinguishing_id: str | None = None) -> dict:
    """A signer's key as a bundle lists it."""
    return {
        "public_key": b64encode(public_key_der),
        "alg": suite_of(public_key_der),
        "distinguishing_id": distinguishing_id,
    }


def _signer_key(listed) -> tuple[bytes, bytes | None]:
    """A bundle's key entry as (SPKI DER, distinguishing ID); v1 lists the bare base64url DER."""
    if isinstance(listed, str):
        return b64decode(listed), None
    der = b64decode(listed["public_key"])
    if listed["alg"] != suite_of(der):
        raise InvalidReceipt("the bundle names another suite than its key's")
    identity = listed.get("distinguishing_id")
    return der, identity.encode() if identity is not None else None
