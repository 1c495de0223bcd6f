"""A k-of-n witness policy: when a checkpoint counts as witnessed.

The file follows Sigsum's policy format (the one Tessera and transparency-dev's formats adopted
for verifiers), with C2SP vkeys for keys, so a key's type and name travel with it::

    # comments and blank lines are ignored
    log <vkey> [<url>]                       # the log's keys (Ed25519 0x01 or P-256 0x02)
    witness <name> <vkey> [<url>]            # a cosigner (0x04, or a platform P-256 witness)
    group <name> <k | all | any> <member>... # members: witnesses or earlier groups
    quorum <name | none>

``name`` is local to the file (it names members of groups); the vkey's own name is what the
cosignature line carries. A checkpoint is witnessed when a log key signed it and the quorum
group is satisfied by the witnesses whose cosignatures verify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledger.checkpoints import VerifiedCheckpoint, verify_checkpoint
from ledger.errors import InvalidCheckpoint, LedgerError
from ledger.notes import parse_note, verify_note
from ledger.vkeys import parse_vkey


class InvalidPolicy(LedgerError):
    """Raised when a policy file does not parse or refers to a name it does not define."""

    code = "INVALID_POLICY"


class NotWitnessed(InvalidCheckpoint):
    """Raised when a checkpoint is validly signed but its cosignatures miss the quorum."""

    code = "NOT_WITNESSED"


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    key: object  # CosignerKey or NoteKey
    url: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class WitnessPolicy:
    log_keys: tuple = ()
    log_urls: tuple[str, ...] = ()
    witnesses: dict[str, PolicyWitness] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = "none"

    @classmethod
    def parse(cls, text: str) -> WitnessPolicy:
        builder = _Builder()
        for number, raw in enumerate(text.splitlines(), 1):
            words = raw.split("#", 1)[0].split()
            if words:
                try:
                    builder.add(words)
                except (LedgerError, ValueError, IndexError) as exc:
                    raise InvalidPolicy(f"line {number}: {exc}") from None
        return builder.build()

    @classmethod
    def read(cls, path: str | Path) -> WitnessPolicy:
        return cls.parse(Path(path).read_text())

    def satisfied_by(self, cosigners: set[str]) -> bool:
        """Whether the witnesses named (policy names) satisfy the quorum."""
        if self.quorum == "none":
            return True
        return self._satisfied(self.quorum, cosigners)

    def _satisfied(self, name: str, cosigners: set[str]) -> bool:
        if name in self.witnesses:
            return name in cosigners
        group = self.groups[name]
        met = sum(self._satisfied(member, cosigners) for member in group.members)
        return met >= group.threshold

    def cosigners_of(self, note: str) -> set[str]:
        """Policy names of the witnesses whose cosignature on ``note`` verifies."""
        parsed = parse_note(note)
        cosigners = set()
        for name, witness in self.witnesses.items():
            try:
                verify_note(parsed, [witness.key])
            except InvalidCheckpoint:
                continue
            cosigners.add(name)
        return cosigners

    def verify(self, note: str) -> VerifiedCheckpoint:
        """Check ``note`` against the policy; raise ``InvalidCheckpoint`` (``NotWitnessed``
        when only the quorum is missing)."""
        problems = []
        keys = [witness.key for witness in self.witnesses.values()]
        for log_key in self.log_keys:
            try:
                verified = verify_checkpoint(note, log_key, keys)
            except InvalidCheckpoint as exc:
                problems.append(str(exc))
                continue
            if not self.satisfied_by(self.cosigners_of(note)):
                raise NotWitnessed(f"the cosignatures do not meet the quorum {self.quorum!r}")
            return verified
        raise InvalidCheckpoint("; ".join(problems) or "the policy names no log key")


class _Builder:
    def __init__(self):
        self.log_keys, self.log_urls = [], []
        self.witnesses: dict[str, PolicyWitness] = {}
        self.groups: dict[str, Group] = {}
        self.quorum: str | None = None

    def add(self, words: list[str]) -> None:
        keyword, arguments = words[0], words[1:]
        if keyword == "log" and len(arguments) in (1, 2):
            self.log_keys.append(parse_vkey(arguments[0]))
            self.log_urls.append(arguments[1] if len(arguments) == 2 else "")
        elif keyword == "witness" and len(arguments) in (2, 3):
            name = self._new_name(arguments[0])
            url = arguments[2] if len(arguments) == 3 else None
            self.witnesses[name] = PolicyWitness(name, parse_vkey(arguments[1]), url)
        elif keyword == "group" and len(arguments) >= 3:
            self._group(self._new_name(arguments[0]), arguments[1], tuple(arguments[2:]))
        elif keyword == "quorum" and len(arguments) == 1 and self.quorum is None:
            if arguments[0] != "none" and arguments[0] not in self.groups | self.witnesses:
                raise InvalidPolicy(f"quorum names undefined {arguments[0]!r}")
            self.quorum = arguments[0]
        else:
            raise InvalidPolicy(f"not a policy line: {' '.join(words)!r}")

    def _new_name(self, name: str) -> str:
        if name == "none" or name in self.witnesses or name in self.groups:
            raise InvalidPolicy(f"name {name!r} is reserved or already defined")
        return name

    def _group(self, name: str, threshold: str, members: tuple[str, ...]) -> None:
        for member in members:
            if member not in self.witnesses and member not in self.groups:
                raise InvalidPolicy(f"group {name!r} names undefined member {member!r}")
        if len(set(members)) != len(members):
            raise InvalidPolicy(f"group {name!r} names a member twice")
        count = {"all": len(members), "any": 1}.get(threshold)
        if count is None:
            count = int(threshold)
            if not 1 <= count <= len(members):
                raise InvalidPolicy(f"group {name!r} threshold is not between 1 and its size")
        self.groups[name] = Group(name, count, members)

    def build(self) -> WitnessPolicy:
        if not self.log_keys:
            raise InvalidPolicy("a policy names at least one log key")
        if self.quorum is None:
            raise InvalidPolicy("a policy has one quorum line")
        return WitnessPolicy(
            tuple(self.log_keys),
            tuple(self.log_urls),
            dict(self.witnesses),
            dict(self.groups),
            self.quorum,
        )
