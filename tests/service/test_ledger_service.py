"""The ledger service against the real broker, database and Redis."""

import base64

import eventlet
import pytest

from ledger import NoteKey, expand_receipt, verify_consistency, verify_receipt
from services.common.errors import CommandRejected
from tests.support.ledger_factories import admission, stream


def test_the_operator_admits_an_enterprise_and_its_key_is_registered(rpc, admit):
    party = admit("enterprise")
    record = rpc.ledger.get_party(party.party_id)
    assert record["kind"] == "enterprise"
    assert len(record["credit_code"]) == 18
    assert [key["revoked_sequence"] for key in record["keys"]] == [None]


def test_only_the_operator_admits_parties(rpc, admit):
    party = admit("enterprise")
    wire, _ = admission(party)  # an enterprise tries to admit someone
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.append_one(wire)
    assert refused.value.code == "NOT_OPERATOR"


def test_an_enterprise_with_a_bad_credit_code_is_refused(rpc, operator):
    wire, _ = admission(operator, "enterprise")
    wire_body = dict(wire["envelope"]["body"], credit_code="91350100M000100Y44")
    resigned = operator.wire("party.admit", wire["envelope"]["stream"], 0, wire_body)
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.append_one(resigned)
    assert refused.value.code == "INVALID_CREDIT_CODE"


def test_a_rotated_key_signs_and_the_revoked_one_is_refused(rpc, admit):
    from ledger import generate_private_key, key_id, public_key_der

    party = admit("enterprise")
    old_key, new_key = party.key, generate_private_key()
    rpc.ledger.append_one(
        party.wire(
            "key.rotate",
            f"party:{party.party_id}",
            1,
            {
                "party_id": party.party_id,
                "public_key": party.public_key_text(new_key),
                "revoke_key_id": key_id(public_key_der(old_key)),
            },
        )
    )
    trade = stream("trade")
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.append_one(party.wire("trade.note", trade, 0, {"n": 1}, key=old_key))
    assert refused.value.code == "KEY_REVOKED"
    receipt = rpc.ledger.append_one(party.wire("trade.note", trade, 0, {"n": 1}, key=new_key))
    assert receipt["sequence"] > 0


def test_a_replayed_nonce_is_refused_even_with_other_content(rpc, admit):
    party = admit()
    first = party.command("trade.note", stream(), 0, {"n": 1})
    rpc.ledger.append_one(first.to_wire())
    replay = party.wire("trade.note", stream(), 0, {"n": 2}, nonce=first.nonce)
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.append_one(replay)
    assert refused.value.code == "REPLAY_REFUSED"


def test_the_database_refuses_a_replay_that_redis_forgot(rpc, admit, ledger_config):
    import redis

    party = admit()
    first = party.command("trade.note", stream(), 0, {"n": 1})
    rpc.ledger.append_one(first.to_wire())
    client = redis.Redis.from_url(ledger_config["REDIS_URL"])
    client.delete(f"{ledger_config['REDIS_PREFIX']}nonce:{party.party_id}:{first.nonce}")
    replay = party.wire("trade.note", stream(), 0, {"n": 2}, nonce=first.nonce)
    with pytest.raises(CommandRejected) as refused:
        rpc.ledger.append_one(replay)
    assert refused.value.code == "REPLAY_REFUSED"


def test_an_identical_resubmission_returns_the_original_receipt(rpc, admit):
    party = admit()
    wire = party.wire("trade.note", stream(), 0, {"n": 1})
    first = rpc.ledger.append_one(wire)
    again = rpc.ledger.append(wire and [wire])
    (verdict,) = again["verdicts"]
    assert verdict["ok"] and verdict["duplicate"]
    assert verdict["receipt"]["sequence"] == first["sequence"]
    assert verdict["receipt"]["entry_id"] == first["entry_id"]


def test_twenty_concurrent_appends_to_one_stream_version_let_exactly_one_win(rpc, admit):
    party = admit()
    contested = stream("bill")
    wires = [party.wire("bill.endorse", contested, 0, {"attempt": n}) for n in range(20)]
    replies = [rpc.ledger.append_one.call_async(wire) for wire in wires]
    codes = []
    for reply in replies:
        try:
            reply.result()
            codes.append("OK")
        except CommandRejected as exc:
            codes.append(exc.code)
    assert codes.count("OK") == 1
    assert codes.count("STREAM_VERSION_CONFLICT") == 19
    assert rpc.ledger.stream_version(contested) == 1


def test_a_batch_with_bad_entries_commits_the_good_ones(rpc, admit):
    party = admit()
    good = [party.wire("trade.note", stream(), 0, {"n": n}) for n in range(5)]
    forged = dict(good[0], envelope=dict(good[0]["envelope"], body={"n": 999}))
    wrong_version = party.wire("trade.note", stream(), 3, {"n": 1})
    answer = rpc.ledger.append([good[0], forged, good[1], {"junk": True}, wrong_version, *good[2:]])
    verdicts = answer["verdicts"]
    assert [v["ok"] for v in verdicts] == [True, False, True, False, False, True, True, True]
    assert verdicts[1]["error"]["code"] == "SIGNATURE_MISMATCH"
    assert verdicts[3]["error"]["code"] == "INVALID_ENVELOPE"
    assert verdicts[4]["error"]["code"] == "STREAM_VERSION_CONFLICT"


