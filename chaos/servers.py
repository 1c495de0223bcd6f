"""Private servers for the fault drills: RabbitMQ nodes, PostgreSQL and Redis of our own, on
ports of our own, in a temporary directory — never the machine's shared ones (5672, 5432,
6379, node ``rabbit@<host>``).

Every process is started here and stopped or killed by its PID only; ``Servers.close()`` tears
all of it down and is registered with ``atexit`` too, so a failed run leaves nothing behind.

RabbitMQ: each node has its own name, AMQP and distribution ports, data and log directories,
config file, an empty plugin list (the machine's management plugin would take 15672) and a
private ``HOME`` holding the Erlang cookie, so ``rabbitmqctl`` here reaches our nodes only.
PostgreSQL runs as the ``postgres`` user (initdb refuses root); its postmaster's PID gets the
shutdown signals ``pg_ctl`` would send (SIGINT fast, SIGQUIT immediate).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SHARED_PORTS = {5672, 15672, 25672, 5432, 6379}
PG_USER = "postgres"


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in SHARED_PORTS and port + 20000 < 65536:
            return port


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(check, what: str, timeout: float) -> float:
    """Poll ``check`` until true; the seconds it took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what} did not come up within {timeout:g} s")
        time.sleep(0.2)
    return time.monotonic() - started


def _stop_process(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# -- RabbitMQ ---------------------------------------------------------------------------------


@dataclass
class RabbitNode:
    name: str  # chaos-<run>-1@localhost
    port: int
    dist_port: int
    base: Path
    home: Path
    process: subprocess.Popen | None = None

    def env(self) -> dict:
        return {
            **os.environ,
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),  # .conf appended
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbit.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CTL_ERL_ARGS": "",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def prepare(self) -> None:
        for directory in ("mnesia", "log"):
            (self.base / directory).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            # a node whose side of a partition is the minority stops serving, as in production
            "cluster_partition_handling = pause_minority\n"
            # the machine is shared: never let a disk or memory alarm of ours block publishers
            "disk_free_limit.absolute = 50MB\n"
            "vm_memory_high_watermark.relative = 0.8\n"
        )

    def start(self, timeout: float = 120) -> float:
        log = open(self.base / "log" / "console.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self.wait_until_serving(timeout)

    def wait_until_serving(self, timeout: float = 120) -> float:
        def up() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"RabbitMQ node {self.name} exited: see {self.base}/log")
            return answers(self.port)

        return wait_for(up, f"RabbitMQ node {self.name}", timeout)

    def ctl(self, *arguments: str, timeout: float = 120, check: bool = True) -> str:
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name, *arguments],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(arguments)}: {done.stderr or done.stdout}")
        return done.stdout

    def queues(self, *columns: str) -> list[list[str]]:
        """``rabbitmqctl list_queues`` rows (name first), every vhost's default one."""
        out = self.ctl("list_queues", "-q", "--no-table-headers", "name", *columns, timeout=60)
        return [line.split("\t") for line in out.splitlines() if line.strip()]

    def stop(self, timeout: float = 60) -> None:
        """A full stop: the node shuts down and its process exits."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(Exception):
            self.ctl("stop", timeout=timeout, check=False)
        _stop_process(self.process, timeout=timeout)
        self._kill_beam()

    def _kill_beam(self, sig=signal.SIGKILL) -> None:
        """The Erlang VM's PID, as the node wrote it: only our node's."""
        pid_file = self.base / "rabbit.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), sig)

    def discard(self) -> None:
        """End of the drill: the node's data is thrown away, so no orderly stop is needed."""
        if self.process is None or self.process.poll() is not None:
            return
        self._kill_beam(signal.SIGTERM)  # the VM stops its applications and exits
        _stop_process(self.process, timeout=15)
        self._kill_beam()


