"""The kit's tables in a service's own schema: ``TRACKING, OUTBOX = projection_tables(metadata)``.

Per stream (bills, invoices): ``positions`` and ``processed_entries``; following the whole log
(credit, ``per_stream=False``): ``positions`` alone. Both: the ``outbox``. A service's tables
module declares them beside its own, so its migrations and a rebuild see them as its tables.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from services.common.projection.outbox import Outbox, outbox_table
from services.common.projection.tracking import Tracking, position_table, processed_table


def projection_tables(metadata: MetaData, per_stream: bool = True) -> tuple[Tracking, Outbox]:
    processed = processed_table(metadata) if per_stream else None
    return Tracking(position_table(metadata), processed), Outbox(outbox_table(metadata))