def test_receipts_verify_offline_with_the_sdk_alone(rpc, admit):
    from ledger import public_key_der

    party = admit()
    wire = party.wire("trade.note", stream(), 0, {"n": 1})
    answer = rpc.ledger.append([wire])
    (verdict,) = answer["verdicts"]
    receipt = expand_receipt(verdict["receipt"], wire, answer["checkpoint"])
    log_key = NoteKey.from_vkey(rpc.ledger.public_info()["vkey"])
    verified = verify_receipt(receipt, log_key, public_key_der(party.key))
    assert verified.sequence == verdict["receipt"]["sequence"]
    later = rpc.ledger.get_receipt(verified.entry_id)
    assert verify_receipt(later, log_key).entry_id == verified.entry_id


def test_checkpoints_are_consistent_with_each_other(rpc, admit):
    from ledger.checkpoints import verify_checkpoint

    log_key = NoteKey.from_vkey(rpc.ledger.public_info()["vkey"])
    old = verify_checkpoint(rpc.ledger.get_checkpoint()["note"], log_key).checkpoint
    party = admit()
    rpc.ledger.append([party.wire("trade.note", stream(), 0, {"n": n}) for n in range(3)])
    new = verify_checkpoint(rpc.ledger.get_checkpoint()["note"], log_key).checkpoint
    answer = rpc.ledger.consistency_proof(old.tree_size, new.tree_size)
    proof = [base64.b64decode(node) for node in answer["proof"]]
    assert verify_consistency(old.tree_size, new.tree_size, proof, old.root_hash, new.root_hash)


def test_the_ledger_answers_a_ping_within_50_ms_while_verifying_10000_entries(
    ledger_process, admit, tmp_path
):
    """The service runs as its own process and the batch comes from a third one, as in
    production; this process only pings."""
    import json
    import subprocess
    import sys
    import time
    from pathlib import Path

    from ledger import save_private_key

    rpc, config_file = ledger_process
    party = admit()
    key_file = tmp_path / "party.pem"
    save_private_key(party.key, key_file)
    root = Path(__file__).resolve().parents[2]

    def send(count: int) -> subprocess.Popen:
        arguments = [str(config_file), party.party_id, str(key_file), str(count)]
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.append_batch", *arguments],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )

    # warm the same path first (worker pool started, lazy imports done): steady state
    warm_up = send(300)
    assert json.loads(warm_up.communicate(timeout=120)[0].splitlines()[-1])["accepted"] == 300
    sender = send(10_000)
    latencies, while_verifying = [], []
    while sender.poll() is None:
        started = time.perf_counter()
        health = rpc.ledger.health()
        latency = time.perf_counter() - started
        latencies.append(latency)
        if health["verifying"]:
            while_verifying.append(latency)
        eventlet.sleep(0.005)
    report = json.loads(sender.stdout.read().strip().splitlines()[-1])
    assert report == {**report, "accepted": 10_000, "refused": 0}
    assert len(while_verifying) > 20, "the pinger never caught the ledger verifying"
    slowest = max(while_verifying)
    assert slowest < 0.050, f"slowest answer while verifying: {slowest * 1000:.1f} ms"
    # and the whole batch, commit included, never freezes the service for long
    assert max(latencies) < 0.250, f"slowest answer overall: {max(latencies) * 1000:.1f} ms"


def test_two_replicas_racing_the_same_commands_commit_each_once_and_each_nonce_once(
    ledger_process, rpc, admit
):
    """Replicas read duplicates, nonces and keys before taking the commit lock, then take in
    what the other committed meanwhile: the same batch sent to both commits every entry once,
    and two commands sharing a nonce never both get in."""
    import secrets

    other, _ = ledger_process
    party = admit()
    for _ in range(8):
        same = [party.wire("test.note", f"race:{secrets.token_hex(8)}", 0, {}) for _ in range(300)]
        nonces = [secrets.token_hex(16) for _ in range(100)]
        mine = [
            party.wire("test.note", f"race:{secrets.token_hex(8)}", 0, {}, nonce=n) for n in nonces
        ]
        theirs = [
            party.wire("test.note", f"race:{secrets.token_hex(8)}", 0, {}, nonce=n) for n in nonces
        ]
        first = rpc.ledger.append.call_async(same + mine)
        second = other.ledger.append.call_async(same + theirs)
        one, two = first.result()["verdicts"], second.result()["verdicts"]
        for a, b in zip(one[:300], two[:300], strict=True):
            assert a["ok"] and b["ok"], (a, b)
            assert a["receipt"]["sequence"] == b["receipt"]["sequence"]
            assert [a["duplicate"], b["duplicate"]].count(False) == 1
        for a, b in zip(one[300:], two[300:], strict=True):
            assert [a["ok"], b["ok"]].count(True) == 1, (a, b)
            refused = b if a["ok"] else a
            assert refused["error"]["code"] == "REPLAY_REFUSED"
