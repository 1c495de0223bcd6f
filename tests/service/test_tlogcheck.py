"""An independent implementation checks the ledger: Go's golang.org/x/mod/sumdb (note, tlog).

tools/tlogcheck is built here in GOPATH mode against Debian's golang-golang-x-mod-dev (no module
proxy, no network). It verifies our checkpoints' Ed25519 signatures with ``note.Open``, reads
our tiles with ``tlog.TileHashReader`` (which authenticates every tile against the tree) and
checks inclusion and consistency proofs with ``tlog`` — for tree sizes from 1 to 3,000, sampled
at the tile boundaries — and must reject a tampered checkpoint, tile or entry.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from werkzeug.serving import make_server

from ledger import Checkpoint, sign_command
from ledger.checkpoints import sign_checkpoint
from ledger.ed25519 import Ed25519NoteKey
from ledger.keys import read_private_key

REPO = Path(__file__).resolve().parents[2]
GOPATH_SOURCES = Path("/usr/share/gocode")
# every checkpoint the test ledger signs, 1 to 3,000 entries, tile edges included
SIZES = [1, 2, 3, 7, 8, 100, 255, 256, 257, 511, 512, 513, 1000, 1024, 2047, 2048, 2049, 2999]
SIZES += [3000]


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory) -> Path:
    go = shutil.which("go")
    if go is None or not (GOPATH_SOURCES / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        pytest.fail("Go's sumdb packages are missing: run `make services` (deploy/local/golang.sh)")
    build = tmp_path_factory.mktemp("tlogcheck")
    environment = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": f"{GOPATH_SOURCES}:{build / 'gopath'}",
        "GOPROXY": "off",
        "GOFLAGS": "",
        "GOCACHE": str(build / "cache"),
    }
    binary = build / "tlogcheck"
    result = subprocess.run(
        [go, "build", "-o", str(binary), "./tools/tlogcheck"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return binary


@pytest.fixture(scope="module")
def ledger_3000(database_factory, key_dir):
    """A ledger of its own, committed so that it signed a checkpoint at each of ``SIZES``."""
    from services.ledger.direct import append_direct
    from services.ledger.operations import bootstrap, ledger_settings

    config = {
        "DATABASE_URL": database_factory("tlogcheck"),
        "LEDGER_ORIGIN": "test.billchain/go-checked",
        "LEDGER_KEY_FILE": str(key_dir / "ledger.pem"),
        "LEDGER_ED25519_KEY_FILE": str(key_dir / "ledger-ed25519.pem"),
        "OPERATOR_KEY_FILE": str(key_dir / "operator.pem"),
    }
    bootstrap(config)
    settings = ledger_settings(config)
    operator = read_private_key(key_dir / "operator.pem")
    engine = create_engine(config["DATABASE_URL"])
    for previous, size in zip(SIZES, SIZES[1:], strict=False):
        commands = [_note(operator, n) for n in range(previous, size)]
        assert all(o.refusal is None for o in append_direct(engine, settings, commands))
    yield engine, settings
    engine.dispose()


def _note(operator, n: int):
    return sign_command(
        operator,
        type="go.note",
        stream=f"go:{n}",
        expected_version=0,
        signer="operator",
        body={"n": n},
        created_at=datetime.now(UTC),
    )


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(scope="module")
def checkpoints(ledger_3000, tmp_path_factory) -> Path:
    from services.ledger.appender import latest_checkpoint_note

    engine, _ = ledger_3000
    directory = tmp_path_factory.mktemp("checkpoints")
    with engine.connect() as connection:
        for size in SIZES:
            note = latest_checkpoint_note(connection, size)
            assert note is not None, f"no checkpoint at {size}"
            (directory / f"{size:05d}.note").write_text(note)
    return directory


def run_check(
    binary: Path, url: str, settings, directory: Path, *extra: str
) -> subprocess.CompletedProcess:
    vkey = Ed25519NoteKey.of(settings.origin, settings.ed25519_key).vkey()
    command = [str(binary), "-url", url, "-vkey", vkey, "-checkpoints", str(directory), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def tampering(app, target: str):
    """The tile app, with the last byte of one resource flipped."""

    def tampered(environ, start_response):
        body = b"".join(app(environ, start_response))
        if environ["PATH_INFO"].startswith(target):
            body = body[:-1] + bytes([body[-1] ^ 1])
        return [body]

    return tampered


def test_go_sumdb_verifies_our_checkpoints_tiles_and_proofs_from_1_to_3000_entries(
    tlogcheck, ledger_3000, checkpoints
):
    from services.ledger.tiles import TileApp

    engine, settings = ledger_3000
    url, server = serve(TileApp(engine))
    try:
        result = run_check(tlogcheck, url, settings, checkpoints)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"VERIFIED {len(SIZES)} checkpoints" in result.stdout
    assert result.stdout.count("OK size") == len(SIZES)


def forged_checkpoint(settings, directory: Path, how: str) -> None:
    note = (directory / "03000.note").read_text()
    text, _, _ = note.partition("\n\n")
    origin, size, root = text.split("\n")[:3]
    if how == "edited root":  # the signatures no longer match the text
        (directory / "03000.note").write_text(note.replace(root, "A" * 43 + "="))
    elif how == "fork signed by the ledger":  # valid signatures over a root the tiles refute
        fork = Checkpoint(origin, int(size), bytes(32))
        forged = sign_checkpoint(fork, settings.ledger_key, None, settings.ed25519_key)
        (directory / "03000.note").write_text(forged)
    elif how == "only the P-256 signature":  # Go checks Ed25519: nothing it can verify
        (directory / "03000.note").write_text(note[: note.rindex("\u2014")])


@pytest.mark.parametrize(
    "tamper",
    [
        "edited root",
        "fork signed by the ledger",
        "only the P-256 signature",
        "tile /tile/0/001",
        "tile /tile/1/000.p/11",
        "entries /tile/entries/004",
    ],
)
def test_go_sumdb_rejects_a_tampered_checkpoint_tile_or_entry(
    tlogcheck, ledger_3000, checkpoints, tmp_path, tamper
):
    from services.ledger.tiles import TileApp

    engine, settings = ledger_3000
    directory = tmp_path / "checkpoints"
    shutil.copytree(checkpoints, directory)
    app = TileApp(engine)
    kind, _, target = tamper.partition(" ")
    if kind in ("tile", "entries"):
        app = tampering(app, target)
    else:
        forged_checkpoint(settings, directory, tamper)
    url, server = serve(app)
    try:
        result = run_check(tlogcheck, url, settings, directory)
    finally:
        server.shutdown()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "REJECTED" in result.stdout


@pytest.fixture
def cosigned(ledger_3000, checkpoints, tmp_path):
    """The checkpoints, the newest cosigned by two of three witnesses (our tlog-witness), and
    the witnesses' -witness flags."""
    from ledger.ed25519 import generate_ed25519_key
    from ledger.tlog_witness import request_body
    from ledger.witness_server import Witness, WitnessStateFile

    _, settings = ledger_3000
    trusted = {settings.origin: [Ed25519NoteKey.of(settings.origin, settings.ed25519_key)]}
    directory = tmp_path / "cosigned"
    shutil.copytree(checkpoints, directory)
    note = (directory / "03000.note").read_text()
    flags, lines = [], ""
    for n in range(3):
        state = WitnessStateFile(tmp_path / f"w{n}.json")
        witness = Witness(
            f"w{n}.test", generate_ed25519_key(), trusted, state, lambda: 1_767_225_600
        )
        flags += ["-witness", witness.key.vkey()]
        if n < 2:
            answer = witness.add_checkpoint(request_body(0, [], note))
            assert answer.status == 200
            lines += answer.body.decode()
    (directory / "03000.note").write_text(note + lines)
    return directory, flags


