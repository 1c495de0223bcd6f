"""The ledger service speaks the C2SP formats: both checkpoint signatures, published keys."""

from __future__ import annotations

from ledger.checkpoints import verify_checkpoint
from ledger.vkeys import parse_vkey


def test_the_ledger_service_signs_its_checkpoints_with_both_published_keys(rpc):
    info = rpc.ledger.public_info()
    note = rpc.ledger.get_checkpoint()["note"]
    for vkey in (info["vkey"], info["ed25519_vkey"]):
        assert verify_checkpoint(note, parse_vkey(vkey)).checkpoint.origin == info["origin"]
    assert parse_vkey(info["ed25519_vkey"]).signature_type == 0x01
