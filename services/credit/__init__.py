"""Credit: scores SMEs from the ledger's three flows, reproducibly by checkpoint.

- ``world``: a seeded synthetic supply-chain world as signed ledger commands (+ labels).
- ``book`` / ``book_rules``: ledger entries folded into credit facts (pure).
- ``features``, ``network``: per-party features with the entry ids behind them (pure).
- ``scorecard``, ``policy``, ``assessment``: points, PD, grade, knock-outs, limit, reasons.
- ``dataset``, ``modelling``, ``train``, ``model_card``: training (optbinning) and its card.
- ``service``: the nameko service (``README.md`` has its RPC and event contract).
"""
