"""A signature-verification worker process (``python -m ledger.verify_worker FD``).

It reads pickled chunks of ``(public_key_der, message, signature[, id])`` from the socket inherited
as file descriptor FD and answers each chunk with one reason byte per item (0 = valid, see
``REASONS``). It exits when the socket closes. It runs at idle scheduling priority so the
service process that feeds it — an eventlet hub answering RPCs — keeps the CPU it needs, and so
do the broker and the database it talks to.

Pickle is safe here: only the parent that spawned this process can write to the socket, and it
pickles nothing but tuples of bytes.
"""

from __future__ import annotations

import os
import pickle
import socket
import struct
import sys

from ledger.signatures import (
    KEY_INVALID,
    SIGNATURE_HIGH_S,
    SIGNATURE_LENGTH,
    SIGNATURE_MISMATCH,
    SIGNATURE_OUT_OF_RANGE,
    SIGNATURE_ZERO,
    signature_reason,
)

REASONS = (
    None,
    SIGNATURE_LENGTH,
    SIGNATURE_ZERO,
    SIGNATURE_OUT_OF_RANGE,
    SIGNATURE_HIGH_S,
    SIGNATURE_MISMATCH,
    KEY_INVALID,
)
REASON_CODES = {reason: code for code, reason in enumerate(REASONS)}
HEADER = struct.Struct(">Q")


def reason_codes(items) -> bytes:
    """One reason byte per item, verified in this process."""
    codes = bytearray(len(items))
    for position, item in enumerate(items):
        try:
            codes[position] = REASON_CODES[signature_reason(*item)]
        except Exception:  # a malformed item is an invalid signature, not a dead worker
            codes[position] = REASON_CODES[SIGNATURE_MISMATCH]
    return bytes(codes)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the socket")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def serve(sock: socket.socket) -> None:
    while True:
        try:
            (size,) = HEADER.unpack(recv_exactly(sock, HEADER.size))
            answer = reason_codes(pickle.loads(recv_exactly(sock, size)))
            sock.sendall(HEADER.pack(len(answer)) + answer)
        except (EOFError, ConnectionError):  # the parent went away: nothing left to do
            return


def _yield_cpu_to_everything_else() -> None:
    """Verification is batch work: run only when the service, broker and database do not want
    the CPU (SCHED_IDLE on Linux; a plain lower priority elsewhere)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(10)


def main() -> None:
    _yield_cpu_to_everything_else()
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.setblocking(True)  # an eventlet parent hands over a non-blocking socket
    serve(sock)


if __name__ == "__main__":
    main()
