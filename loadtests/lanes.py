"""Chains of pre-signed commands, handed out to users one lane each.

A lane's commands must go in order (each is signed for the stream version the previous one
leaves). When a command fails for good, the rest of its stream's chain cannot apply: the lane
skips to the next stream. A command whose outcome is unknown (a timeout) is re-sent as it is —
the platform answers an identical signed command with its original receipt.
"""

from __future__ import annotations

import itertools
from collections import deque

from locust.exception import StopUser

UNKNOWN_OUTCOME = {"RPC_TIMEOUT", "LEDGER_UNAVAILABLE", "INTERNAL_ERROR"}
_handed_out: dict[str, itertools.count] = {}


def take_lane(workload: dict, suite: str) -> dict:
    """The next unused lane of ``suite``; a user beyond the pre-signed lanes stops."""
    lanes = workload.get(suite) or []
    index = next(_handed_out.setdefault(suite, itertools.count()))
    if index >= len(lanes):
        raise StopUser()
    return lanes[index]


class Chain:
    def __init__(self, commands: list[dict]):
        self.commands = deque(commands)
        self.broken = 0

    def __len__(self) -> int:
        return len(self.commands)

    def next(self) -> dict:
        if not self.commands:
            raise StopUser()  # the lane's pre-signed work is done
        return self.commands[0]

    def done(self) -> None:
        self.commands.popleft()

    def abandon_stream(self) -> None:
        stream = self.commands.popleft()["envelope"]["stream"]
        while self.commands and self.commands[0]["envelope"]["stream"] == stream:
            self.commands.popleft()
        self.broken += 1


def run_step(user, chain: Chain, service: str = "bills"):
    """Submit the chain's next command (once more if its outcome is unknown)."""
    command = chain.next()
    reply = user.submit(service, command)
    if not reply.ok and reply.code in UNKNOWN_OUTCOME | {None}:
        reply = user.submit(service, command)
    if reply.ok:
        chain.done()
    else:
        chain.abandon_stream()
    return reply