@pytest.mark.parametrize(
    ("quorum", "tamper", "accepted"),
    [("2", False, True), ("3", False, False), ("2", True, False)],
)
def test_go_checks_our_witnesses_cosignature_v1_lines_and_their_quorum(
    tlogcheck, ledger_3000, cosigned, quorum, tamper, accepted
):
    from services.ledger.tiles import TileApp

    engine, settings = ledger_3000
    directory, flags = cosigned
    if tamper:  # one byte of the first cosignature's timestamp: its signature no longer holds
        note = (directory / "03000.note").read_text()
        head, line, rest = note.partition("\u2014 w0.test ")
        raw = bytearray(base64.b64decode(rest.split("\n")[0]))
        raw[11] ^= 1
        tampered = base64.b64encode(bytes(raw)).decode() + "\n" + rest.split("\n", 1)[1]
        (directory / "03000.note").write_text(head + line + tampered)
    url, server = serve(TileApp(engine))
    try:
        result = run_check(tlogcheck, url, settings, directory, *flags, "-quorum", quorum)
    finally:
        server.shutdown()
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    if accepted:
        assert "OK size 3000:" in result.stdout and "2 cosignatures" in result.stdout
    elif tamper:
        assert "cosignature by w0.test does not verify" in result.stdout
    else:
        assert "2 cosignatures, 3 required" in result.stdout
