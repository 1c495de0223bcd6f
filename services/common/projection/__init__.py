"""The projection kit: how a service keeps tables that are a projection of the ledger.

Nothing is imported here, so a pure module can take ``projection.entry`` alone.
"""
