"""The tile read API against plain static files of the same bytes, and a 100,000-entry mirror.

A throw-away ledger of ``ENTRIES`` entries (committed by ``Appender.commit`` directly: this is
about reading), served by ``python -m services.ledger.tiles`` in its own process. The mirror
copies it into a directory, verifying every tile and the root; that directory is then served
as static files by the same HTTP server stack (werkzeug's threaded server, files read per
request), and the same client — keep-alive connections from a few threads, every level-0 tile
and entry bundle in turn — measures requests per second against both. The figure is the
ratio, measured in the same run.
"""

from __future__ import annotations

import http.client
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_bench import signed_batches  # noqa: E402

from ledger import generate_private_key, save_private_key  # noqa: E402
from ledger.ed25519 import Ed25519NoteKey, generate_ed25519_key, save_ed25519_key  # noqa: E402
from ledger.keys import read_private_key  # noqa: E402
from ledger.mirror import mirror  # noqa: E402
from ledger.tiles import tiles_for_size  # noqa: E402
from services.ledger.appender import Appender  # noqa: E402
from services.ledger.operations import bootstrap, ledger_settings  # noqa: E402
from tests.support.infrastructure import create_database, drop_database, require_services  # noqa: E402

ENTRIES = 100_000
GROUP = 4000
SECONDS = 5.0  # per server, after a warm-up pass
CLIENTS = 4


def tile_serving(workdir: Path, entries: int = ENTRIES, progress=print) -> dict:
    services = require_services()
    database = f"billchain_bench_tiles_{secrets.token_hex(4)}"
    config = _config(workdir, create_database(services, database))
    servers = []
    try:
        bootstrap(config)
        _fill(config, entries, progress)
        config_file = str(workdir / "tiles.yml")
        tile_server = ["-m", "services.ledger.tiles", "--config", config_file]
        tile_server += ["--listen", "127.0.0.1:0"]
        tiles = _start(servers, [sys.executable, *tile_server])
        key = Ed25519NoteKey.of(config["LEDGER_ORIGIN"], ledger_settings(config).ed25519_key)
        report = mirror(tiles, workdir / "mirror", key, workers=8)
        progress(f"  mirror of {report.entries:,} entries: {report.seconds:.2f} s, verified")
        static_server = [str(ROOT / "bench" / "static_server.py"), str(workdir / "mirror")]
        static = _start(servers, [sys.executable, *static_server])
        paths = [f"/{t.path()}" for t in tiles_for_size(report.tree_size) if t.level <= 0]
        tile_rps, tile_bytes = _throughput(tiles, paths)
        static_rps, static_bytes = _throughput(static, paths)
        if tile_bytes != static_bytes:
            raise RuntimeError("the tile server and the static files served different bytes")
        progress(f"  tiles {tile_rps:,.0f} req/s, static files {static_rps:,.0f} req/s")
    finally:
        for process in servers:
            process.terminate()
            process.wait(10)
        drop_database(services, database)
    return {
        "entries": report.entries,
        "tiles": report.tiles,
        "mirror_seconds": round(report.seconds, 2),
        "mirror_bytes": report.bytes_fetched,
        "tile_requests_per_second": round(tile_rps),
        "static_requests_per_second": round(static_rps),
        "tiles_vs_static": round(tile_rps / static_rps, 2),
        "clients": CLIENTS,
        "seconds_each": SECONDS,
    }


def _config(workdir: Path, database_url: str) -> dict:
    keys = {name: workdir / f"{name}-tiles.pem" for name in ("ledger", "operator")}
    for path in keys.values():
        save_private_key(generate_private_key(), path)
    save_ed25519_key(generate_ed25519_key(), workdir / "ledger-ed25519-tiles.pem")
    config = {
        "DATABASE_URL": database_url,
        "LEDGER_ORIGIN": "bench.billchain.local/ledger",
        "LEDGER_KEY_FILE": str(keys["ledger"]),
        "LEDGER_ED25519_KEY_FILE": str(workdir / "ledger-ed25519-tiles.pem"),
        "OPERATOR_KEY_FILE": str(keys["operator"]),
    }
    (workdir / "tiles.yml").write_text(yaml.safe_dump(config))
    return config


def _fill(config: dict, entries: int, progress) -> None:
    engine = create_engine(config["DATABASE_URL"])
    appender = Appender(ledger_settings(config))
    operator = read_private_key(config["OPERATOR_KEY_FILE"])
    size, started = 1, time.perf_counter()
    try:
        while size < entries:
            commands = signed_batches("operator", operator, min(GROUP, entries - size), 1)[0]
            with engine.begin() as connection:
                outcomes, *_ = appender.commit(connection, commands, datetime.now(UTC))
            size += len(outcomes)
    finally:
        engine.dispose()
    progress(f"  {size:,}-entry ledger written in {time.perf_counter() - started:.1f} s")


def _start(servers: list, command: list[str]) -> str:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    servers.append(process)
    line = process.stdout.readline()  # "... on http://127.0.0.1:PORT/"
    return line.strip().rsplit(" ", 1)[-1].rstrip("/")


def _throughput(base: str, paths: list[str]) -> tuple[float, int]:
    """Requests per second over ``SECONDS`` after one warm-up pass; and the bytes of one pass."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    total = 0
    for path in paths:  # the warm-up pass: a cold tile is read from PostgreSQL once
        connection.request("GET", path)
        response = connection.getresponse()
        total += len(response.read())
        if response.status != 200:
            raise RuntimeError(f"{base}{path}: HTTP {response.status}")
    connection.close()
    counts = [0] * CLIENTS
    deadline = time.perf_counter() + SECONDS

    def client(number: int) -> None:
        own = http.client.HTTPConnection(host, int(port))
        position = number * 97
        while time.perf_counter() < deadline:
            own.request("GET", paths[position % len(paths)])
            own.getresponse().read()
            counts[number] += 1
            position += 1
        own.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), total


if __name__ == "__main__":
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        entries = int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES
        print(json.dumps(tile_serving(Path(directory), entries), indent=2))