@dataclass
class Rabbit:
    nodes: list[RabbitNode]

    def uri(self, user: str = "guest", password: str = "guest", vhost: str = "/") -> str:
        """Every node in one AMQP URI: kombu fails over along ``;``-separated URLs."""
        path = "/" if vhost == "/" else vhost
        return ";".join(
            f"pyamqp://{user}:{password}@127.0.0.1:{node.port}/{path}" for node in self.nodes
        )

    def start(self) -> None:
        """Start every node (at once: each takes a while to boot); the others join the first
        one's cluster."""
        errors = []

        def boot(node):
            try:
                node.start()
            except BaseException as exc:  # noqa: BLE001 (raised below)
                errors.append(exc)

        booting = [threading.Thread(target=boot, args=(node,)) for node in self.nodes]
        for thread in booting:
            thread.start()
        for thread in booting:
            thread.join()
        if errors:
            raise errors[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", self.nodes[0].name)
            node.ctl("start_app")


def plan_rabbit(base: Path, run: str, size: int = 1) -> Rabbit:
    """The nodes' names, ports, directories and shared cookie; nothing started yet."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    cookie = home / ".erlang.cookie"
    cookie.write_text(secrets.token_hex(20).upper())
    cookie.chmod(0o400)
    nodes = []
    for index in range(1, size + 1):
        port = free_port()
        node = RabbitNode(
            name=f"chaos-{run}-{index}@localhost",
            port=port,
            dist_port=port + 20000,
            base=base / f"node{index}",
            home=home,
        )
        node.prepare()
        nodes.append(node)
    return Rabbit(nodes)


# -- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class Postgres:
    data: Path
    port: int
    log: Path
    process: subprocess.Popen | None = None
    standby_of: int | None = None  # the primary's port, for a streaming replica

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> float:
        log = open(self.log, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port)],
            user=PG_USER,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return wait_for(self.ready, f"PostgreSQL on {self.port}", timeout)

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"PostgreSQL on {self.port} exited: see {self.log}")
        done = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return done.returncode == 0

    def shutdown(self, mode: str) -> None:
        """``fast`` (SIGINT: roll back, checkpoint, exit) or ``immediate`` (SIGQUIT: exit at
        once, recover from the WAL on the next start), to our postmaster's PID."""
        sig = {"fast": signal.SIGINT, "immediate": signal.SIGQUIT, "smart": signal.SIGTERM}[mode]
        if self.process is not None:
            _stop_process(self.process, sig, timeout=60)

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER,
             "-d", database, "-Atqc", sql],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"psql: {done.stderr}")
        return done.stdout.strip()

    def require_synchronous(self, standby: str, timeout: float = 60) -> None:
        """Commits wait from now on until ``standby`` has flushed them (set after the standby
        was copied, so that the copy, once promoted, does not wait for a standby of its own)."""
        self.psql(f"ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ({standby})'")
        self.psql("SELECT pg_reload_conf()")
        query = f"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{standby}'"
        wait_for(lambda: self.psql(query) == "sync", f"synchronous standby {standby}", timeout)

    def promote(self) -> None:
        self.psql("SELECT pg_promote(wait => true, wait_seconds => 60)")
        self.standby_of = None


def _as_postgres(base: Path) -> None:
    shutil.chown(base, PG_USER, PG_USER)


def init_postgres(base: Path, settings: dict[str, str] | None = None) -> Postgres:
    base.mkdir(parents=True, exist_ok=True)
    _as_postgres(base)
    data = base / "data"
    subprocess.run(
        [str(PG_BIN / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
         "--no-sync"],
        user=PG_USER, check=True, capture_output=True,
    )  # fmt: skip
    conf = {
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{base}'",
        "max_connections": "200",
        "shared_buffers": "64MB",
        "wal_level": "replica",
        "max_wal_senders": "5",
        "hot_standby": "on",
        "fsync": "on",
        **(settings or {}),
    }
    with open(data / "postgresql.conf", "a") as file:
        file.writelines(f"{key} = {value}\n" for key, value in conf.items())
    with open(data / "pg_hba.conf", "a") as file:
        file.write("host replication all 127.0.0.1/32 trust\n")
    server = Postgres(data=data, port=free_port(), log=base / "postgres.log")
    server.start()
    return server


def base_backup(primary: Postgres, base: Path, name: str = "standby") -> Postgres:
    """A streaming replica of ``primary`` (pg_basebackup -R: it follows the primary)."""
    base.mkdir(parents=True, exist_ok=True)
    _as_postgres(base)
    data = base / "data"
    subprocess.run(
        [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
         PG_USER, "-D", str(data), "-R", "-X", "stream", "--no-sync",
         "-d", f"application_name={name}"],
        user=PG_USER, check=True, capture_output=True,
    )  # fmt: skip
    with open(data / "postgresql.conf", "a") as file:
        file.write(f"unix_socket_directories = '{base}'\n")
        # the primary's wait for a synchronous standby came along in the copied config; once
        # promoted, this server is alone and must not wait for a standby that is not there
        file.write("synchronous_standby_names = ''\n")
    # -R writes the primary's connection into postgresql.auto.conf; name the standby in it, so
    # the primary's synchronous_standby_names can wait for it
    auto = data / "postgresql.auto.conf"
    auto.write_text(
        auto.read_text().replace(
            "primary_conninfo = '", f"primary_conninfo = 'application_name={name} "
        )
    )
    standby = Postgres(data=data, port=free_port(), log=base / "postgres.log")
    standby.standby_of = primary.port
    standby.start()
    return standby


# -- Redis ------------------------------------------------------------------------------------


@dataclass
class Redis:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flushall(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "FLUSHALL"], check=True, capture_output=True
        )


