"""Reading the ledger in order: every projection's one way through ``read_entries``.

``read_entries(after, limit, stream_prefix)`` is the ledger's RPC (through ``LedgerClient`` or
a standalone proxy): up to ``limit`` leaf records with a sequence above ``after``, on streams
starting with ``stream_prefix`` if one is given, in sequence order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping

from services.common.projection.entry import LedgerEntry

PAGE = 1000  # records per read
ReadEntries = Callable[[int, int, str | None], list[dict]]


def pages(
    read_entries: ReadEntries,
    *,
    after: int = -1,
    prefix: str | None = None,
    until: int | None = None,
    page: int = PAGE,
) -> Iterator[list[dict]]:
    """The ledger's records above ``after`` (and below ``until``, if given), page by page."""
    while until is None or after < until - 1:
        limit = page if until is None else min(page, until - 1 - after)
        records = read_entries(after, limit, prefix)
        kept = records if until is None else [r for r in records if r["sequence"] < until]
        if kept:
            yield kept
        if len(kept) < len(records) or len(records) < limit:
            return
        after = records[-1]["sequence"]


def entries(read_entries: ReadEntries, **options) -> Iterator[LedgerEntry]:
    """``pages`` entry by entry, as ``LedgerEntry`` values."""
    for found in pages(read_entries, **options):
        yield from map(LedgerEntry.from_record, found)


def stream_entries(read_entries: ReadEntries, stream: str, after: int = -1) -> list[LedgerEntry]:
    """Every entry of one stream above sequence ``after``, in order (the prefix read also
    returns streams that merely start with the same name)."""
    return [e for e in entries(read_entries, after=after, prefix=stream) if e.stream == stream]


def merged(
    read_entries: ReadEntries,
    prefixes: Iterable[str],
    after: int | Mapping[str, int] = -1,
    until: int | None = None,
) -> Iterator[LedgerEntry]:
    """The entries on streams of several prefixes, in global sequence order: one paged read
    per prefix (from its own ``after``, if a mapping gives one per prefix), merged."""
    starts = after if isinstance(after, Mapping) else dict.fromkeys(prefixes, after)
    reads = [
        entries(read_entries, prefix=prefix, after=starts[prefix], until=until)
        for prefix in prefixes
    ]
    return heapq.merge(*reads, key=lambda entry: entry.sequence)
