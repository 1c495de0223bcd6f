"""Projecting the ledger's ``invoice:``, ``trade:``, ``consent:`` and ``financing:`` streams into
the invoices tables, with the projection kit (``services.common.projection``), so that they
always equal a replay of those streams in global sequence order:

- ``streams``: which streams are the service's, and which decisions read other streams;
- ``reading``: aggregates replayed from their stored events, and the ``Records`` a decision
  reads — as of the entry being decided;
- ``applying``: the domain's decision on one entry (``InvoicesApplier``), its events stored and
  its query rows upserted in the same transaction as its tracking row;
- ``rows``: how aggregates map onto the query rows;
- ``marks``: the sweep's marks and measured decision times (not ledger facts).

A decision on one stream reads only its stream, whose version the ledger guards. A financing
decision reads other streams too (the pledged invoices, their trades, the applicant's consent
and open financings): it reads them *as of its own sequence* (events below it only), after
every entry before it on these streams has been applied (``InvoicesService._project`` catches
up from the ledger first). So the live decision, a healing and a rebuild decide alike, however
submits interleave, and no lock is held while the ledger is called.
"""
