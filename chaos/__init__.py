"""Fault drills under load (``make chaos``, docs/reliability.md): private RabbitMQ, PostgreSQL
and Redis servers (``servers``), the platform as ``nameko run`` processes with a supervisor
(``platform``), a steady signed load that resends unanswered commands (``load``), the faults
(``faults``), the checks after each (``checks``) and the drill that strings them together
(``drill``); ``python -m chaos``."""
