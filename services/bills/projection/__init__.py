"""Projecting the ledger's ``bill:<package_no>`` streams into the bills tables, with the
projection kit (``services.common.projection``: tracking, outbox, paging, healing):

- ``streams``: the names of bill streams;
- ``state``: reading a bill and its stream's version back from the tables;
- ``applying``: the bill rules on one entry (``BillsApplier``), whoever delivers it — ``submit``
  after its own append, the ``entries_committed`` handler (entries others appended straight to
  the ledger, or a submit that died after its append) and ``rebuild``;
- ``rows``: the history and flattened state rows it writes;
- ``messages``: the events subscribers receive.
"""
