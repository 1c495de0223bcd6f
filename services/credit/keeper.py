"""The service's in-memory credit book, kept in step with the ``credit.entries`` table.

``BookKeeper`` (a dependency provider: one per service container) holds a live book that
contains every stored entry below ``size``, and moves it forward on demand. A book for an
earlier tree size (``score_at`` a past checkpoint) is rebuilt from the stored entries and
kept in a small cache. Callers hold ``lock`` while they advance and compute, so two workers
never fold entries into the live book at once; computing is pure CPU, so no other greenthread
runs in between. ``walk`` serves a score history: one fresh book folded forward through many
past tree sizes, one replay for all of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from services.credit.domain.book import CreditBook
from services.credit.domain.features import Snapshot, take_snapshot
from services.credit.projection import stored_records, stored_size

PAST_BOOKS = 4


class Books:
    def __init__(self):
        self.lock = Semaphore()
        self.live = CreditBook()
        self.size = 0  # the live book holds every stored entry with sequence < size
        self.past: OrderedDict[int, CreditBook] = OrderedDict()
        self.snapshots: OrderedDict[tuple[int, str], Snapshot] = OrderedDict()

    def snapshot(self, session, tree_size: int, as_of) -> Snapshot:
        """The book at ``tree_size`` seen at ``as_of``, network computed once per checkpoint."""
        key = (tree_size, as_of.isoformat())
        book = self.at(session, tree_size)
        cached = self.snapshots.get(key)
        if cached is None or cached.book is not book:
            cached = self.snapshots[key] = take_snapshot(book, as_of)
            while len(self.snapshots) > PAST_BOOKS:
                self.snapshots.popitem(last=False)
        return cached

    def at(self, session, tree_size: int) -> CreditBook:
        """The book of the entries below ``tree_size`` (all of them must be stored)."""
        stored = stored_size(session)
        if tree_size > stored:
            raise RuntimeError(f"entries below {tree_size} are not all stored ({stored})")
        if tree_size >= self.size:
            if tree_size > self.size:
                self.live.apply_all(stored_records(session, self.size, tree_size))
                self.size = tree_size
                # snapshots of the live book at its old size no longer describe it
                self.snapshots = OrderedDict(
                    (k, v) for k, v in self.snapshots.items() if v.book is not self.live
                )
            return self.live
        if tree_size not in self.past:
            self.past[tree_size] = CreditBook().apply_all(stored_records(session, 0, tree_size))
            while len(self.past) > PAST_BOOKS:
                self.past.popitem(last=False)
        self.past.move_to_end(tree_size)
        return self.past[tree_size]


def walk(read: Callable[[int, int], list[dict]], sizes: list[int]) -> Iterator[CreditBook]:
    """A book of the entries below each of ``sizes`` (ascending), in turn: ``read(start,
    stop)`` gives the stored records in ``[start, stop)``. The same book is yielded each time,
    moved on; use it before asking for the next. Private to the caller, so no lock."""
    book, folded = CreditBook(), 0
    for size in sizes:
        book.apply_all(read(folded, size))
        folded = size
        yield book


class BookKeeper(DependencyProvider):
    def setup(self):
        self.books = Books()

    def get_dependency(self, worker_ctx):
        return self.books
