"""Batch signature verification: the ledger's hot path.

``verify_batch(items)`` gives exactly the verdicts ``verify`` would, one per item, using the
native backends (OpenSSL for P-256, gmalglib for SM2) in a pool of worker processes (one per
core). An item is ``(public_key_der, message, signature)``, or for an SM2 key registered with a
distinguishing ID other than the default, ``(public_key_der, message, signature, id)``; one
batch may mix both suites. The calling process only pickles the chunks and
waits on sockets. Under eventlet (a nameko worker) those sockets are green, so the hub keeps
serving other greenthreads while the cores verify; outside eventlet the same code simply blocks.

``EntryVerifier`` builds on it for ledger entries: a reason per entry, and a bounded cache of
entries already found valid so nothing is verified twice.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from ledger import verify_worker
from ledger.signatures import SIGNATURE_LENGTH

log = logging.getLogger(__name__)

# Below this many items per worker, shipping a chunk costs more than it saves.
MIN_CHUNK = 32
# Items per message to a worker: small enough that pickling one never stalls the caller.
MAX_CHUNK = 512
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_WORKER_MAIN = "from ledger.verify_worker import main; main()"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Worker:
    """One verification process and the parent's end of its socket."""

    def __init__(self) -> None:
        parent_end, child_end = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_MAIN, str(child_end.fileno())],
            pass_fds=[child_end.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        child_end.close()
        self.sock = parent_end

    def send(self, items: list) -> bool:
        payload = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(verify_worker.HEADER.pack(len(payload)) + payload)
        return True

    def receive(self) -> bytes:
        header = verify_worker.recv_exactly(self.sock, verify_worker.HEADER.size)
        (size,) = verify_worker.HEADER.unpack(header)
        return verify_worker.recv_exactly(self.sock, size)

    def close(self) -> None:
        self.sock.close()  # the worker exits when its socket closes
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=2)


