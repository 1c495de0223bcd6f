"""Shared plumbing for the platform's services: config, database, Redis, clock, ledger client,
serializer and the error contract. It holds no business rule."""
