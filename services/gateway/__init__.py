"""The gateway: the platform's HTTP front door (JSON API under ``/api/v1``) and the bill portal."""