class VerifierPool:
    """Worker processes verifying signatures natively, started on first use.

    Safe to share between threads or greenthreads: each call checks out the idle workers it
    uses. A worker that dies is replaced, and its chunk is verified in-process instead, so a
    caller always gets a complete answer.
    """

    def __init__(self, processes: int | None = None, cooperate=lambda: None) -> None:
        """``cooperate`` is called between chunks sent to the workers; an eventlet service
        passes ``eventlet.sleep(0)`` so its other greenthreads run while it hands out work."""
        self.processes = processes or _usable_cores()
        self.cooperate = cooperate
        self._idle: queue.Queue[_Worker] | None = None
        self._start_lock = threading.Lock()
        self._all: list[_Worker] = []

    def reason_codes(self, items: Sequence) -> bytes:
        """One reason byte per item (see ``verify_worker.REASONS``)."""
        items = list(items)
        if len(items) < 2 * MIN_CHUNK or self.processes < 2:
            return verify_worker.reason_codes(items)
        workers = self._checkout(max(1, min(self.processes, len(items) // MIN_CHUNK)))
        try:
            return self._verify_across(workers, items)
        finally:
            for worker in workers:
                self._idle.put(worker)

    def close(self) -> None:
        for worker in self._all:
            worker.close()
        self._all.clear()
        self._idle = None

    def _checkout(self, wanted: int) -> list[_Worker]:
        self._start()
        workers = [self._idle.get()]  # wait for one, then take what else is idle
        while len(workers) < wanted:
            try:
                workers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        return workers

    def _start(self) -> None:
        with self._start_lock:
            if self._idle is None:
                self._idle = queue.Queue()
                for _ in range(self.processes):
                    self._add_worker()

    def _add_worker(self) -> _Worker:
        worker = _Worker()
        self._all.append(worker)
        self._idle.put(worker)
        return worker

    def _verify_across(self, workers: list[_Worker], items: list) -> bytes:
        """Deal chunks round-robin to the workers, then collect the answers in order.

        A worker answers each chunk as soon as it is verified, so sending and verifying overlap;
        answers are tiny, so a worker never blocks on its reply while the parent still sends.
        """
        per_worker = -(-len(items) // len(workers))
        size = max(MIN_CHUNK, min(MAX_CHUNK, per_worker))
        chunks = [items[start : start + size] for start in range(0, len(items), size)]
        assigned = [(workers[n % len(workers)], chunk) for n, chunk in enumerate(chunks)]
        failed: set[_Worker] = set()
        for worker, chunk in assigned:
            if worker not in failed and self._try(worker.send, chunk) is None:
                failed.add(worker)
            self.cooperate()
        answers = []
        for worker, chunk in assigned:
            answer = None if worker in failed else self._try(worker.receive)
            if answer is None or len(answer) != len(chunk):
                failed.add(worker)
                answer = verify_worker.reason_codes(chunk)
            answers.append(answer)
        for worker in failed:
            log.warning("verification worker %s failed; replacing it", worker.process.pid)
            workers[workers.index(worker)] = self._replace(worker)
        return b"".join(answers)

    @staticmethod
    def _try(call, *args):
        try:
            return call(*args) if args else call()
        except (OSError, EOFError):
            return None

    def _replace(self, dead: _Worker) -> _Worker:
        dead.close()
        self._all.remove(dead)
        worker = _Worker()
        self._all.append(worker)
        return worker


_default_pool = VerifierPool()
atexit.register(_default_pool.close)


def default_pool() -> VerifierPool:
    return _default_pool


def _well_formed(item) -> bool:
    return (
        isinstance(item, tuple | list)
        and len(item) in (3, 4)
        and all(isinstance(part, bytes) for part in item)
    )


def verify_batch(items: Sequence, pool: VerifierPool | None = None) -> list[bool]:
    """One verdict per ``(public_key_der, message, signature[, distinguishing_id])``: exactly
    what ``verify`` says, whichever suite each key is.

    >>> from ledger import generate_private_key, public_key_der, sign
    >>> key = generate_private_key()
    >>> verify_batch([(public_key_der(key), b"m", sign(key, b"m")), (b"", b"m", b"")])
    [True, False]
    """
    return [reason is None for reason in batch_reasons(items, pool)]


def batch_reasons(items: Sequence, pool: VerifierPool | None = None) -> list[str | None]:
    """One reason per item (``None`` when valid), verified across processes."""
    pool = pool or _default_pool
    items = list(items)
    well_formed = []
    for position, item in enumerate(items):
        if _well_formed(item):
            well_formed.append(position)
        if position % MAX_CHUNK == MAX_CHUNK - 1:
            pool.cooperate()
    codes = pool.reason_codes([tuple(items[p]) for p in well_formed])
    reasons: list[str | None] = [SIGNATURE_LENGTH] * len(items)
    for position, code in zip(well_formed, codes, strict=True):
        reasons[position] = verify_worker.REASONS[code]
    return reasons


class EntryVerifier:
    """Verifies ledger entries in batches, remembering those already found valid.

    ``verify(items)`` takes ``(public_key_der, message, signature[, distinguishing_id])`` items
    and returns a reason per item (``None`` = valid). An item found valid is remembered by the
    hash of its message with its signature, key and ID, so it is never verified twice; any change
    to one of them is verified afresh. Invalid verdicts are not remembered (they are cheap to
    repeat and must not crowd out valid ones).
    """

    def __init__(self, pool: VerifierPool | None = None, cache_size: int = 200_000) -> None:
        self.pool = pool
        self.cache_size = cache_size
        self._valid: OrderedDict[tuple, None] = OrderedDict()
        self._lock = threading.Lock()
        self.verified = 0  # signatures actually checked, for metrics and tests

    def verify(self, items: Sequence[tuple[bytes, ...]]) -> list[str | None]:
        cooperate = (self.pool or _default_pool).cooperate
        keys = []
        for position, item in enumerate(items):
            keys.append(_cache_key(item))
            if position % MAX_CHUNK == MAX_CHUNK - 1:
                cooperate()
        reasons: list[str | None] = [None] * len(items)
        todo = [position for position, key in enumerate(keys) if key not in self._valid]
        fresh = batch_reasons([items[position] for position in todo], self.pool)
        with self._lock:
            self.verified += len(todo)
            for position, reason in zip(todo, fresh, strict=True):
                reasons[position] = reason
                if reason is None:
                    self._remember(keys[position])
        return reasons

    def _remember(self, key: tuple) -> None:
        self._valid[key] = None
        if len(self._valid) > self.cache_size:
            self._valid.popitem(last=False)


def _cache_key(item) -> tuple | None:
    if not _well_formed(item):
        return None
    public_key_der, message, signature, *distinguishing_id = item
    return (hashlib.sha256(message).digest(), signature, public_key_der, *distinguishing_id)


__all__ = [
    "EntryVerifier",
    "VerifierPool",
    "batch_reasons",
    "default_pool",
    "verify_batch",
]
