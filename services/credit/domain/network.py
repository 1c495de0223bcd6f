"""The network signal: core-enterprise trust propagated down the trade graph.

Personalised PageRank in its TrustRank form (Gyöngyi et al., VLDB 2004): the seeds are the
core enterprises (anchors of bank programmes, weighted by programme limit); an edge runs from
a payer to the supplier it paid, weighted by the amount paid on time (by the due date plus a
three-day grace), so late or unpaid amounts carry no trust. Each round a party keeps
``1 − α`` of the seed mass and passes ``α`` of its trust to the suppliers it paid, in
proportion to what it paid them:

    trust = (1 − α)·seed + α · Σ_{payer→party} trust(payer) · w(payer, party) / W_out(payer)

Trust that reaches a party with no outgoing payments stays there (no "dangling" mass is sent
back to the seeds), so a party's own payments never change its own trust unless the trade
graph loops back to it. The index reported is trust × (number of enterprises) — 1.0 is an
average share — capped at ``CAP`` so proximity to a core can lift a score only so far.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from services.credit.domain.book import CreditBook
from services.credit.domain.facts import china_day

ALPHA = 0.85
ROUNDS = 40
CAP = 5.0
GRACE = timedelta(days=3)


@dataclass
class TrustGraph:
    weights: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    evidence: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


def on_time_edges(book: CreditBook) -> TrustGraph:
    """payer → supplier, weighted by amounts paid on time, with the payment entries."""
    graph = TrustGraph()
    for invoice in book.invoices.values():
        if invoice.buyer is None or invoice.due is None:
            continue
        for at, amount, entry_id in invoice.payments:
            if china_day(at) <= invoice.due + GRACE:
                edges = graph.weights[invoice.buyer]
                edges[invoice.seller] = edges.get(invoice.seller, 0) + amount
                graph.evidence[invoice.seller].append((amount, entry_id))
    return graph


def trust_index(book: CreditBook) -> tuple[dict[str, float], TrustGraph]:
    """Capped trust index per enterprise, and the graph it came from (for reasons)."""
    graph = on_time_edges(book)
    enterprises = [p for p, facts in book.parties.items() if facts.kind == "enterprise"]
    seeds = {anchor: limit for anchor, (limit, _) in book.cores.items() if limit > 0}
    total = sum(seeds.values())
    if not enterprises or not total:
        return {party: 0.0 for party in enterprises}, graph
    seed = {party: seeds.get(party, 0) / total for party in enterprises}
    outgoing = {payer: sum(edges.values()) for payer, edges in graph.weights.items()}
    trust = dict(seed)
    for _ in range(ROUNDS):
        passed: dict[str, float] = defaultdict(float)
        for payer, edges in graph.weights.items():
            share = trust.get(payer, 0.0) * ALPHA / outgoing[payer]
            for supplier, weight in edges.items():
                passed[supplier] += share * weight
        trust = {p: (1 - ALPHA) * seed[p] + passed.get(p, 0.0) for p in enterprises}
    scale = len(enterprises)
    return {p: min(CAP, value * scale) for p, value in trust.items()}, graph
