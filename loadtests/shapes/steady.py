"""Ramp to ``--users`` at ``--spawn-rate``, hold until ``--run-time``, stop."""

from __future__ import annotations

from locust import LoadTestShape


class RampThenHold(LoadTestShape):
    use_common_options = True

    def tick(self):
        options = self.runner.environment.parsed_options
        if self.get_run_time() >= (options.run_time or 60):
            return None
        return options.num_users, options.spawn_rate
