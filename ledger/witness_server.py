"""A c2sp.org/tlog-witness HTTP witness: ``POST <prefix>/add-checkpoint``.

``python -m ledger witness-serve --name W --key W.pem --state W.json --log VKEY ...`` runs one.
It knows each log by its origin and vkeys (Ed25519 0x01 or P-256 0x02), remembers the latest
checkpoint it cosigned per origin, and answers with a ``cosignature/v1`` line (0x04).

The state file is the witness's promise never to cosign a rollback or a fork. Check and update
happen under one lock (a thread lock and an ``flock`` on ``<state>.lock``, so two processes
sharing a state file are safe too), and the new state is on disk — written to a temporary
file, fsynced, renamed over the old one, the directory fsynced — before the answer is sent:
the race the spec describes (a smaller size recorded after a larger one) cannot happen.
Standard library only, so a bank can run it with nothing but this package.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.ed25519 import CosignerKey, cosign_v1
from ledger.tlog_witness import MAX_BODY_BYTES, Accepted, Answer, LogState, decide

log = logging.getLogger(__name__)


class WitnessStateFile:
    """The latest cosigned (size, root) per origin, in one JSON file replaced atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._thread_lock = threading.Lock()

    def load(self) -> dict[str, LogState]:
        if not self.path.exists():
            return {}
        logs = json.loads(self.path.read_text())["logs"]
        return {
            origin: LogState(entry["tree_size"], base64.b64decode(entry["root_hash"]))
            for origin, entry in logs.items()
        }

    def save(self, states: dict[str, LogState]) -> None:
        logs = {
            origin: {"tree_size": s.tree_size, "root_hash": base64.b64encode(s.root_hash).decode()}
            for origin, s in sorted(states.items())
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w") as file:
            json.dump({"logs": logs}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def transaction(self):
        return _Locked(self)


class _Locked:
    def __init__(self, store: WitnessStateFile):
        self.store = store

    def __enter__(self) -> WitnessStateFile:
        self.store._thread_lock.acquire()
        self.store.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.store.path.with_name(self.store.path.name + ".lock"), "w")
        fcntl.flock(self._file, fcntl.LOCK_EX)
        return self.store

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self.store._thread_lock.release()


class Witness:
    """The add-checkpoint handler: decide, persist, cosign."""

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        trusted: dict[str, list],
        state: WitnessStateFile,
        clock: Callable[[], float] = time.time,
    ):
        self.key = CosignerKey.of(name, private_key)
        self._private_key = private_key
        self.trusted = trusted
        self.state = state
        self.clock = clock

    def add_checkpoint(self, body: bytes) -> Answer:
        with self.state.transaction() as store:
            latest = store.load()
            decision = decide(body, self.trusted, latest)
            if isinstance(decision, Answer):
                return decision
            store.save({**latest, decision.origin: decision.state})
        return self._cosign(decision)

    def _cosign(self, accepted: Accepted) -> Answer:
        line = cosign_v1(accepted.text, self.key.name, self._private_key, int(self.clock()))
        return Answer(200, "text/plain; charset=utf-8", line.line().encode())


def serve(witness: Witness, host: str, port: int, prefix: str = "") -> ThreadingHTTPServer:
    """An HTTP/1.1 (keep-alive) server for ``witness``; the caller runs ``serve_forever``."""
    path = prefix.rstrip("/") + "/add-checkpoint"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path != path:
                return self._send(Answer(404, "text/plain; charset=utf-8", b"not found\n"))
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True  # the body's end is unknown: no keep-alive
                return self._send(Answer(411, "text/plain; charset=utf-8", b"length needed\n"))
            if not 0 <= length <= MAX_BODY_BYTES:
                self.close_connection = True
                return self._send(Answer(413, "text/plain; charset=utf-8", b"too large\n"))
            self._send(witness.add_checkpoint(self.rfile.read(length)))

        def _send(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
