"""Sealed block chains and offline-verifiable receipts, over a small in-memory ledger."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from ledger import (
    SM2_SM3,
    Checkpoint,
    InMemoryMerkleStore,
    InvalidReceipt,
    NoteKey,
    SealedBlock,
    SignedCommand,
    chain_problem,
    cosign,
    format_time,
    generate_private_key,
    leaf_bytes,
    leaf_hash,
    leaf_record,
    make_receipt,
    next_header,
    public_key_der,
    seal_block,
    sign_checkpoint,
    sign_command,
    store_inclusion_proof,
    store_root,
    verify_receipt,
)
from ledger.blocks import GENESIS_PREVIOUS_HASH
from ledger.bundle import bundle_key, verify_bundle
from ledger.signatures import CURVE_ORDER

# ---------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------


def build_chain(ledger_key, sizes: list[int]) -> list[SealedBlock]:
    """Sealed blocks, one per tree size, each chained to the one before."""
    start = datetime.now(UTC)
    store = InMemoryMerkleStore()
    blocks: list[SealedBlock] = []
    for height, size in enumerate(sizes):
        while store.size() < size:
            store.append(leaf_hash(secrets.token_bytes(16)))
        previous = blocks[-1] if blocks else None
        sealed_at = format_time(start + timedelta(seconds=height))
        header = next_header(previous, size, store_root(store, size), sealed_at)
        blocks.append(seal_block(header, ledger_key))
    return blocks


def growing_sizes(count: int = 5) -> list[int]:
    sizes, size = [], 0
    for _ in range(count):
        size += secrets.randbelow(4) + 1
        sizes.append(size)
    return sizes


@pytest.fixture
def ledger_key():
    return generate_private_key()


@pytest.fixture
def chain(ledger_key) -> list[SealedBlock]:
    return build_chain(ledger_key, growing_sizes())


def test_a_chain_of_five_sealed_blocks_has_no_problem(ledger_key, chain):
    assert [block.header.height for block in chain] == [0, 1, 2, 3, 4]
    assert chain[0].header.previous_hash == GENESIS_PREVIOUS_HASH == bytes(32)
    for previous, block in zip(chain, chain[1:], strict=False):
        assert block.header.previous_hash == previous.header.hash()
        assert block.header.tree_size > previous.header.tree_size
    assert chain_problem(chain, public_key_der(ledger_key)) is None


def test_every_prefix_of_a_chain_has_no_problem(ledger_key, chain):
    for length in range(len(chain) + 1):
        assert chain_problem(chain[:length], public_key_der(ledger_key)) is None


def test_a_block_that_seals_no_new_entries_keeps_the_chain_valid(ledger_key):
    chain = build_chain(ledger_key, [2, 3, 3, 7, 7])
    assert chain_problem(chain, public_key_der(ledger_key)) is None


def test_a_sealed_block_round_trips_through_its_dict_form(chain):
    for block in chain:
        assert SealedBlock.from_dict(block.to_dict()) == block


def _reseal(chain, height, ledger_key, **changes):
    chain[height] = seal_block(replace(chain[height].header, **changes), ledger_key)


def _drop_block(chain, key, other_key):
    del chain[2]
    return 3, "height"


def _wrong_previous_hash(chain, key, other_key):
    _reseal(chain, 3, key, previous_hash=secrets.token_bytes(32))
    return 3, "previous hash"


def _genesis_with_a_previous_hash(chain, key, other_key):
    _reseal(chain, 0, key, previous_hash=secrets.token_bytes(32))
    return 0, "previous hash"


def _not_starting_at_zero(chain, key, other_key):
    del chain[0]
    return 1, "height"


def _blocks_out_of_order(chain, key, other_key):
    chain[1], chain[2] = chain[2], chain[1]
    return 2, "height"


def _shrinking_tree_size(chain, key, other_key):
    sizes = [block.header.tree_size for block in chain]
    sizes[3] = sizes[2] - 1  # the ledger signs it, correctly chained, but the tree shrank
    chain[:] = build_chain(key, sizes)
    return 3, "tree size"


def _signed_by_another_key(chain, key, other_key):
    chain[2] = seal_block(chain[2].header, other_key)  # the header hash, so the chain, is intact
    return 2, "signature"


def _signature_bytes_flipped(chain, key, other_key):
    signature = bytearray(chain[4].signature)
    signature[10] ^= 0x40
    chain[4] = SealedBlock(chain[4].header, bytes(signature))
    return 4, "signature"


def _high_s_signature(chain, key, other_key):
    r, s = chain[1].signature[:32], int.from_bytes(chain[1].signature[32:], "big")
    chain[1] = SealedBlock(chain[1].header, r + (CURVE_ORDER - s).to_bytes(32, "big"))
    return 1, "signature"


def _root_edited_after_signing(chain, key, other_key):
    chain[3] = SealedBlock(
        replace(chain[3].header, root_hash=secrets.token_bytes(32)), chain[3].signature
    )
    return 3, "signature"


def _size_edited_after_signing(chain, key, other_key):
    chain[4] = SealedBlock(
        replace(chain[4].header, tree_size=chain[4].header.tree_size + 1), chain[4].signature
    )
    return 4, "signature"


def _time_edited_after_signing(chain, key, other_key):
    later = format_time(datetime.now(UTC) + timedelta(days=1))
    chain[0] = SealedBlock(replace(chain[0].header, sealed_at=later), chain[0].signature)
    return 0, "signature"


@pytest.mark.parametrize(
    "tamper",
    [
        _drop_block,
        _wrong_previous_hash,
        _genesis_with_a_previous_hash,
        _not_starting_at_zero,
        _blocks_out_of_order,
        _shrinking_tree_size,
        _signed_by_another_key,
        _signature_bytes_flipped,
        _high_s_signature,
        _root_edited_after_signing,
        _size_edited_after_signing,
        _time_edited_after_signing,
    ],
)
def test_a_tampered_chain_is_reported_at_the_height_of_the_bad_block(ledger_key, chain, tamper):
    height, what = tamper(chain, ledger_key, generate_private_key())
    problem = chain_problem(chain, public_key_der(ledger_key))
    assert problem is not None
    assert problem.startswith(f"block {height}:"), problem
    assert what in problem


def test_a_chain_checked_against_another_ledger_key_fails_at_block_zero(chain):
    problem = chain_problem(chain, public_key_der(generate_private_key()))
    assert problem is not None and problem.startswith("block 0:")


# ---------------------------------------------------------------------------------------------
# Receipts: an in-memory ledger
# ---------------------------------------------------------------------------------------------


@dataclass
class Ledger:
    """Commands appended in order, their leaf records in a Merkle store, and checkpoints."""

    origin: str = field(default_factory=lambda: f"ledger.example/{secrets.token_hex(4)}")
    private_key: object = field(default_factory=generate_private_key)
    signer_keys: list = field(default_factory=lambda: [generate_private_key() for _ in range(3)])
    commands: list[SignedCommand] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    store: InMemoryMerkleStore = field(default_factory=InMemoryMerkleStore)
    start: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def note_key(self) -> NoteKey:
        return NoteKey(self.origin, public_key_der(self.private_key))

    def signer_of(self, sequence: int):
        return self.signer_keys[sequence % len(self.signer_keys)]

    def append(self, count: int) -> None:
        for _ in range(count):
            sequence = len(self.records)
            command = sign_command(
                self.signer_of(sequence),
                type="bill.issue",
                stream=f"bill:{secrets.token_hex(12)}",
                expected_version=0,
                signer=f"party-{sequence % len(self.signer_keys)}",
                body={"amount_fen": secrets.randbelow(10**9), "memo": secrets.token_hex(4)},
                created_at=self.start,
            )
            ledger_time = format_time(self.start + timedelta(milliseconds=sequence))
            record = leaf_record(command, sequence, ledger_time)
            self.commands.append(command)
            self.records.append(record)
            self.store.append(leaf_hash(leaf_bytes(record)))

    def checkpoint(self, size: int | None = None, private_key=None) -> str:
        size = self.store.size() if size is None else size
        checkpoint = Checkpoint(self.origin, size, store_root(self.store, size))
        return sign_checkpoint(checkpoint, private_key or self.private_key)

    def receipt(self, sequence: int, note: str | None = None, size: int | None = None) -> dict:
        proof = store_inclusion_proof(self.store, sequence, size)
        return make_receipt(self.records[sequence], proof, note or self.checkpoint(size))


def make_ledger(count: int = 7) -> Ledger:
    ledger = Ledger()
    ledger.append(count)
    return ledger


@pytest.fixture
def ledger() -> Ledger:
    return make_ledger()


def test_every_receipt_of_the_ledger_verifies(ledger):
    note = ledger.checkpoint()
    for sequence, command in enumerate(ledger.commands):
        receipt = ledger.receipt(sequence, note)
        verified = verify_receipt(receipt, ledger.note_key)
        assert verified.entry_id == command.entry_id == receipt["entry_id"]
        assert verified.sequence == sequence
        assert verified.ledger_time == ledger.records[sequence]["ledger_time"]
        assert verified.command.envelope == command.envelope
        assert verified.checkpoint.checkpoint.tree_size == len(ledger.commands)
        assert verified.checkpoint.checkpoint.root_hash == store_root(ledger.store)


def test_a_receipt_verifies_with_the_signers_key(ledger):
    for sequence in range(len(ledger.commands)):
        signer = public_key_der(ledger.signer_of(sequence))
        verified = verify_receipt(ledger.receipt(sequence), ledger.note_key, signer)
        assert verified.command.signature == ledger.commands[sequence].signature


def test_a_receipt_verifies_with_the_ledger_key_read_from_its_vkey(ledger):
    key = NoteKey.from_vkey(ledger.note_key.vkey())
    assert verify_receipt(ledger.receipt(3), key).sequence == 3


def test_a_receipt_of_a_single_entry_ledger_has_an_empty_proof():
    ledger = make_ledger(1)
    receipt = ledger.receipt(0)
    assert receipt["inclusion_proof"] == []
    assert verify_receipt(receipt, ledger.note_key).sequence == 0


def test_a_receipt_survives_a_round_trip_through_json(ledger):
    receipt = json.loads(json.dumps(ledger.receipt(5)))
    assert verify_receipt(receipt, ledger.note_key, public_key_der(ledger.signer_of(5)))


def test_a_receipt_stays_valid_against_a_later_checkpoint_with_the_proof_at_that_size(ledger):
    size, sequence = len(ledger.commands), 2
    old = ledger.receipt(sequence)
    ledger.append(6)
    later_note = ledger.checkpoint()
    assert later_note != old["checkpoint"]
    # the old receipt still proves against the old checkpoint
    assert verify_receipt(old, ledger.note_key).checkpoint.checkpoint.tree_size == size
    # recomputed at the later size it proves against the later checkpoint...
    later = ledger.receipt(sequence, later_note)
    verified = verify_receipt(later, ledger.note_key, public_key_der(ledger.signer_of(sequence)))
    assert verified.checkpoint.checkpoint.tree_size == size + 6
    assert later["leaf"] == old["leaf"] and later["entry_id"] == old["entry_id"]
    # ...and the old proof does not
    stale = {**old, "checkpoint": later_note}
    with pytest.raises(InvalidReceipt, match="inclusion proof"):
        verify_receipt(stale, ledger.note_key)
    # the store still answers for the historical size
    assert verify_receipt(ledger.receipt(sequence, size=size), ledger.note_key)


def test_a_receipt_requires_the_witness_cosignatures_asked_for(ledger):
    witness = generate_private_key()
    witness_key = NoteKey.of("witness.example", witness)
    receipt = ledger.receipt(1)
    with pytest.raises(InvalidReceipt, match="cosignatures"):
        verify_receipt(receipt, ledger.note_key, witness_keys=[witness_key], min_cosignatures=1)
    receipt["checkpoint"] = cosign(receipt["checkpoint"], "witness.example", witness)
    verified = verify_receipt(
        receipt, ledger.note_key, witness_keys=[witness_key], min_cosignatures=1
    )
    assert verified.checkpoint.cosigners() == {"witness.example"}


# --- tampering ------------------------------------------------------------------------------

SEQUENCE = 4  # the entry whose receipt is tampered with (of the 7 in the ledger)


def _b64(node: bytes) -> str:
    return base64.b64encode(node).decode()


def _change_body(ledger, receipt):
    receipt["leaf"]["envelope"]["body"]["amount_fen"] += 1


def _change_body_and_entry_id(ledger, receipt):
    receipt["leaf"]["envelope"]["body"]["amount_fen"] += 1
    envelope = receipt["leaf"]["envelope"]
    receipt["entry_id"] = SignedCommand.from_parts(envelope, b"").entry_id


def _change_receipt_sequence(ledger, receipt):
    receipt["sequence"] = SEQUENCE + 1


def _change_leaf_sequence(ledger, receipt):
    receipt["leaf"]["sequence"] = SEQUENCE + 1


def _change_both_sequences(ledger, receipt):
    receipt["sequence"] = receipt["leaf"]["sequence"] = SEQUENCE - 1


def _sequence_as_text(ledger, receipt):
    receipt["sequence"] = receipt["leaf"]["sequence"] = str(SEQUENCE)


def _sequence_as_bool(ledger, receipt):
    receipt["sequence"] = receipt["leaf"]["sequence"] = True  # == 1, an int subclass


def _change_receipt_ledger_time(ledger, receipt):
    receipt["ledger_time"] = format_time(ledger.start + timedelta(hours=1))


def _change_both_ledger_times(ledger, receipt):
    later = format_time(ledger.start + timedelta(hours=1))
    receipt["ledger_time"] = receipt["leaf"]["ledger_time"] = later


def _swap_proof_nodes(ledger, receipt):
    proof = receipt["inclusion_proof"]
    proof[0], proof[1] = proof[1], proof[0]


def _replace_proof_node(ledger, receipt):
    receipt["inclusion_proof"][1] = _b64(secrets.token_bytes(32))


def _truncate_proof(ledger, receipt):
    receipt["inclusion_proof"].pop()


def _extend_proof(ledger, receipt):
    receipt["inclusion_proof"].append(_b64(secrets.token_bytes(32)))


def _proof_of_another_index(ledger, receipt):
    other = store_inclusion_proof(ledger.store, SEQUENCE - 1)
    receipt["inclusion_proof"] = [_b64(node) for node in other]


def _proof_node_not_base64(ledger, receipt):
    receipt["inclusion_proof"][0] = "not base64!"


def _proof_as_text(ledger, receipt):
    receipt["inclusion_proof"] = "".join(receipt["inclusion_proof"])


def _leaf_of_another_entry(ledger, receipt):
    other = copy.deepcopy(ledger.records[SEQUENCE - 1])
    receipt.update(leaf=other, sequence=other["sequence"], ledger_time=other["ledger_time"])
    receipt["entry_id"] = ledger.commands[SEQUENCE - 1].entry_id


def _extra_field_in_leaf(ledger, receipt):
    receipt["leaf"]["note"] = "added"


def _float_in_leaf(ledger, receipt):
    receipt["leaf"]["fee"] = 0.5


def _checkpoint_of_another_ledger_key(ledger, receipt):
    receipt["checkpoint"] = ledger.checkpoint(private_key=generate_private_key())


def _checkpoint_of_another_origin(ledger, receipt):
    other = Checkpoint("other.example/log", ledger.store.size(), store_root(ledger.store))
    receipt["checkpoint"] = sign_checkpoint(other, ledger.private_key, name=ledger.origin)


def _checkpoint_root_edited(ledger, receipt):
    text, _, block = receipt["checkpoint"].partition("\n\n")
    lines = text.split("\n")
    lines[2] = _b64(secrets.token_bytes(32))
    receipt["checkpoint"] = "\n".join(lines) + "\n\n" + block


def _checkpoint_size_edited(ledger, receipt):
    text, _, block = receipt["checkpoint"].partition("\n\n")
    lines = text.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    receipt["checkpoint"] = "\n".join(lines) + "\n\n" + block


def _checkpoint_signed_for_another_root(ledger, receipt):
    checkpoint = Checkpoint(ledger.origin, ledger.store.size(), secrets.token_bytes(32))
    receipt["checkpoint"] = sign_checkpoint(checkpoint, ledger.private_key)


def _checkpoint_of_a_smaller_tree(ledger, receipt):
    receipt["checkpoint"] = ledger.checkpoint(size=SEQUENCE + 1)


def _checkpoint_not_text(ledger, receipt):
    receipt["checkpoint"] = {"note": receipt["checkpoint"]}


def _leaf_signature_not_base64url(ledger, receipt):
    receipt["leaf"]["signature"] = "+" + receipt["leaf"]["signature"]


def _envelope_field_invalid(ledger, receipt):
    receipt["leaf"]["envelope"]["expected_version"] = -1


def _missing(*path):
    def tamper(ledger, receipt):
        target = receipt
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    tamper.__name__ = "_missing_" + "_".join(path)
    return tamper


def _missing_sequence_everywhere(ledger, receipt):
    del receipt["sequence"], receipt["leaf"]["sequence"]


def _missing_ledger_time_everywhere(ledger, receipt):
    del receipt["ledger_time"], receipt["leaf"]["ledger_time"]


TAMPERS = [  # (tamper, what the refusal names)
    (_change_body, "entry id"),
    (_change_body_and_entry_id, "inclusion proof"),
    (_change_receipt_sequence, "sequence differs"),
    (_change_leaf_sequence, "sequence differs"),
    (_change_both_sequences, "inclusion proof"),
    (_sequence_as_text, "inclusion proof"),
    (_sequence_as_bool, "inclusion proof"),
    (_change_receipt_ledger_time, "ledger time differs"),
    (_change_both_ledger_times, "inclusion proof"),
    (_swap_proof_nodes, "inclusion proof"),
    (_replace_proof_node, "inclusion proof"),
    (_truncate_proof, "inclusion proof"),
    (_extend_proof, "inclusion proof"),
    (_proof_of_another_index, "inclusion proof"),
    (_proof_node_not_base64, "malformed"),
    (_proof_as_text, "malformed"),
    (_leaf_of_another_entry, "inclusion proof"),
    (_extra_field_in_leaf, "inclusion proof"),
    (_float_in_leaf, "NOT_CANONICAL"),
    (_checkpoint_of_another_ledger_key, "INVALID_CHECKPOINT"),
    (_checkpoint_of_another_origin, "origin"),
    (_checkpoint_root_edited, "does not verify"),
    (_checkpoint_size_edited, "does not verify"),
    (_checkpoint_signed_for_another_root, "inclusion proof"),
    (_checkpoint_of_a_smaller_tree, "inclusion proof"),
    (_checkpoint_not_text, "INVALID_CHECKPOINT"),
    (_leaf_signature_not_base64url, "INVALID_ENVELOPE"),
    (_envelope_field_invalid, "INVALID_ENVELOPE"),
    (_missing("entry_id"), "entry id"),
    (_missing("sequence"), "sequence differs"),
    (_missing("ledger_time"), "ledger time differs"),
    (_missing("leaf"), "malformed"),
    (_missing("inclusion_proof"), "malformed"),
    (_missing("checkpoint"), "malformed"),
    (_missing("leaf", "envelope"), "malformed"),
    (_missing("leaf", "signature"), "malformed"),
    (_missing("leaf", "sequence"), "sequence differs"),
    (_missing("leaf", "ledger_time"), "ledger time differs"),
    (_missing("leaf", "envelope", "nonce"), "INVALID_ENVELOPE"),
    (_missing("leaf", "envelope", "body"), "INVALID_ENVELOPE"),
    (_missing_sequence_everywhere, "malformed"),
    (_missing_ledger_time_everywhere, "malformed"),
]


@pytest.fixture(scope="module")
def shared_ledger() -> Ledger:
    """One ledger for the (read-only) tamper table; each case tampers a deep copy."""
    return make_ledger()


@pytest.fixture(scope="module")
def genuine_receipt(shared_ledger) -> dict:
    receipt = shared_ledger.receipt(SEQUENCE)
    assert len(receipt["inclusion_proof"]) >= 2
    assert verify_receipt(receipt, shared_ledger.note_key)
    return receipt


@pytest.mark.parametrize(
    ("tamper", "reason"), TAMPERS, ids=[tamper.__name__.strip("_") for tamper, _ in TAMPERS]
)
def test_a_tampered_receipt_is_refused(shared_ledger, genuine_receipt, tamper, reason):
    receipt = copy.deepcopy(genuine_receipt)
    tamper(shared_ledger, receipt)
    assert receipt != genuine_receipt
    with pytest.raises(InvalidReceipt, match=reason):
        verify_receipt(receipt, shared_ledger.note_key)


@pytest.mark.parametrize("receipt", [None, [], "receipt", {}])
def test_something_that_is_not_a_receipt_is_refused(ledger, receipt):
    with pytest.raises(InvalidReceipt):
        verify_receipt(receipt, ledger.note_key)


def test_a_receipt_checked_with_the_wrong_signer_key_is_refused(ledger):
    receipt = ledger.receipt(SEQUENCE)
    for wrong in (
        public_key_der(generate_private_key()),
        public_key_der(ledger.signer_of(SEQUENCE + 1)),  # another signer of the same ledger
        b"not a key",
    ):
        with pytest.raises(InvalidReceipt, match="signature"):
            verify_receipt(receipt, ledger.note_key, wrong)


def test_a_receipt_whose_command_was_re_signed_by_another_key_is_refused(ledger):
    receipt = ledger.receipt(SEQUENCE)
    command = ledger.commands[SEQUENCE]
    forged = sign_command(
        generate_private_key(),
        type=command.type,
        stream=command.stream,
        expected_version=command.expected_version,
        signer=command.signer,
        body=command.body,
        created_at=command.created_at,
        nonce=command.nonce,
    )
    receipt["leaf"]["signature"] = forged.to_wire()["signature"]
    with pytest.raises(InvalidReceipt):
        verify_receipt(receipt, ledger.note_key)
    with pytest.raises(InvalidReceipt):
        verify_receipt(receipt, ledger.note_key, public_key_der(ledger.signer_of(SEQUENCE)))


def test_a_receipt_checked_against_another_ledgers_key_is_refused(ledger):
    other = make_ledger(2)
    with pytest.raises(InvalidReceipt):
        verify_receipt(ledger.receipt(1), other.note_key)
    same_name = NoteKey(ledger.origin, public_key_der(other.private_key))
    with pytest.raises(InvalidReceipt):
        verify_receipt(ledger.receipt(1), same_name)


# ---------------------------------------------------------------------------------------------
# Both suites on one ledger: SM2 receipts and evidence bundles, offline
# ---------------------------------------------------------------------------------------------

BANK_ID = b"BANK-SM2@example"


def mixed_suite_ledger() -> Ledger:
    """Signers: an SM2 key (default ID), an SM2 key with its own ID, and a P-256 key."""
    keys = [
        generate_private_key(SM2_SM3),
        generate_private_key(SM2_SM3, BANK_ID),
        generate_private_key(),
    ]
    ledger = Ledger(signer_keys=keys)
    ledger.append(7)
    return ledger


def test_every_receipt_of_a_ledger_signed_in_both_suites_names_its_suite_and_verifies():
    ledger = mixed_suite_ledger()
    note = ledger.checkpoint()
    for sequence in range(7):
        key = ledger.signer_of(sequence)
        identity = getattr(key, "distinguishing_id", None)
        receipt = ledger.receipt(sequence, note)
        assert receipt["alg"] == getattr(key, "suite", "ecdsa-p256-sha256")
        assert ("alg" in receipt["leaf"]["envelope"]) == (receipt["alg"] == SM2_SM3)
        identity = identity if identity != b"1234567812345678" else None
        verify_receipt(
            receipt, ledger.note_key, public_key_der(key), signer_distinguishing_id=identity
        )


def test_an_sm2_receipt_checked_without_its_keys_distinguishing_id_is_refused():
    ledger = mixed_suite_ledger()
    receipt, key = ledger.receipt(1), ledger.signer_of(1)
    with pytest.raises(InvalidReceipt, match="signature"):
        verify_receipt(receipt, ledger.note_key, public_key_der(key))


def test_a_receipt_checked_with_a_key_of_the_other_suite_is_refused():
    ledger = mixed_suite_ledger()
    with pytest.raises(InvalidReceipt, match="KEY_ALG_MISMATCH"):
        verify_receipt(ledger.receipt(0), ledger.note_key, public_key_der(generate_private_key()))
    with pytest.raises(InvalidReceipt, match="KEY_ALG_MISMATCH"):
        verify_receipt(ledger.receipt(2), ledger.note_key, public_key_der(ledger.signer_of(0)))


def test_a_receipt_whose_alg_was_changed_is_refused():
    ledger = mixed_suite_ledger()
    receipt = ledger.receipt(0)
    receipt["alg"] = "ecdsa-p256-sha256"
    with pytest.raises(InvalidReceipt, match="alg"):
        verify_receipt(receipt, ledger.note_key)


def evidence(ledger: Ledger, sequences) -> dict:
    keys = {}
    for sequence in sequences:
        key = ledger.signer_of(sequence)
        identity = getattr(key, "distinguishing_id", None)
        keys[ledger.commands[sequence].key_id] = bundle_key(
            public_key_der(key), identity.decode() if identity == BANK_ID else None
        )
    note = ledger.checkpoint()
    return {
        "format": "billchain-evidence/v2",
        "ledger_vkey": ledger.note_key.vkey(),
        "checkpoint": note,
        "receipts": [ledger.receipt(sequence, note) for sequence in sequences],
        "public_keys": keys,
    }


def test_an_evidence_bundle_of_sm2_and_p256_entries_verifies_offline():
    ledger = mixed_suite_ledger()
    bundle = json.loads(json.dumps(evidence(ledger, [0, 1, 2, 4])))  # as a file would hold it
    report = verify_bundle(bundle, pinned_vkey=ledger.note_key.vkey())
    assert report.ok, report.problems
    assert (report.entries, report.tree_size) == (4, 7)


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda keys, ids: keys[ids[1]].update(distinguishing_id=None), "signature"),
        (lambda keys, ids: keys[ids[0]].update(alg="ecdsa-p256-sha256"), "another suite"),
        (lambda keys, ids: keys[ids[1]].update(public_key=keys[ids[0]]["public_key"]), "signature"),
    ],
)
def test_an_evidence_bundle_with_a_wrong_sm2_key_entry_names_the_bad_receipt(tamper, problem):
    ledger = mixed_suite_ledger()
    bundle = evidence(ledger, [0, 1, 2])
    key_ids = [ledger.commands[sequence].key_id for sequence in (0, 1, 2)]
    tamper(bundle["public_keys"], key_ids)
    report = verify_bundle(bundle)
    assert not report.ok
    assert problem in " ".join(report.problems)


def test_a_version_1_bundle_of_bare_p256_keys_still_verifies():
    ledger = make_ledger()
    note = ledger.checkpoint()
    bundle = {
        "format": "billchain-evidence/v1",
        "ledger_vkey": ledger.note_key.vkey(),
        "checkpoint": note,
        "receipts": [ledger.receipt(sequence, note) for sequence in (0, 3)],
        "public_keys": {
            ledger.commands[sequence].key_id: base64.urlsafe_b64encode(
                public_key_der(ledger.signer_of(sequence))
            )
            .rstrip(b"=")
            .decode()
            for sequence in (0, 3)
        },
    }
    assert verify_bundle(bundle).ok
