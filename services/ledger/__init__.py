"""The ledger as a nameko service: membership, signed appends, sealing, checkpoints, witnesses.

Unlike the SDK in the top-level ``ledger/`` package (which auditors and banks import, and which
never imports this one), this package talks to PostgreSQL, Redis and RabbitMQ.
"""
