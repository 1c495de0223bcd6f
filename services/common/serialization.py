"""orjson on the wire: registered with kombu through nameko's SERIALIZERS config.

Services accept both ``orjson`` and plain ``json``; nameko answers in the caller's content type,
so a bank's client that speaks JSON gets JSON back.
"""

from __future__ import annotations

import orjson

CONTENT_TYPE = "application/x-orjson"


def _default(value):
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise TypeError(f"{type(value).__name__} is not serialisable")


def dumps(value) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def loads(data):
    return orjson.loads(data)


NAMEKO_SERIALIZER_CONFIG = {
    "serializer": "orjson",
    "ACCEPT": ["orjson", "json"],
    "SERIALIZERS": {
        "orjson": {
            "encoder": "services.common.serialization.dumps",
            "decoder": "services.common.serialization.loads",
            "content_type": CONTENT_TYPE,
            "content_encoding": "binary",
        }
    },
}
