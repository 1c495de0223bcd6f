"""The ledger as a nameko service: membership, signed appends, sealing, checkpoints, witnesses.

Unlike the rest of ``ledger/`` this package talks to PostgreSQL, Redis and RabbitMQ; the SDK
(``import ledger``) never imports it.
"""
