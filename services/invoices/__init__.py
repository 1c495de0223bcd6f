"""Invoices, trade documents, the three-flow match, the cross-bank financing registry, consent
and receivable financing.

The domain here is pure: frozen dataclasses and ``decide``/``evolve`` functions per stream kind,
re-exported from ``services.invoices.domain``. Nothing in this package imports nameko, kombu,
redis or SQLAlchemy.
"""
