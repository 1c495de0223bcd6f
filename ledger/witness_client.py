"""The log side of c2sp.org/tlog-witness: ask witnesses to cosign a checkpoint.

For each witness (ours or anyone's: the protocol is the standard one) the client sends
``old <size>`` with the consistency proof from the size it believes the witness last cosigned.
A 409 answer tells the witness's real size (``text/x.tlog.size``): the client then sends the
proof from that size, once. A 200 answer's lines are kept only if they are this witness's key
and verify over the checkpoint. Witnesses are asked in parallel; one that is down or slow
costs only its own cosignature.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ledger.checkpoints import Checkpoint, attach_cosignature
from ledger.errors import LedgerError
from ledger.notes import parse_note
from ledger.tlog_witness import SIZE_TYPE, request_body

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WitnessEndpoint:
    name: str  # the policy's name for it
    key: object  # its CosignerKey
    url: str  # the submission prefix; the client POSTs to <url>/add-checkpoint


@dataclass(frozen=True)
class WitnessAnswer:
    endpoint: WitnessEndpoint
    line: str | None  # the verified cosignature line, or None
    tree_size: int | None  # the size the witness now holds, when it said
    problem: str | None = None


ProofFor = Callable[[int, int], list[bytes]]


class WitnessClient:
    """Keeps, per witness, the size it last cosigned (learned from its answers)."""

    def __init__(self, endpoints: list[WitnessEndpoint], timeout: float = 10.0):
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self.known_sizes: dict[str, int] = {}

    def cosign(self, note: str, proof_for: ProofFor) -> list[WitnessAnswer]:
        """Ask every witness to cosign ``note``; one answer per witness, in order."""
        if not self.endpoints:
            return []
        with ThreadPoolExecutor(max_workers=len(self.endpoints)) as pool:
            answers = list(pool.map(lambda e: self._ask(e, note, proof_for), self.endpoints))
        for answer in answers:
            if answer.tree_size is not None:
                self.known_sizes[answer.endpoint.url] = answer.tree_size
        return answers

    def _ask(self, endpoint: WitnessEndpoint, note: str, proof_for: ProofFor) -> WitnessAnswer:
        size = Checkpoint.parse(parse_note(note).text).tree_size
        old = min(self.known_sizes.get(endpoint.url, 0), size)
        try:
            for _ in range(2):  # the second try starts from the size a 409 told
                status, content_type, body = self._post(endpoint, old, proof_for(old, size), note)
                if status == 200:
                    return self._accepted(endpoint, note, body, size)
                if status != 409 or not content_type.startswith(SIZE_TYPE):
                    return WitnessAnswer(endpoint, None, None, f"HTTP {status}: {body[:200]!r}")
                held = int(body.decode().strip())
                if held > size:
                    return WitnessAnswer(endpoint, None, held, f"witness holds {held} > {size}")
                old = held
            return WitnessAnswer(endpoint, None, old, "witness moved again while asked")
        except (OSError, ValueError, LedgerError) as exc:
            return WitnessAnswer(endpoint, None, None, f"{type(exc).__name__}: {exc}")

    def _accepted(self, endpoint, note: str, body: bytes, size: int) -> WitnessAnswer:
        wanted = (endpoint.key.name, endpoint.key.key_id)
        for line in body.decode().splitlines(keepends=True):
            try:
                signature = parse_note(parse_note(note).text + "\n" + line).signatures[0]
                if (signature.name, signature.key_id) == wanted:
                    attach_cosignature(note, line, endpoint.key)  # raises if it does not verify
                    return WitnessAnswer(endpoint, line, size)
            except LedgerError:
                continue
        return WitnessAnswer(endpoint, None, size, "no valid cosignature by its key in the answer")

    def _post(self, endpoint, old: int, proof: list[bytes], note: str):
        request = urllib.request.Request(
            endpoint.url.rstrip("/") + "/add-checkpoint",
            data=request_body(old, proof, note),
            method="POST",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def endpoints_of(policy) -> list[WitnessEndpoint]:
    """The witnesses of a ``WitnessPolicy`` that have a URL to ask."""
    return [
        WitnessEndpoint(witness.name, witness.key, witness.url)
        for witness in policy.witnesses.values()
        if witness.url
    ]
