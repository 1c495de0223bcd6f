"""Copy a whole tiled log (c2sp.org/tlog-tiles) and verify it against its checkpoint.

``python -m ledger mirror URL --vkey VKEY [--policy FILE] --out DIR``: fetch ``/checkpoint``
and check its signature (and the witness quorum, with a policy); fetch every tile and entry
bundle the tree has, in parallel; then recompute everything from the entries alone — each
level-0 tile from the leaves' hashes, each higher tile from the full tiles below, the root from
all leaves — and refuse the copy unless every fetched byte and the checkpoint's root agree.
Only then is ``DIR`` written, in the same layout, so it can itself be served as static files.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ledger.checkpoints import verify_checkpoint
from ledger.errors import LedgerError
from ledger.merkle import leaf_hash, root_hash
from ledger.tiles import TILE_WIDTH, Tile, decode_bundle, split_hashes, tiles_for_size


class MirrorRefused(LedgerError):
    """Raised when what the log served does not add up to its checkpoint."""

    code = "MIRROR_REFUSED"


@dataclass(frozen=True)
class MirrorReport:
    tree_size: int
    root_hash: bytes
    tiles: int
    entries: int
    bytes_fetched: int
    seconds: float


Fetch = Callable[[str], bytes]


def http_fetch(timeout: float = 30.0) -> Fetch:
    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()

    return fetch


def mirror(
    url: str,
    out: Path | None,
    log_key=None,
    policy=None,
    workers: int = 8,
    fetch: Fetch | None = None,
) -> MirrorReport:
    """Mirror the log at ``url`` into ``out`` (None: verify only); raise ``MirrorRefused`` or
    ``InvalidCheckpoint``."""
    if log_key is None and policy is None:
        raise MirrorRefused("a mirror checks the checkpoint with a log key or a witness policy")
    fetch = fetch or http_fetch()
    base = url.rstrip("/")
    started = time.perf_counter()
    note = fetch(base + "/checkpoint").decode()
    verified = verify_checkpoint(note, log_key) if log_key is not None else None
    if policy is not None:
        verified = policy.verify(note)
    checkpoint = verified.checkpoint
    tiles = tiles_for_size(checkpoint.tree_size)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        bodies = pool.map(lambda tile: fetch(f"{base}/{tile.path()}"), tiles)
        fetched = dict(zip(tiles, bodies, strict=True))
    leaves = _check(fetched, checkpoint.tree_size, checkpoint.root_hash)
    if out is not None:
        _write(Path(out), note, fetched)
    return MirrorReport(
        checkpoint.tree_size,
        checkpoint.root_hash,
        len(tiles),
        len(leaves),
        sum(map(len, fetched.values())) + len(note),
        time.perf_counter() - started,
    )


def _check(fetched: dict[Tile, bytes], size: int, root: bytes) -> list[bytes]:
    """Recompute every tile from the entries; return the leaf hashes."""
    entries: list[bytes] = []
    bundles = sorted((t for t in fetched if t.is_entries), key=lambda t: t.index)
    for bundle in bundles:
        decoded = decode_bundle(fetched[bundle])
        if len(decoded) != bundle.width:
            raise MirrorRefused(f"{bundle.path()} holds {len(decoded)} entries, not {bundle.width}")
        entries += decoded
    hashes = [leaf_hash(entry) for entry in entries]
    if len(hashes) != size or root_hash(hashes) != root:
        raise MirrorRefused("the entries do not hash to the checkpoint's root")
    level, level_hashes = 0, hashes
    while level_hashes:
        for tile in (t for t in fetched if t.level == level):
            start = tile.index * TILE_WIDTH
            expected = level_hashes[start : start + tile.width]
            if split_hashes(fetched[tile]) != expected:
                raise MirrorRefused(f"{tile.path()} differs from the hashes of the entries")
        full = len(level_hashes) // TILE_WIDTH
        level_hashes = [
            root_hash(level_hashes[i * TILE_WIDTH : (i + 1) * TILE_WIDTH]) for i in range(full)
        ]
        level += 1
    return hashes


def _write(out: Path, note: str, fetched: dict[Tile, bytes]) -> None:
    for tile, data in fetched.items():
        path = out / tile.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    out.mkdir(parents=True, exist_ok=True)
    (out / "checkpoint").write_text(note)
