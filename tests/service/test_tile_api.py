"""The tile read API (c2sp.org/tlog-tiles) served from the ledger's stored Merkle nodes, and the
mirror that copies the whole ledger from it and verifies it."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from werkzeug.serving import make_server

from ledger import InMemoryMerkleStore, leaf_hash
from ledger.merkle import store_root
from ledger.mirror import MirrorRefused, http_fetch, mirror
from ledger.tiles import (
    decode_bundle,
    split_hashes,
    tiles_for_size,
)
from ledger.vkeys import parse_vkey
from tests.support.ledger_factories import stream

REPO = Path(__file__).resolve().parents[2]


# -- served from the ledger ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiles_url(rpc, operator, ledger_config):
    from services.ledger.tiles import TileApp

    size = rpc.ledger.get_checkpoint()["tree_size"]
    wanted = 600 - size if size < 600 else 0
    if wanted:
        rpc.ledger.append(
            [operator.wire("tile.note", stream(), 0, {"n": n}) for n in range(wanted)]
        )
    engine = create_engine(ledger_config["DATABASE_URL"])
    server = make_server("127.0.0.1", 0, TileApp(engine), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    engine.dispose()


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_tiles_hold_the_leaf_hashes_and_stored_nodes_of_the_checkpointed_tree(tiles_url, rpc):
    status, headers, note = get(tiles_url + "/checkpoint")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    size = int(note.decode().split("\n")[1])
    entries = []
    for tile in (t for t in tiles_for_size(size) if t.is_entries):
        status, headers, data = get(f"{tiles_url}/{tile.path()}")
        assert status == 200 and headers["Content-Type"] == "application/octet-stream"
        assert "immutable" in headers["Cache-Control"]
        entries += decode_bundle(data)
    store = InMemoryMerkleStore(leaf_hash(entry) for entry in entries)
    assert store_root(store) == base64.b64decode(note.decode().split("\n")[2])
    _, _, level0 = get(f"{tiles_url}/tile/0/001")
    assert split_hashes(level0) == [store.get_node(0, i) for i in range(256, 512)]
    width = size // 256
    _, _, level1 = get(f"{tiles_url}/tile/1/000.p/{width}")
    assert split_hashes(level1) == [store.get_node(8, i) for i in range(width)]


def test_a_tile_the_tree_does_not_cover_is_404_and_a_bad_path_too(tiles_url):
    assert get(f"{tiles_url}/tile/0/x001/000")[0] == 404
    assert get(f"{tiles_url}/tile/2/000.p/1")[0] == 404
    assert get(f"{tiles_url}/tile/0/x000/001")[0] == 404
    assert get(f"{tiles_url}/nothing")[0] == 404


def test_the_mirror_copies_the_ledger_and_verifies_it_against_the_checkpoint(
    tiles_url, rpc, tmp_path
):
    vkey = rpc.ledger.public_info()["ed25519_vkey"]
    out = tmp_path / "mirror"
    result = subprocess.run(
        [sys.executable, "-m", "ledger", "mirror", tiles_url, "--vkey", vkey, "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MIRROR VERIFIED" in result.stdout
    note = (out / "checkpoint").read_text()
    size = int(note.split("\n")[1])
    assert all((out / tile.path()).exists() for tile in tiles_for_size(size))


@pytest.mark.parametrize("target", ["tile/0/000", "tile/entries/001", "tile/1/000.p/"])
def test_the_mirror_refuses_a_log_that_serves_a_tampered_tile(tiles_url, rpc, target):
    honest = http_fetch()

    def tampering(url: str) -> bytes:
        data = honest(url)
        if target in url:
            data = data[:-1] + bytes([data[-1] ^ 1])
        return data

    key = parse_vkey(rpc.ledger.public_info()["ed25519_vkey"])
    with pytest.raises(MirrorRefused):
        mirror(tiles_url, None, key, fetch=tampering)


def test_an_entry_too_large_for_an_entry_bundle_is_refused(rpc, operator):
    wire = operator.wire("tile.note", stream(), 0, {"text": "x" * 65_600})
    (verdict,) = rpc.ledger.append([wire])["verdicts"]
    assert verdict == {**verdict, "ok": False} and verdict["error"]["code"] == "ENTRY_TOO_LARGE"
