"""Timers whose interval is a setting: ``@configured_timer("BILLS_OUTBOX_SECONDS", 5)``."""

from __future__ import annotations

from nameko.timer import Timer


class ConfiguredTimer(Timer):
    """A timer whose interval (seconds) is read from config when the service starts; the
    default applies where the setting is absent."""

    def __init__(self, setting: str, default: float, **kwargs):
        self.setting = setting
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.setting, self.interval))


configured_timer = ConfiguredTimer.decorator
