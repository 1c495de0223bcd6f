"""The ledger witnessed by three witness processes (c2sp.org/tlog-witness), 2 of 3 needed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger import Checkpoint
from ledger.checkpoints import sign_checkpoint
from ledger.commands import entry_id
from ledger.ed25519 import Ed25519NoteKey, generate_ed25519_key, save_ed25519_key
from ledger.errors import InvalidReceipt
from ledger.keys import read_private_key
from ledger.receipts import verify_receipt
from ledger.tlog_proof import proof_from_receipt, verify_proof
from ledger.tlog_witness import SIZE_TYPE, request_body
from ledger.witness_policy import WitnessPolicy
from tests.support.infrastructure import delete_vhost, private_ledger
from tests.support.ledger_factories import stream

REPO = Path(__file__).resolve().parents[2]


# -- three witness processes and the ledger service ----------------------------------------


def start_witness(tmp_path: Path, name: str, log_vkeys: list[str]):
    key_file = tmp_path / f"{name}.pem"
    save_ed25519_key(generate_ed25519_key(), key_file)
    command = [sys.executable, "-m", "ledger", "witness-serve", "--name", f"{name}.test"]
    command += ["--key", str(key_file), "--state", str(tmp_path / f"{name}.json")]
    for vkey in log_vkeys:
        command += ["--log", vkey]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    started = json.loads(process.stdout.readline())
    return process, started["url"], started["vkey"]


@pytest.fixture(scope="module")
def witnessed_ledger(
    tmp_path_factory, services, ledger_config, database_factory, run_id, redis_prefix
):
    """One ledger service asking three witness processes, shared by this module's tests."""
    tmp_path = tmp_path_factory.mktemp("witnessed")
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from ledger.ed25519 import read_ed25519_key
    from services.ledger.service import LedgerService

    origin = ledger_config["LEDGER_ORIGIN"]
    ed_private = read_ed25519_key(ledger_config["LEDGER_ED25519_KEY_FILE"])
    ed_vkey = Ed25519NoteKey.of(origin, ed_private)
    p256 = read_private_key(ledger_config["LEDGER_KEY_FILE"])
    witnesses = {n: start_witness(tmp_path, n, [ed_vkey.vkey()]) for n in ("w1", "w2", "w3")}
    policy = [f"log {ed_vkey.vkey()}"]
    policy += [f"witness {n} {vkey} {url}" for n, (_, url, vkey) in witnesses.items()]
    policy += ["group banks 2 w1 w2 w3", "quorum banks"]
    (tmp_path / "policy.txt").write_text("\n".join(policy) + "\n")
    config, vhost = private_ledger(
        services,
        ledger_config,
        database_factory,
        run_id,
        redis_prefix,
        f"witnessed{run_id}",
        LEDGER_WITNESS_POLICY_FILE=str(tmp_path / "policy.txt"),
        LEDGER_WITNESS_TIMEOUT_SECONDS=3,
    )
    container = ServiceContainer(LedgerService, config)
    container.start()
    proxy = ClusterRpcProxy(config, timeout=30)
    try:
        keys = (ed_private, p256, origin)
        yield proxy.start(), witnesses, tmp_path / "policy.txt", keys, config["DATABASE_URL"]
    finally:
        proxy.stop()
        container.stop()
        delete_vhost(services, vhost)
        for process, _, _ in witnesses.values():
            if process.poll() is None:
                process.terminate()
                process.wait(10)


def wait_for_witnessed(rpc, size: int, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            witnessed = rpc.ledger.get_checkpoint(witnessed=True)
            if witnessed["tree_size"] >= size:
                return witnessed
        except Exception as exc:  # CHECKPOINT_NOT_FOUND until the first quorum
            if getattr(exc, "code", None) != "CHECKPOINT_NOT_FOUND":
                raise
        time.sleep(0.2)
    raise AssertionError(f"no checkpoint of size >= {size} was witnessed in {seconds} s")


def test_three_witness_processes_give_a_2_of_3_witnessed_checkpoint_and_refuse_a_split_view(
    witnessed_ledger, operator
):
    rpc, witnesses, policy_file, (ed_private, p256, origin), database_url = witnessed_ledger
    policy = WitnessPolicy.read(policy_file)
    witnesses["w3"][0].terminate()  # one witness down: two of three still make the quorum
    witnesses["w3"][0].wait(10)
    for _ in range(5):  # appends go on while the witnesses are asked
        rpc.ledger.append([operator.wire("test.note", stream(), 0, {"n": n}) for n in range(50)])
    size = rpc.ledger.get_checkpoint()["tree_size"]
    witnessed = wait_for_witnessed(rpc, size)
    verified = policy.verify(witnessed["note"])
    assert verified.checkpoint.tree_size == size
    assert policy.cosigners_of(witnessed["note"]) == {"w1", "w2"}
    assert set(witnessed["cosigners"]) == {"w1.test", "w2.test", "w3.test"}

    # A ledger showing w1 a fork of the same size: 409, and w1 keeps the tree it cosigned.
    # A receipt against the witnessed checkpoint verifies with the policy alone; with one of
    # the two cosignatures taken off, it is refused as not witnessed.
    entry = rpc.ledger.get_entry(size - 1)
    receipt = rpc.ledger.get_receipt(entry_id(entry["envelope"]), size)
    assert verify_receipt(receipt, None, policy=policy).sequence == size - 1
    spicy = verify_proof(proof_from_receipt(receipt), policy=policy)  # the .tlog-proof form
    assert spicy.checkpoint.cosigners() == {"w1.test", "w2.test"}
    one_line = "".join(
        line + "\n" for line in receipt["checkpoint"].splitlines() if " w1.test " not in line
    )
    with pytest.raises(InvalidReceipt, match="NOT_WITNESSED"):
        verify_receipt({**receipt, "checkpoint": one_line}, None, policy=policy)

    # The ledger's own keys sign a fork of the same size for w1: 409, whatever old size is
    # claimed, and w1 still holds the tree it cosigned.
    fork = sign_checkpoint(Checkpoint(origin, size, bytes(32)), p256, None, ed_private)
    w1_url = witnesses["w1"][1]
    assert post(w1_url, request_body(size, [], fork))[0] == 409
    assert post(w1_url, request_body(0, [], fork)) == (409, SIZE_TYPE, f"{size}\n".encode())
    state = json.loads(Path(policy_file.parent / "w1.json").read_text())["logs"][origin]
    assert state["tree_size"] == size


def post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_tiles_serve_the_witnessed_checkpoint_and_a_mirror_checks_it_by_the_policy(
    witnessed_ledger, operator, tmp_path
):
    from sqlalchemy import create_engine
    from werkzeug.serving import make_server

    from ledger.mirror import mirror
    from services.ledger.tiles import TileApp

    rpc, _, policy_file, _, database_url = witnessed_ledger
    policy = WitnessPolicy.read(policy_file)
    rpc.ledger.append([operator.wire("test.note", stream(), 0, {"n": n}) for n in range(300)])
    witnessed = wait_for_witnessed(rpc, rpc.ledger.get_checkpoint()["tree_size"])
    engine = create_engine(database_url)
    server = make_server("127.0.0.1", 0, TileApp(engine, policy), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(url + "/checkpoint", timeout=10) as response:
            served = response.read().decode()
        assert policy.verify(served).checkpoint.tree_size >= witnessed["tree_size"]
        report = mirror(url, tmp_path / "copy", None, policy)
        assert report.tree_size >= witnessed["tree_size"] and report.entries == report.tree_size
    finally:
        server.shutdown()
        engine.dispose()
