"""The projection kit: how a service keeps tables that are a projection of the ledger
(docs/decisions/0024). A service supplies its rules (an ``Applier``); the kit does the rest:

- ``entry``: ``LedgerEntry``, the one value of a committed entry (pure);
- ``paging``: reading the ledger in order through ``read_entries``;
- ``tracking``: which entries a projection took, by stream or by sequence, in its transaction;
- ``outbox``: events written with the projection, relayed after the commit;
- ``applying``: one transaction of entries, and rebuild;
- ``hints``: an ``entries_committed`` event believed only as far as the ledger holds it;
- ``projector``: the dependency provider and the worker's ``Projection`` over all of these;
- ``tables``, ``migrations``: the kit's tables in a service's schema and migrations.

Nothing is imported here, so a pure module can take ``projection.entry`` alone.
"""
