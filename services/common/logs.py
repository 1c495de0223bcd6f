"""Structured logs: one JSON object a line, carrying entry ids and request ids when present."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

_CONTEXT_FIELDS = ("entry_id", "request_id", "sequence", "stream", "code")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _CONTEXT_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()
