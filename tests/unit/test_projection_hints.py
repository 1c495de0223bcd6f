"""The projection kit's pure parts: the entry value, and how an ``entries_committed`` event is
read as a hint and checked against what the ledger holds (services/common/projection)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.projection.entry import LedgerEntry
from services.common.projection.hints import compare, read_hint


def record(at: int, stream: str = "bill:1", **changes) -> dict:
    envelope = {
        "type": "bill.endorse",
        "stream": stream,
        "expected_version": at,
        "signer": "ent-1",
        "body": {"start": 1},
    }
    found = {
        "sequence": at,
        "entry_id": f"id-{at}",
        "envelope": envelope,
        "signature": "c2lnbmVk",
        "ledger_time": "2031-03-03T02:00:00.000000Z",
    }
    return {**found, **changes}


def test_an_entry_reads_its_leaf_record():
    entry = LedgerEntry.from_record(record(7, "invoice:0123"))
    assert (entry.sequence, entry.entry_id, entry.version) == (7, "id-7", 7)
    assert (entry.kind, entry.key, entry.type) == ("invoice", "0123", "bill.endorse")
    assert entry.at == datetime(2031, 3, 3, 2, tzinfo=UTC)
    assert entry.stamp() == {
        "entry_id": "id-7",
        "sequence": 7,
        "ledger_time": "2031-03-03T02:00:00.000000Z",
    }


def test_an_entry_reads_a_receipt_and_is_itself_of_itself():
    leaf = {key: value for key, value in record(3).items() if key != "entry_id"}
    entry = LedgerEntry.from_receipt({"entry_id": "id-3", "leaf": leaf})
    assert entry == LedgerEntry.from_record(record(3))
    assert LedgerEntry.of(entry) is entry


def test_a_run_of_sequences_is_read_whole():
    hint = read_hint({"entries": [record(4), record(5), record(6)], "tree_size": 7})
    assert [r["sequence"] for r in hint.records] == [4, 5, 6]
    assert hint.refused == []


@pytest.mark.parametrize(
    "payload",
    [None, [], "entries", {"entries": "x"}, {"tree_size": 3}],
    ids=["none", "list", "text", "entries-text", "no-entries"],
)
def test_a_payload_without_a_list_of_entries_is_refused_whole(payload):
    hint = read_hint(payload)
    assert hint.records == [] and [reason for reason, _ in hint.refused] == ["malformed"]


@pytest.mark.parametrize(
    "broken",
    [
        "not a record",
        record(5, envelope="x"),
        record(5, sequence="5"),
        record(5, sequence=True),
        record(5, sequence=-1),
        record(5, entry_id=None),
        record(5, ledger_time=5),
        {**record(5), "envelope": {**record(5)["envelope"], "body": []}},
        {**record(5), "envelope": {**record(5)["envelope"], "expected_version": "0"}},
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_malformed_record_is_refused_and_the_others_read(broken):
    hint = read_hint({"entries": [record(4), broken]})
    assert [r["sequence"] for r in hint.records] == [4]
    assert [reason for reason, _ in hint.refused] == ["malformed"]


def test_records_after_a_gap_or_out_of_order_are_refused():
    hint = read_hint({"entries": [record(10), record(12), record(11), record(10)]})
    assert [r["sequence"] for r in hint.records] == [10, 11]
    assert [reason for reason, _ in hint.refused] == ["gap", "out_of_order"]


def test_named_records_are_believed_only_as_the_ledger_holds_them():
    truth = {5: record(5), 6: record(6)}
    named = [
        record(5),  # as held
        record(6, signature="Zm9yZ2Vk"),  # a bad signature
        record(7),  # beyond the head
    ]
    assert [(reason, r["sequence"]) for reason, r in compare(named, truth)] == [
        ("not_on_ledger", 6),
        ("beyond_head", 7),
    ]
