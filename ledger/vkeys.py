"""Verifier keys (c2sp.org/signed-note vkeys) of every signature type the ledger knows.

``<name>+<key id hex>+<base64(type || key)>``: 0x01 Ed25519 (the log's standard signature),
0x02 ECDSA P-256 (the log's original signature and platform witnesses'), 0x04 Ed25519
``cosignature/v1`` (witnesses by c2sp.org/tlog-witness).
"""

from __future__ import annotations

import base64
import binascii

from ledger.ed25519 import Ed25519NoteKey, ed25519_key_from_vkey
from ledger.errors import InvalidKey
from ledger.notes import NoteKey


def parse_vkey(vkey: str) -> NoteKey | Ed25519NoteKey:
    """The key a vkey names, of whichever type; raise ``InvalidKey``."""
    try:
        encoded = vkey.split("+", 2)[2]
        kind = base64.b64decode(encoded, validate=True)[:1]
    except (IndexError, binascii.Error, AttributeError):
        raise InvalidKey("not a verifier key string") from None
    if kind == b"\x02":
        return NoteKey.from_vkey(vkey)
    return ed25519_key_from_vkey(vkey)
