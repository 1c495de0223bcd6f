"""Canonical encoding: the one byte form of anything the ledger signs or hashes.

Rules (SPEC §2): JSON produced by orjson with keys sorted, UTF-8, no insignificant whitespace.
Only ``dict`` (ASCII string keys), ``list``, ``str``, ``int``, ``bool`` and ``None`` are allowed.
Floats are refused (money is integer fen), and so are integers outside ±(2**53 - 1), because a
browser verifying a receipt reads JSON numbers as IEEE doubles. Keys are restricted to printable
ASCII so that every language sorts them the same way (JavaScript sorts UTF-16 code units, Python
code points; the two agree on ASCII).

``decode`` is strict: it accepts bytes only if re-encoding what they hold gives the same bytes,
so two different byte strings can never carry the same signed meaning.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from ledger.errors import CanonicalEncodingError

MAX_SAFE_INTEGER = 2**53 - 1
_MAX_DEPTH = 32


def encode(value: Any) -> bytes:
    """Return the canonical bytes of ``value`` or raise ``CanonicalEncodingError``.

    >>> encode({"b": 1, "a": [True, None, "x"]})
    b'{"a":[true,null,"x"],"b":1}'
    """
    _check(value, "$", 0)
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # e.g. a string holding a lone surrogate
        raise CanonicalEncodingError(f"cannot encode: {exc}") from None


def decode(data: bytes) -> Any:
    """Parse canonical bytes; raise ``CanonicalEncodingError`` unless they are canonical."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CanonicalEncodingError("canonical input must be bytes")
    data = bytes(data)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise CanonicalEncodingError(f"not JSON: {exc}") from None
    if encode(value) != data:
        raise CanonicalEncodingError("bytes are JSON but not in canonical form")
    return value


def digest(value: Any) -> bytes:
    """SHA-256 of the canonical encoding of ``value``."""
    return hashlib.sha256(encode(value)).digest()


def _check(value: Any, path: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise CanonicalEncodingError(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalEncodingError(f"{path}: integer outside ±(2**53 - 1)")
        return
    if isinstance(value, float):
        raise CanonicalEncodingError(f"{path}: floats are not allowed (use integer units)")
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check(item, f"{path}[{position}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _is_printable_ascii(key):
                raise CanonicalEncodingError(f"{path}: keys must be printable ASCII strings")
            _check(item, f"{path}.{key}", depth + 1)
        return
    raise CanonicalEncodingError(f"{path}: {type(value).__name__} has no canonical form")


def _is_printable_ascii(key: str) -> bool:
    return key.isascii() and key.isprintable()
