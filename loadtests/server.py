"""What the services saw during a suite: their Prometheus figures scraped before and after it
(every process of the stack; services.common.metrics and services.ledger.metrics), summed
across processes and differenced. Means are exact (sum / count); no quantile is guessed from
histogram buckets."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset], float]


def scrape(urls: list[str]) -> Samples:
    """Every sample of every process, summed by name and labels (a process that does not
    answer adds nothing)."""
    total: Samples = {}
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            continue
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.name, frozenset(sample.labels.items()))
                total[key] = total.get(key, 0.0) + sample.value
    return total


def ledger_figures(before: Samples, after: Samples) -> dict:
    """The ledger's group commits during the suite: how many, their mean size and time, the
    entries they committed and the refusals by code."""

    def grew(name: str, **labels) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    commits = grew("billchain_ledger_commit_seconds_count")
    refused = {
        dict(labels)["code"]: round(value - before.get((name, labels), 0.0))
        for (name, labels), value in after.items()
        if name == "billchain_ledger_commands_refused_total"
        and value > before.get((name, labels), 0.0)
    }
    if not commits:
        return {"group_commits": 0, "refused": refused}
    return {
        "group_commits": round(commits),
        "mean_commands_per_commit": round(
            grew("billchain_ledger_commit_group_commands_sum") / commits, 1
        ),
        "mean_commit_ms": round(grew("billchain_ledger_commit_seconds_sum") / commits * 1000, 1),
        "entries_committed": round(grew("billchain_ledger_entries_committed_total")),
        "refused": refused,
    }
