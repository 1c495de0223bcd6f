"""Canonical encoding: the one byte form of anything the ledger signs or hashes.

Rules: JSON produced by orjson with keys sorted, UTF-8, no insignificant whitespace.
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
import re
from typing import Any

import orjson

from ledger.errors import CanonicalEncodingError

MAX_SAFE_INTEGER = 2**53 - 1
_MAX_DEPTH = 32
_KEY = re.compile(r"[\x20-\x7e]*\Z")


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


def encode_validated(value: Any) -> bytes:
    """Canonical bytes of a value assembled only from parts that already passed ``encode``
    (a validated envelope plus strings and integers the ledger made): the same codec, without
    walking the value again on the hot path."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _check(value: Any, path: str, depth: int) -> None:
    # exact type checks: subclasses (enums, custom ints) have no canonical form either
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalEncodingError(f"{path}: integer outside ±(2**53 - 1)")
        return
    if depth >= _MAX_DEPTH:
        raise CanonicalEncodingError(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not _KEY.match(key):
                raise CanonicalEncodingError(f"{path}: keys must be printable ASCII strings")
            _check(item, f"{path}.{key}", depth + 1)
        return
    if kind is list or kind is tuple:
        for position, item in enumerate(value):
            _check(item, f"{path}[{position}]", depth + 1)
        return
    if kind is float:
        raise CanonicalEncodingError(f"{path}: floats are not allowed (use integer units)")
    raise CanonicalEncodingError(f"{path}: {kind.__name__} has no canonical form")
