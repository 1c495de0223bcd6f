"""The invoices service's streams: ``invoice:<number>``, ``trade:<id>``, ``consent:<sme>``,
``financing:<id>``."""

from __future__ import annotations

from services.common.errors import ValidationFailed
from services.invoices.domain import AGGREGATES, TypedCommand

PREFIXES = tuple(f"{kind}:" for kind in AGGREGATES)
CROSS_STREAM_KINDS = frozenset({"financing"})  # their decisions read other streams


def kind_of(stream: object) -> str | None:
    """``"invoice"`` for ``invoice:<number>`` …; ``None`` for streams of other services."""
    kind, _, key = stream.partition(":") if isinstance(stream, str) else ("", "", "")
    return kind if kind in AGGREGATES and key else None


def reads_other_streams(stream: str) -> bool:
    return kind_of(stream) in CROSS_STREAM_KINDS


def require_stream(command: TypedCommand, stream: str) -> None:
    if command.stream != stream:
        raise ValidationFailed(
            f"{command.TYPE} belongs on {command.stream}",
            {"stream": stream, "expected_stream": command.stream},
            code="COMMAND_WRONG_STREAM",
        )
