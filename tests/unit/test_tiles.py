"""c2sp.org/tlog-tiles paths, tile sets and entry bundles."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.tiles import (
    BadTilePath,
    Tile,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
    tiles_for_size,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_a_tile_index_is_written_in_x_prefixed_groups_of_three_digits(index, path):
    assert encode_index(index) == path
    assert parse_tile_path(f"tile/3/{path}") == Tile(3, index)


@pytest.mark.parametrize(
    ("path", "tile"),
    [
        ("tile/0/x001/x234/067.p/8", Tile(0, 1234067, 8)),
        ("tile/entries/000", Tile(-1, 0)),
        ("tile/entries/x002/001.p/255", Tile(-1, 2001, 255)),
        ("tile/63/000.p/1", Tile(63, 0, 1)),
    ],
)
def test_tile_paths_parse_and_print_back(path, tile):
    assert parse_tile_path(path) == tile and tile.path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/64/000",
        "tile/01/000",
        "tile/0/1",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/entries",
        "tiles/0/000",
        "tile/data/000",
    ],
)
def test_a_malformed_tile_path_is_refused(path):
    with pytest.raises(BadTilePath):
        parse_tile_path(path)


def test_a_tree_of_70000_has_the_tiles_the_spec_lists():
    """c2sp.org/tlog-tiles: 273 full level-0 tiles, one of width 112, one full level-1 tile, one
    of width 17, and a level-2 tile of width 1."""
    tiles = [t for t in tiles_for_size(70_000) if not t.is_entries]
    assert [t for t in tiles if t.width != 256] == [
        Tile(0, 273, 112),
        Tile(1, 1, 17),
        Tile(2, 0, 1),
    ]
    assert sum(t.level == 0 and t.width == 256 for t in tiles) == 273
    assert Tile(1, 0) in tiles and len(tiles) == 273 + 4
    assert [t for t in tiles_for_size(256) if not t.is_entries] == [Tile(0, 0), Tile(1, 0, 1)]


def test_an_entry_bundle_is_uint16_length_prefixed_entries():
    entries = [b"", b"a", b"x" * 65_535]
    data = encode_bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a" and decode_bundle(data) == entries
