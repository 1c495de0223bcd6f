"""Our witness speaks c2sp.org/tlog-witness: each status code of add-checkpoint over HTTP,
the state it persists before answering, and the client that asks witnesses to cosign."""

from __future__ import annotations

import hashlib
import threading
import urllib.error
import urllib.request

import pytest

from ledger import Checkpoint, InMemoryMerkleStore, generate_private_key, leaf_hash
from ledger.checkpoints import attach_cosignature, sign_checkpoint, verify_checkpoint
from ledger.ed25519 import CosignerKey, Ed25519NoteKey, generate_ed25519_key
from ledger.merkle import store_consistency_proof, store_root
from ledger.notes import NoteKey, parse_note
from ledger.tlog_witness import SIZE_TYPE, LogState, request_body
from ledger.witness_client import WitnessClient, WitnessEndpoint
from ledger.witness_server import Witness, WitnessStateFile, serve

ORIGIN = "test.billchain/witnessed-log"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z: the witness's clock is fixed


class Log:
    """A small log of our own: its tree and its two signing keys."""

    def __init__(self, origin: str = ORIGIN, size: int = 40):
        self.origin = origin
        self.p256, self.ed25519 = generate_private_key(), generate_ed25519_key()
        self.store = InMemoryMerkleStore(leaf_hash(b"entry %d" % i) for i in range(size))

    def note(self, size: int, root: bytes | None = None) -> str:
        root = root if root is not None else store_root(self.store, size)
        return sign_checkpoint(Checkpoint(self.origin, size, root), self.p256, None, self.ed25519)

    def proof(self, old: int, new: int) -> list[bytes]:
        return store_consistency_proof(self.store, old, new) if old else []

    def vkeys(self) -> list:
        return [Ed25519NoteKey.of(self.origin, self.ed25519), NoteKey.of(self.origin, self.p256)]


@pytest.fixture
def log():
    return Log()


@pytest.fixture
def witness_at(tmp_path, log):
    """A running HTTP witness trusting ``log``, and a way to post to it."""
    servers = []

    def start(name="witness.test/w1", state=None):
        key = generate_ed25519_key()
        trusted = {log.origin: log.vkeys()}
        store = WitnessStateFile(state or tmp_path / f"{name.replace('/', '_')}.json")
        witness = Witness(name, key, trusted, store, clock=lambda: NOW)
        server = serve(witness, "127.0.0.1", 0, "/w")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return witness, f"http://127.0.0.1:{server.server_address[1]}/w"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def bad_proof(log: Log, old: int, new: int) -> list[bytes]:
    proof = log.proof(old, new)
    return [hashlib.sha256(proof[0]).digest(), *proof[1:]]


def signed_by_a_stranger(log: Log) -> str:
    text = parse_note(log.note(10)).text
    return sign_checkpoint(Checkpoint.parse(text), None, None, generate_ed25519_key())


