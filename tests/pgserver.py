"""A throwaway PostgreSQL server for the test suite.

The suite never assumes a running database: it finds the PostgreSQL server binaries
(``scripts/test.sh`` installs them with the system package manager when missing),
initialises a cluster in a temporary directory, starts it on a free loopback port and
stops it at the end. PostgreSQL refuses to run as root, so when the tests run as root
(as CI does) the cluster is owned by and started as an unprivileged user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "denialops"


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres, or raise with what to do about it."""
    candidates: list[str] = []
    if os.environ.get("DENIALOPS_PG_BINDIR"):
        candidates.append(os.environ["DENIALOPS_PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for candidate in candidates:
        if (
            candidate
            and (Path(candidate) / "initdb").exists()
            and (Path(candidate) / "pg_ctl").exists()
        ):
            return Path(candidate)
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/test.sh, which "
        "installs them, or set DENIALOPS_PG_BINDIR"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged_user() -> str | None:
    """The account to run the server as when we are root (None when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' account to run PostgreSQL as")


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        command = args
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")

    def start(self) -> None:
        self.initdb()
        self.launch()

    def initdb(self) -> None:
        """A new cluster in the data directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        done = self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")

    def launch(self, extra_options: str = "") -> None:
        """Start the server on the data directory and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            f" {extra_options}"
        ).rstrip()
        done = self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if done.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()}\n{log}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL started but does not accept connections")

    def stop(self) -> None:
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    root = Path(tempfile.mkdtemp(prefix="denialops-pg-"))
    os.chmod(root, 0o755)
    server = PostgresServer(
        bindir=find_bindir(), root=root / "cluster", port=_free_port(), run_as=_unprivileged_user()
    )
    server.start()
    return server
