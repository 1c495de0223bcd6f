"""A subscriber on the real broker, as a bank or another service would run it."""

from __future__ import annotations

from nameko.events import event_handler


def listener(name: str, events, heard: list):
    """A nameko service class named ``name`` that appends ``(event, payload)`` to ``heard`` for
    each of ``events``, given as ``(service, event)`` pairs."""

    def handler(service: str, event: str):
        @event_handler(service, event)
        def record(self, payload):
            heard.append((event, payload))

        return record

    handlers = {f"on_{service}_{event}": handler(service, event) for service, event in events}
    return type("Listener", (), {"name": name, **handlers})
