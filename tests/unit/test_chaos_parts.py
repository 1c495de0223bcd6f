"""Parts of the fault drills that need no server: the quorum-queue wrapper the cluster drill
runs the services through, and the figures' section of docs/reliability.md (which another
section of that file must survive)."""

from __future__ import annotations

import pytest

from chaos.quorum import quorum_queue
from chaos.report import HEADING, write_reliability


@pytest.mark.parametrize(
    ("options", "queue_type"),
    [
        ({"durable": True}, "quorum"),  # a service's RPC or event-handler queue
        ({"durable": True, "queue_arguments": {"x-queue-type": "quorum"}}, "quorum"),
        ({"durable": True, "queue_arguments": {"x-queue-type": "classic"}}, "classic"),
        ({"queue_arguments": {"x-expires": 300000}}, None),  # a reply queue
        ({"durable": True, "auto_delete": True}, None),
        ({"durable": True, "exclusive": True}, None),
    ],
    ids=["durable", "already-quorum", "named-classic", "reply", "auto-delete", "exclusive"],
)
def test_only_durable_lasting_queues_become_quorum_queues_and_a_named_type_stays(
    options, queue_type
):
    queue = quorum_queue("rpc-bills", **options)
    assert (queue.queue_arguments or {}).get("x-queue-type") == queue_type


FIGURES = {
    "when": "2026-12-03T12:00:00+00:00",
    "machine": {"cpus": 2},
    "command": "python -m chaos --docs",
    "duration_s": 600.0,
    "passed": True,
    "drill_failures": [],
    "faults": [
        {
            "drill": "single", "fault": "kill-bills", "recovered": True,
            "time_to_recover_s": 6.9, "acknowledged_in_fault": 86, "lost": 0,
            "applied_twice": 0, "replays_accepted": 0, "replays_sent": 5,
            "bills_differing": 0, "invoices_differing": 0, "credit_differing": 0,
            "dead_lettered": {},
        }
    ],
}  # fmt: skip


def test_the_figures_replace_only_their_own_section_of_the_reliability_document(tmp_path):
    document = tmp_path / "reliability.md"
    document.write_text(f"# Reliability\n\n## Fuzzing\n\nkept\n\n{HEADING}\n\nprose\n")
    write_reliability(FIGURES, document)
    write_reliability({**FIGURES, "duration_s": 700.0}, document)
    text = document.read_text()
    assert "## Fuzzing\n\nkept" in text and "prose" in text
    assert text.count("| single | kill-bills | yes | 6.9 | 86 | 0 | 0 | 0/5 | 0 | 0 |") == 1
    assert "700 s" in text and "600 s" not in text