# Each row: the witness first cosigned size 10 (old 0), then receives this request.
CASES = {
    "200 a consistent larger tree": (
        lambda log: request_body(10, log.proof(10, 20), log.note(20)),
        200,
    ),
    "200 the same tree again": (lambda log: request_body(10, [], log.note(10)), 200),
    "404 an unknown origin": (
        lambda log: request_body(10, [], Log("other.test/log").note(10)),
        404,
    ),
    "403 no trusted signature": (lambda log: request_body(10, [], signed_by_a_stranger(log)), 403),
    "400 a body that is not the protocol's": (
        lambda log: b"old ten\n\n" + log.note(10).encode(),
        400,
    ),
    "400 no blank line": (lambda log: b"old 10\n", 400),
    "400 old size larger than the checkpoint": (
        lambda log: request_body(30, [], log.note(20)),
        400,
    ),
    "400 a proof with old size zero": (
        lambda log: request_body(0, log.proof(10, 20)[:1], log.note(20)),
        400,
    ),
    "409 old size not the one cosigned": (
        lambda log: request_body(5, log.proof(5, 20), log.note(20)),
        409,
    ),
    "409 old size 0 while the witness holds 10": (
        lambda log: request_body(0, [], log.note(20)),
        409,
    ),
    "409 same size, another root": (lambda log: request_body(10, [], log.note(10, bytes(32))), 409),
    "422 a consistency proof that fails": (
        lambda log: request_body(10, bad_proof(log, 10, 20), log.note(20)),
        422,
    ),
    "422 a good proof for a forked tree": (
        lambda log: request_body(10, log.proof(10, 20), log.note(20, bytes(32))),
        422,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_add_checkpoint_answers_the_specs_status_code(log, witness_at, case):
    witness, url = witness_at()
    assert post(url, request_body(0, [], log.note(10)))[0] == 200
    make_body, expected = CASES[case]
    status, content_type, body = post(url, make_body(log))
    assert status == expected, body
    if status == 409 and content_type.startswith(SIZE_TYPE):
        assert body == b"10\n"
    if status == 200:
        size = int(parse_note(make_body(log).split(b"\n\n", 1)[1].decode()).text.split("\n")[1])
        note = log.note(size)
        cosigned = attach_cosignature(note, body.decode(), witness.key)
        assert verify_checkpoint(cosigned, log.vkeys()[0], [witness.key], 1).cosigners() == {
            witness.key.name
        }


def test_a_409_for_a_wrong_old_size_carries_the_size_as_text_x_tlog_size(log, witness_at):
    _, url = witness_at()
    post(url, request_body(0, [], log.note(10)))
    assert post(url, request_body(3, log.proof(3, 20), log.note(20))) == (409, SIZE_TYPE, b"10\n")


def test_the_witness_cosigns_with_a_timestamped_cosignature_v1_line(log, witness_at):
    witness, url = witness_at()
    status, _, body = post(url, request_body(0, [], log.note(12)))
    (line,) = parse_note(log.note(12) + body.decode()).signatures[2:]
    assert status == 200 and line.name == "witness.test/w1"
    assert line.key_id == CosignerKey(witness.key.name, witness.key.public_key).key_id
    assert int.from_bytes(line.signature[:8], "big") == NOW


def test_a_refused_checkpoint_leaves_the_state_as_it_was(log, witness_at, tmp_path):
    _, url = witness_at(state=tmp_path / "state.json")
    post(url, request_body(0, [], log.note(10)))
    post(url, request_body(10, bad_proof(log, 10, 20), log.note(20)))
    post(url, request_body(10, [], log.note(10, bytes(32))))
    state = WitnessStateFile(tmp_path / "state.json").load()
    assert state == {ORIGIN: LogState(10, store_root(log.store, 10))}


def test_the_state_is_on_disk_before_the_answer_so_a_restarted_witness_refuses_a_rollback(
    log, witness_at, tmp_path
):
    _, url = witness_at(state=tmp_path / "shared.json")
    post(url, request_body(0, [], log.note(10)))
    assert post(url, request_body(10, log.proof(10, 30), log.note(30)))[0] == 200
    _, restarted = witness_at(name="witness.test/w1-again", state=tmp_path / "shared.json")
    assert post(restarted, request_body(10, log.proof(10, 20), log.note(20)))[:2] == (
        409,
        SIZE_TYPE,
    )


def test_concurrent_requests_never_roll_the_witness_back(log, witness_at, tmp_path):
    """The spec's race: request A (size N) and B (N+K) both checked, A recorded last."""
    _, url = witness_at(state=tmp_path / "race.json")
    post(url, request_body(0, [], log.note(10)))
    sizes = list(range(11, 40))
    results = {}

    def submit(size):
        results[size] = post(url, request_body(10, log.proof(10, size), log.note(size)))[0]

    threads = [threading.Thread(target=submit, args=(size,)) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [size for size, status in results.items() if status == 200]
    assert len(winners) == 1  # every other one finds the size moved: 409
    assert WitnessStateFile(tmp_path / "race.json").load()[ORIGIN].tree_size == winners[0]


def test_the_client_learns_the_witness_size_from_a_409_and_gets_the_cosignature(log, witness_at):
    witness, url = witness_at()
    post(url, request_body(0, [], log.note(15)))  # someone else brought it to 15
    client = WitnessClient([WitnessEndpoint("w1", witness.key, url)])
    (answer,) = client.cosign(log.note(33), log.proof)
    assert answer.problem is None and answer.tree_size == 33
    cosigned = attach_cosignature(log.note(33), answer.line, witness.key)
    assert verify_checkpoint(cosigned, log.vkeys()[0], [witness.key], 1)
    assert client.known_sizes[url] == 33


def test_the_client_reports_a_witness_that_is_down_without_failing_the_others(log, witness_at):
    witness, url = witness_at()
    down = WitnessEndpoint(
        "down", CosignerKey.of("down.test", generate_ed25519_key()), "http://127.0.0.1:9/w"
    )
    client = WitnessClient([WitnessEndpoint("w1", witness.key, url), down], timeout=2)
    up, failed = client.cosign(log.note(8), log.proof)
    assert up.line is not None and failed.line is None and failed.problem
