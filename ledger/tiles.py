"""c2sp.org/tlog-tiles: tile paths, what a tile holds, and entry bundles.

A tile at level ``L``, index ``N`` holds up to 256 consecutive Merkle tree hashes of level
``8·L`` (hash ``i`` covers leaves ``(N·256 + i)·256^L`` up to the next), so every hash in it is a
node the ledger already stores. A full tile is 8,192 bytes; the rightmost tiles of a tree are
partial (``.p/<W>``, width 1–255). ``N`` is written in 3-digit groups, all but the last
prefixed with ``x``: 1234067 is ``x001/x234/067``. An entry bundle holds the leaves of a level-0
tile, each as a big-endian uint16 length and the leaf bytes.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from ledger.errors import LedgerError

TILE_HEIGHT = 8
TILE_WIDTH = 256
HASH_SIZE = 32
MAX_ENTRY_BYTES = 0xFFFF  # an entry bundle's length prefix is a uint16
_INDEX_PART = re.compile(r"\A[0-9]{3}\Z")


class BadTilePath(LedgerError):
    """Raised when a path is not a tile or entry bundle path of c2sp.org/tlog-tiles."""

    code = "BAD_TILE_PATH"


@dataclass(frozen=True)
class Tile:
    level: int  # -1 for an entry bundle
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        return self.level < 0

    @property
    def merkle_level(self) -> int:
        """The level of the tree nodes the tile's hashes are."""
        return TILE_HEIGHT * max(self.level, 0)

    def path(self) -> str:
        kind = "entries" if self.is_entries else str(self.level)
        partial = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{partial}"

    def first_node(self) -> int:
        """The index, at ``merkle_level``, of the tile's first hash."""
        return self.index * TILE_WIDTH

    def needs_size(self) -> int:
        """The smallest tree size that holds this tile whole."""
        return (self.first_node() + self.width) << self.merkle_level


def encode_index(index: int) -> str:
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + group for group in groups[:-1]), groups[-1]])


def parse_tile_path(path: str) -> Tile:
    """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (no leading slash)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise BadTilePath("not a tile path")
    kind, rest = parts[1], parts[2:]
    if kind == "entries":
        level = -1
    elif re.fullmatch(r"0|[1-9][0-9]?", kind) and int(kind) <= 63:
        level = int(kind)
    else:
        raise BadTilePath("a tile level is 0 to 63, or 'entries'")
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not re.fullmatch(r"[1-9][0-9]{0,2}", rest[-1]) or int(rest[-1]) >= TILE_WIDTH:
            raise BadTilePath("a partial tile's width is 1 to 255")
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2][:-2]]
    if not rest or any(not part.startswith("x") for part in rest[:-1]):
        raise BadTilePath("all but the last index element begin with 'x'")
    groups = [part[1:] for part in rest[:-1]] + [rest[-1]]
    if not all(_INDEX_PART.match(group) for group in groups):
        raise BadTilePath("a tile index is written in 3-digit groups")
    index = int("".join(groups))
    if encode_index(index) != "/".join(rest):  # one spelling per index: no x000/ padding
        raise BadTilePath("a tile index has no leading zero groups")
    return Tile(level, index, width)


def tiles_for_size(size: int) -> list[Tile]:
    """Every tile (hash tiles of each level, and entry bundles) of a tree of ``size``."""
    tiles, level = [], 0
    while (size >> (TILE_HEIGHT * level)) > 0:
        nodes = size >> (TILE_HEIGHT * level)
        for index in range(nodes // TILE_WIDTH):
            tiles.append(Tile(level, index))
        if nodes % TILE_WIDTH:
            tiles.append(Tile(level, nodes // TILE_WIDTH, nodes % TILE_WIDTH))
        level += 1
    tiles += [Tile(-1, tile.index, tile.width) for tile in tiles if tile.level == 0]
    return tiles


def encode_bundle(entries: list[bytes]) -> bytes:
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise LedgerError("an entry bundle holds entries of at most 65,535 bytes")
    return b"".join(struct.pack(">H", len(entry)) + entry for entry in entries)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise LedgerError("an entry bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, at)
        if at + 2 + length > len(data):
            raise LedgerError("an entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return entries


def split_hashes(data: bytes) -> list[bytes]:
    if len(data) % HASH_SIZE:
        raise LedgerError("a tile is a whole number of 32-byte hashes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
