"""Four equal steps up to ``--users`` over ``--run-time``: where does latency start to bend?"""

from __future__ import annotations

import math

from locust import LoadTestShape

STEPS = 4


class StepUp(LoadTestShape):
    use_common_options = True

    def tick(self):
        options = self.runner.environment.parsed_options
        run_time, elapsed = options.run_time or 60, self.get_run_time()
        if elapsed >= run_time:
            return None
        step = min(STEPS, 1 + int(elapsed // (run_time / STEPS)))
        users = max(1, math.ceil(options.num_users * step / STEPS))
        return users, options.spawn_rate
