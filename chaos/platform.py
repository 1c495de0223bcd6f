"""The platform under fault: every service as its own ``nameko run`` process (as deployed: one
process per pod), on the repository's ``config.yml`` with environment overrides pointing at the
drill's private servers, and a supervisor that restarts a process that died — what Kubernetes'
restart policy does — so "recovers by itself" is measured with the restart included.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from chaos.servers import free_port

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config.yml"
SERVICES = ("ledger", "bills", "invoices", "credit", "gateway")
# every service but the gateway answers health() over RPC (deploy/healthcheck.py)
# the liveness probe as deploy/k8s runs it: every LIVENESS_PERIOD_S, restart after
# LIVENESS_FAILURES failed probes in a row
LIVENESS_PERIOD_S = 10.0
LIVENESS_FAILURES = 3
GATEWAY_LIVENESS = "/api/v1/ledger/info"


@dataclass
class Process:
    service: str
    command: list[str]
    env: dict
    log: Path
    popen: subprocess.Popen | None = None
    restarts: int = 0
    liveness_restarts: int = 0
    failed_probes: int = 0

    def start(self) -> None:
        log = open(self.log, "a")  # noqa: SIM115
        self.popen = subprocess.Popen(
            self.command, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


@dataclass
class Platform:
    amqp_uri: str
    database_url: str
    redis_url: str
    work: Path
    processes: dict[str, Process] = field(default_factory=dict)
    gateway_url: str = ""
    quorum_queues: bool = False  # run the services through chaos.quorum (the cluster drill)
    _supervising: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None

    def env(self) -> dict:
        keys = self.work / "keys"
        return {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "AMQP_URI": self.amqp_uri,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": "chaos.",
            "CLOCK": "system",
            "LEDGER_ORIGIN": "chaos.billchain.local/ledger",
            "LEDGER_KEY_FILE": str(keys / "ledger.pem"),
            "LEDGER_ED25519_KEY_FILE": str(keys / "ledger-ed25519.pem"),
            "OPERATOR_KEY_FILE": str(keys / "operator.pem"),
            "LOG_LEVEL": "WARNING",
            "METRICS_ADDRESS": "127.0.0.1",
            "METRICS_PORT": "0",  # any free port: never one another process holds
            "DB_POOL_SIZE": "5",
            "DB_MAX_OVERFLOW": "5",
            # a credit service killed mid-load: financing answers CREDIT_UNAVAILABLE (on the
            # ledger, decided later) after this, rather than holding the caller 30 s
            "INVOICES_CREDIT_TIMEOUT_SECONDS": "5",
            "INVOICES_SWEEP_SECONDS": "5",
            "RPC_TIMEOUT_SECONDS": "20",
            "GATEWAY_COOKIE_SECURE": "false",
            "GATEWAY_RATE_LIMIT": "1000000",
            "GATEWAY_RATE_LIMIT_PER_ADDRESS": "1000000",
            "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
        }

    def prepare(self) -> None:
        """Keys, the ledger's schema and operator, every service's schema."""
        from ledger import generate_private_key, save_private_key
        from ledger.ed25519 import generate_ed25519_key, save_ed25519_key

        keys = self.work / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        for name in ("ledger", "operator"):
            save_private_key(generate_private_key(), keys / f"{name}.pem")
        save_ed25519_key(generate_ed25519_key(), keys / "ledger-ed25519.pem")
        with open(self.work / "setup.log", "w") as log:
            for step in (["services.ledger", "bootstrap"], ["deploy.local.migrate_services"]):
                command = [sys.executable, "-m", *step]
                if step[0] == "services.ledger":
                    command += ["--config", str(CONFIG)]
                done = subprocess.run(
                    command, env=self.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT
                )
                if done.returncode:
                    raise RuntimeError(f"{' '.join(step)} failed: see {self.work / 'setup.log'}")

    def start(self) -> None:
        address = f"127.0.0.1:{free_port()}"
        self.gateway_url = f"http://{address}"
        for service in SERVICES:
            env = self.env()
            if service == "gateway":
                env["WEB_SERVER_ADDRESS"] = address
            runner = "chaos.quorum" if self.quorum_queues else "nameko"
            command = [sys.executable, "-m", runner, "run", "--config", str(CONFIG)]
            command.append(f"services.{service}.service")
            log = self.work / f"{service}.log"
            self.processes[service] = Process(service, command, env, log)
            self.processes[service].start()
        atexit.register(self.stop)  # a drill that dies still stops its services, by PID
        self.wait_until_serving(timeout=180)
        self._supervising.set()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        """What Kubernetes does for a pod: restart a process that died (a kill -9, a crash),
        and kill and restart one that fails its liveness probe ``LIVENESS_FAILURES`` times in a
        row (alive but no longer serving: its consumers gone, say)."""
        from chaos.load import Client

        prober = Client(self.amqp_uri, name="chaos-liveness")
        next_probe = time.monotonic() + LIVENESS_PERIOD_S
        try:
            while self._supervising.is_set():
                for process in self.processes.values():
                    if not process.alive() and self._supervising.is_set():
                        process.restarts += 1
                        process.failed_probes = 0
                        process.start()
                if time.monotonic() >= next_probe:
                    self._probe_liveness(prober)
                    next_probe = time.monotonic() + LIVENESS_PERIOD_S
                time.sleep(0.2)
        finally:
            prober.close()

    def _probe_liveness(self, prober) -> None:
        for process in self.processes.values():
            if not self._supervising.is_set() or not process.alive():
                continue
            # the gateway's liveness goes through its RPC proxy (deploy/k8s/gateway.yaml):
            # alive but without a reply queue, it answers /api/v1/health and nothing else
            if self.answers(prober, process.service, GATEWAY_LIVENESS):
                process.failed_probes = 0
                continue
            process.failed_probes += 1
            if process.failed_probes >= LIVENESS_FAILURES:
                process.liveness_restarts += 1
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, 9)  # the supervisor's next round starts it again

    def kill(self, service: str) -> int:
        """SIGKILL the service's process (its PID only); the supervisor restarts it."""
        pid = self.processes[service].pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        return pid

    # -- health ---------------------------------------------------------------------------------

    def answers(self, client, service: str, route: str = "/api/v1/health") -> bool:
        """The service answered its probe (``client``: a ``chaos.load.Client``)."""
        if service == "gateway":
            try:
                with urllib.request.urlopen(f"{self.gateway_url}{route}", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False
        try:
            client.call(service, "health", timeout=3, attempts=1)
            return True
        except Exception:  # noqa: BLE001 (down, starting, reconnecting: not yet)
            return False

    def wait_until_serving(self, timeout: float) -> float:
        from chaos.load import Client

        started = time.monotonic()
        with contextlib.closing(Client(self.amqp_uri, name=f"probe-{secrets.token_hex(3)}")) as c:
            for service in SERVICES:
                while not self.answers(c, service):
                    for process in self.processes.values():
                        if process.popen.poll() is not None and not self._supervising.is_set():
                            raise RuntimeError(f"{process.service} exited: see {process.log}")
                    if time.monotonic() - started > timeout:
                        raise TimeoutError(f"{service} did not answer within {timeout:g} s")
                    time.sleep(0.3)
        return time.monotonic() - started

    def stop(self) -> None:
        if not self.processes:
            return
        self._supervising.clear()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for process in self.processes.values():  # all at once: each waits for its workers
            if process.alive():
                process.popen.terminate()
        for process in self.processes.values():
            with contextlib.suppress(Exception):
                process.stop(timeout=20)
        self.processes = {}
