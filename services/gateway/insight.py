"""Gateway routes beyond the bills: invoices and trades (three flows), financing, credit, the
ledger explorer and the regulator's trace. A mixin of ``GatewayService``; each route stays a
thin adapter (authenticate, authorise, one RPC call, JSON)."""

from __future__ import annotations


class InsightRoutes:
    """Mixed into ``GatewayService``; its routes use the service's dependencies."""


def openapi_paths(op, path_param, errors) -> dict:
    """The OpenAPI paths of these routes, built with ``openapi.py``'s helpers."""
    return {}
