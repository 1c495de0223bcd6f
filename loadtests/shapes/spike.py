"""A third of ``--users`` for 40% of ``--run-time``, all of them for 20%, a third again."""

from __future__ import annotations

from locust import LoadTestShape


class Spike(LoadTestShape):
    use_common_options = True

    def tick(self):
        options = self.runner.environment.parsed_options
        run_time, elapsed = options.run_time or 60, self.get_run_time()
        if elapsed >= run_time:
            return None
        baseline = max(1, options.num_users // 3)
        spiking = 0.4 * run_time <= elapsed < 0.6 * run_time
        return (options.num_users if spiking else baseline), max(options.spawn_rate, 10)
