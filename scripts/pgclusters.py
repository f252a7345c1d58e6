"""Throwaway PostgreSQL 15 clusters on loopback, for `make outage` and the live replica test.

They are Debian's clusters (pg_createcluster), never "main": stopping and removing them cannot
touch the database the app runs on. A primary gets a role and a database "tracker"; a replica is
made from a primary with `pg_basebackup -R` (a streaming standby that serves reads). Needs root
(or sudo) for the cluster commands; the postgres user connects over the local socket, which
Debian's pg_hba.conf lets it do for replication too.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

VERSION = "15"


def available() -> bool:
    """Whether this machine can make clusters (Debian's tools, and root or sudo)."""
    tools = all(shutil.which(tool) for tool in ("pg_createcluster", "pg_ctlcluster", "psql"))
    return tools and (os.geteuid() == 0 or shutil.which("sudo") is not None)


def _as_root(command: list[str]) -> list[str]:
    return command if os.geteuid() == 0 else ["sudo", *command]


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return ["sudo", "-u", "postgres", *command]


class Cluster:
    def __init__(self, name: str, port: int):
        assert name != "main"  # the app's own cluster is never stopped or removed from here
        self.name, self.port = name, port
        self.url = f"postgres://tracker:tracker@127.0.0.1:{port}/tracker"
        self.data = Path(f"/var/lib/postgresql/{VERSION}/{name}")

    def status(self) -> str | None:
        """ "online", "down" (a standby says "online,recovery"), or None if it does not exist."""
        out = subprocess.run(
            ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            fields = line.split()
            if fields[:2] == [VERSION, self.name]:
                if int(fields[2]) != self.port:
                    raise SystemExit(f"cluster {VERSION}/{self.name} exists on port {fields[2]}")
                return fields[3]
        return None

    def online(self) -> bool:
        return (self.status() or "").startswith("online")

    def ctl(self, action: str, *options: str) -> None:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, self.name, action]
        subprocess.run(_as_root([*command, *options]), check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self.ctl("start")

    def stop(self) -> None:
        self.ctl("stop", "-m", "fast")

    def create(self) -> None:
        command = ["pg_createcluster", VERSION, self.name, "--port", str(self.port)]
        subprocess.run(_as_root(command), check=True, stdout=subprocess.DEVNULL)

    def drop(self) -> None:
        if self.status() is not None:
            command = ["pg_dropcluster", "--stop", VERSION, self.name]
            subprocess.run(_as_root(command), check=True, stdout=subprocess.DEVNULL)

    def psql(self, sql: str, database: str = "postgres") -> str:
        command = ["psql", "-X", "-q", "-tA", "-p", str(self.port), "-d", database, "-c", sql]
        return subprocess.run(
            _as_postgres(command), check=True, capture_output=True, text=True
        ).stdout.strip()

    def ensure_primary(self) -> None:
        """Created if missing, started, with the role and database the app uses."""
        if self.status() is None:
            self.create()
        if not self.online():
            self.start()
        self.psql(
            "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker') THEN "
            "CREATE ROLE tracker LOGIN PASSWORD 'tracker'; END IF; END$$;"
        )
        if self.psql("SELECT 1 FROM pg_database WHERE datname = 'tracker'") != "1":
            self.psql("CREATE DATABASE tracker OWNER tracker")

    def make_replica_of(self, primary: "Cluster") -> None:
        """A new cluster whose data is a base backup of `primary`, streaming from it (-R writes
        standby.signal and the connection to the primary), started."""
        self.drop()
        self.create()  # Debian's configuration (port, sockets, logs) for the cluster
        for entry in self.data.iterdir():  # the directory stays: pg_basebackup fills it
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        command = ["pg_basebackup", "-p", str(primary.port), "-D", str(self.data), "-R",
                   "-X", "stream", "-c", "fast"]  # fmt: skip
        subprocess.run(_as_postgres(command), check=True, stdout=subprocess.DEVNULL)
        self.start()

    def replay_position(self) -> str:
        return self.psql("SELECT pg_last_wal_replay_lsn()")

    def wait_replayed(self, primary: "Cluster", timeout: float = 30) -> None:
        """Until this replica has replayed everything the primary has written so far."""
        target = primary.psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = self.psql(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")
            if behind == "f":
                return
            time.sleep(0.1)
        raise TimeoutError(f"replica {self.name} did not replay up to {target}")
