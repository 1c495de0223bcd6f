"""The ledger's c2sp.org/tlog-tiles read API, served from its stored Merkle nodes.

``python -m services.ledger.tiles --config config.yml`` serves, at ``LEDGER_TILES_ADDRESS``:

- ``GET /checkpoint`` — the latest checkpoint that meets the witness policy's quorum (without
  a policy, the latest checkpoint), ``text/plain; charset=utf-8``, cacheable for 1 s;
- ``GET /tile/<L>/<N>[.p/<W>]`` — 256 (or ``W``) hashes of tree level ``8·L``: leaf hashes
  for level 0, stored ``merkle_nodes`` above;
- ``GET /tile/entries/<N>[.p/<W>]`` — the leaves of the level-0 tile, uint16-length-prefixed.

Every node of a tile is final once the tree covers it, so tiles and bundles, full or partial,
are immutable: ``Cache-Control: public, max-age=31536000, immutable``, and kept in a bounded
in-process cache. A tile the tree does not cover yet is 404. A WSGI app (``TileApp``) on a
threaded server: psycopg2 blocks, so this runs outside the nameko hub, and any WSGI server can
host it instead (docs/decisions/0022).
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections import OrderedDict

from sqlalchemy import create_engine, select
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ledger.merkle import leaf_hash
from ledger.tiles import BadTilePath, Tile, encode_bundle, parse_tile_path
from ledger.witness_policy import WitnessPolicy
from services.ledger.appender import latest_checkpoint_note
from services.ledger.reads import tree_size
from services.ledger.tables import entries, merkle_nodes
from services.ledger.witnessing import witnessed_checkpoint

IMMUTABLE = "public, max-age=31536000, immutable"
CACHED_TILES = 4096  # full tiles are 8 KiB: at most 32 MiB of hashes, and bundles


class TileApp:
    def __init__(self, engine, policy: WitnessPolicy | None = None, prefix: str = ""):
        self.engine = engine
        self.policy = policy
        self.prefix = prefix.rstrip("/")
        self._cache: OrderedDict[Tile, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if request.method not in ("GET", "HEAD") or not path.startswith(self.prefix + "/"):
            return _text(404, "not found")(environ, start_response)
        path = path[len(self.prefix) + 1 :]
        if path == "checkpoint":
            return self._checkpoint()(environ, start_response)
        try:
            tile = parse_tile_path(path)
        except BadTilePath as exc:
            return _text(404, str(exc))(environ, start_response)
        data = self._tile(tile)
        if data is None:
            return _text(404, "the tree does not cover this tile")(environ, start_response)
        response = Response(data, content_type="application/octet-stream")
        response.headers["Cache-Control"] = IMMUTABLE
        return response(environ, start_response)

    def _checkpoint(self) -> Response:
        with self.engine.connect() as connection:
            found = witnessed_checkpoint(connection, self.policy) if self.policy else None
            note = found["note"] if found else latest_checkpoint_note(connection)
        if note is None:
            return _text(404, "no checkpoint yet")
        response = Response(note, content_type="text/plain; charset=utf-8")
        response.headers["Cache-Control"] = "public, max-age=1"
        return response

    def _tile(self, tile: Tile) -> bytes | None:
        with self._lock:
            if tile in self._cache:
                self._cache.move_to_end(tile)
                return self._cache[tile]
        with self.engine.connect() as connection:
            if tile.needs_size() > tree_size(connection):
                return None
            data = read_tile(connection, tile)
        with self._lock:
            self._cache[tile] = data
            if len(self._cache) > CACHED_TILES:
                self._cache.popitem(last=False)
        return data


def read_tile(connection, tile: Tile) -> bytes:
    """The bytes of a tile the tree covers: hashes (or leaves) ``first .. first + width``."""
    first, last = tile.first_node(), tile.first_node() + tile.width - 1
    if tile.level <= 0:
        rows = connection.execute(
            select(entries.c.leaf)
            .where(entries.c.sequence.between(first, last))
            .order_by(entries.c.sequence)
        ).scalars()
        leaves = [leaf.encode() for leaf in rows]
        return encode_bundle(leaves) if tile.is_entries else b"".join(map(leaf_hash, leaves))
    rows = connection.execute(
        select(merkle_nodes.c.hash)
        .where(
            merkle_nodes.c.level == tile.merkle_level,
            merkle_nodes.c.index.between(first, last),
        )
        .order_by(merkle_nodes.c.index)
    ).scalars()
    data = b"".join(bytes(node) for node in rows)
    if len(data) != 32 * tile.width:
        raise LookupError(f"merkle nodes of {tile.path()} are missing")
    return data


def _text(status: int, message: str) -> Response:
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


class QuietHandler(WSGIRequestHandler):
    """No line per request: a tile client fetches hundreds a second (errors still log)."""

    def log_request(self, code="-", size="-") -> None:
        pass


def make_app(config: dict) -> TileApp:
    policy_file = config.get("LEDGER_WITNESS_POLICY_FILE") or ""
    policy = WitnessPolicy.read(policy_file) if policy_file else None
    engine = create_engine(config["DATABASE_URL"], pool_size=8, pool_pre_ping=True)
    return TileApp(engine, policy, config.get("LEDGER_TILES_PREFIX", ""))


def main(argv: list[str] | None = None) -> None:
    from services.common.config import load_config

    parser = argparse.ArgumentParser(prog="python -m services.ledger.tiles")
    parser.add_argument("--config")
    parser.add_argument("--listen", help="host:port (default LEDGER_TILES_ADDRESS)")
    arguments = parser.parse_args(argv)
    config = load_config(arguments.config)
    listen = arguments.listen or config.get("LEDGER_TILES_ADDRESS", "127.0.0.1:8001")
    host, _, port = listen.rpartition(":")
    server = make_server(
        host, int(port), make_app(config), threaded=True, request_handler=QuietHandler
    )
    print(f"tiles on http://{host}:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a quiet stop
        server.serve_forever()


if __name__ == "__main__":
    main()
