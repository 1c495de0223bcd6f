"""The ledger's own Prometheus figures, served by the process's exporter
(``services.common.metrics``) beside every entrypoint's calls and time."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ENTRIES = Counter("billchain_ledger_entries_committed", "Entries the ledger committed")
REFUSED = Counter(
    "billchain_ledger_commands_refused", "Commands the ledger refused, by code", ["code"]
)
COMMIT_SECONDS = Histogram(
    "billchain_ledger_commit_seconds",
    "One group commit: its transaction, the wait for the writer lock included",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
GROUP = Histogram(
    "billchain_ledger_commit_group_commands",
    "Commands decided in one group commit",
    buckets=(1, 2, 5, 10, 50, 100, 500, 1000, 2000, 4000),
)
TREE_SIZE = Gauge("billchain_ledger_tree_size", "Entries in the tree this process last saw")