def start_redis(base: Path) -> Redis:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(base)],
        stdout=open(base / "redis.log", "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )  # fmt: skip
    server = Redis(port=port, process=process)
    wait_for(lambda: answers(port), f"Redis on {port}", 30)
    return server


# -- all of them ------------------------------------------------------------------------------


@dataclass
class Servers:
    """What one drill started; ``close()`` stops each by its PID and removes the directory."""

    base: Path
    run: str = field(default_factory=lambda: secrets.token_hex(3))
    rabbit: Rabbit | None = None
    postgres: list[Postgres] = field(default_factory=list)
    redis: Redis | None = None
    keep: bool = False
    _rabbit_start: threading.Thread | None = None
    _rabbit_error: BaseException | None = None

    @classmethod
    def create(cls, keep: bool = False) -> Servers:
        base = Path(tempfile.mkdtemp(prefix="billchain-chaos-"))
        base.chmod(0o755)
        servers = cls(base=base, keep=keep)
        atexit.register(servers.close)
        return servers

    def start_rabbit(self, size: int = 1, background: bool = False) -> Rabbit:
        """The RabbitMQ node(s); with ``background``, started in a thread (``wait_rabbit``)
        while the caller sets up the rest."""
        self.rabbit = plan_rabbit(self.base / "rabbit", self.run, size)
        if background:
            self._rabbit_start = threading.Thread(target=self._start_rabbit_nodes, daemon=True)
            self._rabbit_start.start()
        else:
            self.rabbit.start()
        return self.rabbit

    def _start_rabbit_nodes(self) -> None:
        try:
            self.rabbit.start()
        except BaseException as exc:  # noqa: BLE001 (raised again by wait_rabbit)
            self._rabbit_error = exc

    def wait_rabbit(self) -> None:
        if self._rabbit_start is not None:
            self._rabbit_start.join()
            self._rabbit_start = None
        if self._rabbit_error is not None:
            raise self._rabbit_error

    def multi_host_url(self, database: str) -> str:
        """libpq's multi-host URL over every PostgreSQL server here: a new connection goes to
        whichever one accepts writes (``target_session_attrs=read-write``)."""
        hosts = "&".join(f"host=127.0.0.1:{server.port}" for server in self.postgres)
        return (
            f"postgresql+psycopg2://postgres@/{database}?{hosts}"
            "&target_session_attrs=read-write&connect_timeout=3"
        )

    def start_postgres(self, settings: dict[str, str] | None = None) -> Postgres:
        server = init_postgres(self.base / "pg-primary", settings)
        self.postgres.append(server)
        return server

    def start_standby(self, primary: Postgres, name: str = "standby") -> Postgres:
        server = base_backup(primary, self.base / f"pg-{name}", name)
        self.postgres.append(server)
        return server

    def start_redis(self) -> Redis:
        (self.base / "redis").mkdir(exist_ok=True)
        self.redis = start_redis(self.base / "redis")
        return self.redis

    def close(self) -> None:
        if self._rabbit_start is not None:
            self._rabbit_start.join(timeout=180)
        if self.rabbit:
            for node in self.rabbit.nodes:
                with contextlib.suppress(Exception):
                    node.discard()
        for server in self.postgres:
            if server.process is not None:
                with contextlib.suppress(Exception):
                    _stop_process(server.process, signal.SIGQUIT, timeout=30)
        if self.redis and self.redis.process is not None:
            _stop_process(self.redis.process, timeout=10)
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)
