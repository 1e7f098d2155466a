"""A PostgreSQL server of a test's own, to stop, restart and cut under a running desk.

Outage tests must take the server away and bring it back; doing that to a shared
server would break every other test (and every other person) using it. So each
such test module starts its own cluster: ``initdb`` into a temporary folder,
``pg_ctl`` on a free port, listening on 127.0.0.1 only, trust authentication.
Under root (CI containers) the server runs as the ``postgres`` account, since
PostgreSQL refuses to run as root.

Use :func:`pg_server` from a fixture::

    @pytest.fixture(scope="module")
    def server():
        with pg_server() as running:
            yield running

The cluster lives in a fresh folder under the system temp dir rather than pytest's
own (which is private to the user running the tests, and so closed to ``postgres``).

When no PostgreSQL binaries are installed the tests that need them are skipped
with the reason, unless ``CI`` is set, where a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_ACCOUNT = "postgres"
START_TIMEOUT_S = 60


@dataclass
class PgServer:
    """A running cluster: where it lives, its port, and the controls a test needs."""

    bindir: Path
    datadir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://{SERVER_ACCOUNT}@127.0.0.1:{self.port}/{database}"

    @property
    def location(self) -> str:
        """How Companion names this server in messages (host/database)."""
        return "127.0.0.1"

    def start(self) -> None:
        self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(self._log))

    def stop(self) -> None:
        """Stop at once, cutting every connection (what a crash or a reboot looks like)."""
        self._pg_ctl("stop", "-m", "immediate", "-w")

    def restart(self) -> None:
        self._pg_ctl(
            "restart", "-m", "fast", "-w", "-t", str(START_TIMEOUT_S), "-l", str(self._log)
        )

    def is_running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.datadir), check=False).returncode == 0

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if a previous run left it); returns its URL."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def terminate_connections(self, database: str) -> int:
        """Cut every connection to ``database`` (an administrator's pg_terminate_backend)."""
        output = self.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
        return int(output.strip() or 0)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement through psql as the server account; returns its bare output."""
        result = self._run(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            SERVER_ACCOUNT,
            "-d",
            database,
            "-c",
            statement,
        )
        return result.stdout

    @property
    def _log(self) -> Path:
        return self.datadir.parent / "server.log"

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", *args[:1], "-D", str(self.datadir), *args[1:])

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_ACCOUNT, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.datadir.parent
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: pg_config's answer, else Debian's layout."""
    pg_config = shutil.which("pg_config")
    candidates: list[str] = []
    if pg_config:
        output = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(output.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def pg_server() -> Iterator[PgServer]:
    """Initialise and start a cluster in a new temp folder; stop and remove it afterwards."""
    bindir = find_bindir()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install Debian's postgresql package.")
        pytest.skip(f"{reason}: apt-get install postgresql to run the outage tests.")
    root = Path(tempfile.mkdtemp(prefix="companion-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SERVER_ACCOUNT)
    datadir = root / "data"
    server = PgServer(bindir, datadir, free_port())
    server._run(
        "initdb",
        "-D",
        str(datadir),
        "-U",
        SERVER_ACCOUNT,
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    )
    with (datadir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {server.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\nfsync = off\nmax_connections = 50\n"
        )
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server._pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(root, ignore_errors=True)
