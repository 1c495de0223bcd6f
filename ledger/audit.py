"""``python -m ledger verify``: check a whole ledger independently, straight from its tables.

It trusts nothing the service computed: every leaf is re-encoded and re-hashed, every stored
Merkle node recomputed, every signature re-verified in batch with the key the signer held at
that sequence (membership is replayed from the entries themselves), every stream's versions
checked to run 0, 1, 2 …, the block chain and every checkpoint checked against the recomputed
roots and the ledger's pinned key. It reports counts and timing, and names the first bad entry.

It reads the tables with plain SQL over psycopg2 (imported when an audit runs), so the SDK an
auditor installs needs no ORM and none of the platform's services.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from ledger import canonical
from ledger.batch import batch_reasons
from ledger.blocks import BlockHeader, SealedBlock, chain_problem
from ledger.checkpoints import verify_checkpoint
from ledger.commands import SignedCommand, b64decode
from ledger.errors import LedgerError
from ledger.membership import (
    MEMBERSHIP_TYPES,
    MembershipError,
    apply_membership,
    decide_membership,
    signing_problem,
)
from ledger.merkle import InMemoryMerkleStore, leaf_hash, store_root
from ledger.notes import NoteKey

PAGE = 5000


@dataclass
class AuditReport:
    entries: int = 0
    signatures_verified: int = 0
    nodes_checked: int = 0
    blocks: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    first_bad_sequence: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad(self, message: str, sequence: int | None = None) -> None:
        self.problems.append(message)
        if sequence is not None and (
            self.first_bad_sequence is None or sequence < self.first_bad_sequence
        ):
            self.first_bad_sequence = sequence


class _Replay:
    """Membership and stream versions as they stood at each sequence."""

    def __init__(self):
        self.parties, self.keys, self.versions = {}, {}, {}


def audit(database_url: str, ledger_vkey: str, progress: Callable[[str], None] = print):
    started = time.perf_counter()
    report = AuditReport()
    log_key = NoteKey.from_vkey(ledger_vkey)
    store = InMemoryMerkleStore()
    with _connect(database_url) as connection:
        _check_entries(connection, report, store, progress)
        _check_nodes(connection, report, store)
        _check_blocks(connection, report, store, log_key)
        _check_checkpoints(connection, report, store, log_key)
    report.seconds = time.perf_counter() - started
    return report


class _Reader:
    """Read-only queries over one psycopg2 connection, rows as named tuples."""

    def __init__(self, connection):
        self._connection = connection

    def execute(self, sql: str, parameters: tuple = ()) -> list:
        from psycopg2.extras import NamedTupleCursor

        with self._connection.cursor(cursor_factory=NamedTupleCursor) as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()


@contextmanager
def _connect(database_url: str):
    """``postgresql://…`` or SQLAlchemy's ``postgresql+psycopg2://…``, read-only."""
    import psycopg2

    connection = psycopg2.connect(database_url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        connection.set_session(readonly=True)
        yield _Reader(connection)
    finally:
        connection.close()


def _check_entries(connection, report, store, progress) -> None:
    replay, after = _Replay(), -1
    while True:
        rows = connection.execute(
            "SELECT * FROM ledger.entries WHERE sequence > %s ORDER BY sequence LIMIT %s",
            (after, PAGE),
        )
        if not rows:
            return
        pending = []
        for row in rows:
            if row.sequence != report.entries:
                report.bad(
                    f"sequence gap: expected {report.entries}, found {row.sequence}", report.entries
                )
                return
            item = _check_entry(row, report, replay)
            store.append(leaf_hash(row.leaf.encode()))
            report.entries += 1
            if item is not None:
                pending.append((row.sequence, item))
        _verify_signatures(pending, report)
        after = rows[-1].sequence
        progress(f"  {report.entries:,} entries checked")


def _check_entry(row, report, replay):
    """Check one entry's encoding, columns, key and version; return its signature item."""
    label = f"entry {row.sequence} ({row.entry_id})"
    try:
        record = canonical.decode(row.leaf.encode())
        command = SignedCommand.from_parts(record["envelope"], b64decode(record["signature"]))
    except (LedgerError, KeyError, TypeError) as exc:
        report.bad(f"{label}: leaf is not a well-formed signed command ({exc})", row.sequence)
        return None
    envelope = command.envelope
    expected_columns = {
        "entry_id": command.entry_id,
        "stream": envelope["stream"],
        "type": envelope["type"],
        "signer": envelope["signer"],
        "key_id": envelope["key_id"],
        "nonce": envelope["nonce"],
        "stream_version": envelope["expected_version"],
    }
    for column, value in expected_columns.items():
        if getattr(row, column) != value:
            report.bad(f"{label}: column {column} does not match the signed entry", row.sequence)
    if record.get("sequence") != row.sequence:
        report.bad(f"{label}: leaf names sequence {record.get('sequence')}", row.sequence)
    if replay.versions.get(command.stream, 0) != command.expected_version:
        report.bad(f"{label}: stream {command.stream} version out of order", row.sequence)
    replay.versions[command.stream] = command.expected_version + 1
    return _membership_and_key(command, row.sequence, report, replay, label)


def _membership_and_key(command, sequence, report, replay, label):
    """Check the signer's key and replay a membership entry; return the item to verify."""
    bootstrap = sequence == 0 and command.type == "party.admit"
    problem = None if bootstrap else signing_problem(command, sequence, replay.keys)
    if problem:
        report.bad(f"{label}: signer's key refused ({problem})", sequence)
    key = None if bootstrap else replay.keys.get(command.key_id)
    if command.type in MEMBERSHIP_TYPES:
        try:
            change = decide_membership(command, sequence, replay.parties, replay.keys)
            apply_membership(change, sequence, replay.parties, replay.keys)
        except MembershipError as exc:
            report.bad(f"{label}: membership entry breaks the rules ({exc})", sequence)
    if bootstrap:
        key = replay.keys.get(command.key_id)
    if key is None:
        return None
    return key.verification_item(command.message, command.signature)


def _verify_signatures(pending, report) -> None:
    reasons = batch_reasons([item for _, item in pending])
    report.signatures_verified += len(pending)
    for (sequence, _), reason in zip(pending, reasons, strict=True):
        if reason is not None:
            report.bad(f"entry {sequence}: signature does not verify ({reason})", sequence)


def _check_nodes(connection, report, store) -> None:
    rows = connection.execute(
        'SELECT level, "index", hash FROM ledger.merkle_nodes ORDER BY level, "index"'
    )
    for level, index, stored in rows:
        report.nodes_checked += 1
        try:
            expected = store.get_node(level, index)
        except (IndexError, ValueError, LookupError):
            report.bad(f"merkle node ({level}, {index}) covers leaves that do not exist")
            continue
        if bytes(stored) != expected:
            first = index << level
            report.bad(
                f"merkle node ({level}, {index}) does not match entries "
                f"{first}..{first + (1 << level) - 1}",
                first if level == 0 else None,
            )


def _check_blocks(connection, report, store, log_key) -> None:
    sealed = [
        SealedBlock(BlockHeader.from_dict(canonical.decode(bytes(header))), bytes(signature))
        for header, signature in connection.execute(
            "SELECT header, signature FROM ledger.blocks ORDER BY height"
        )
    ]
    report.blocks = len(sealed)
    problem = chain_problem(sealed, log_key.public_key_der)
    if problem:
        report.bad(problem)
    for block in sealed:
        header = block.header
        if header.tree_size > store.size() or header.root_hash != store_root(
            store, header.tree_size
        ):
            report.bad(f"block {header.height}: root does not match the entries")


def _check_checkpoints(connection, report, store, log_key) -> None:
    witness_lines = {}
    for size, line in connection.execute("SELECT tree_size, line FROM ledger.cosignatures"):
        witness_lines.setdefault(size, []).append(line)
    for size, note in connection.execute("SELECT tree_size, note FROM ledger.checkpoints"):
        report.checkpoints += 1
        try:
            checkpoint = verify_checkpoint(note, log_key).checkpoint
        except LedgerError as exc:
            report.bad(f"checkpoint {size}: {exc}")
            continue
        if checkpoint.tree_size != size or size > store.size():
            report.bad(f"checkpoint {size}: names a tree the entries do not have")
        elif checkpoint.root_hash != store_root(store, size):
            report.bad(f"checkpoint {size}: root does not match the entries")
        report.cosignatures += len(witness_lines.get(size, []))
