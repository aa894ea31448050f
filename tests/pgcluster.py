"""Private PostgreSQL clusters for tests: a primary in a temporary folder, and streaming replicas.

Never the shared server on 5432: these clusters are stopped, restarted and
replicated by the tests that use them. As root, each runs as the postgres
user (initdb and postgres refuse root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from portal_server import free_port

__all__ = ["Cluster", "private_cluster", "replica_of"]


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        pytest.skip(f"{name} not found: cannot run a private PostgreSQL cluster")
    return found


class Cluster:
    """A private PostgreSQL cluster in a temporary folder (never the shared one on 5432)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str) -> None:
        """Run a PostgreSQL program as the cluster's owner."""
        subprocess.run([*self.prefix, *command], check=True, capture_output=True)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [_pg_bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60"]
        self.run(*command, "-l", str(self.folder / "log"), "-o", options, *args)


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="jwlink-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """initdb and start a cluster on a free port; stop and remove it afterwards."""
    cluster = Cluster(_folder(), free_port())
    try:
        # initdb's pg_hba.conf trusts replication connections from 127.0.0.1.
        cluster.run(_pg_bin("initdb"), "-D", str(cluster.folder / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync", "-E", "UTF8")  # fmt: skip
        cluster.pg_ctl("start")
        try:
            yield cluster
        finally:
            cluster.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(cluster.folder, ignore_errors=True)


@contextmanager
def replica_of(primary: Cluster) -> Iterator[Cluster]:
    """A streaming replica of ``primary``: pg_basebackup, then started as a hot standby."""
    replica = Cluster(_folder(), free_port())
    try:
        # -R writes standby.signal and primary_conninfo: the copy starts as a
        # standby streaming from the primary.
        replica.run(_pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                    "-U", "postgres", "-D", str(replica.folder / "data"), "-R", "-X", "stream",
                    "--no-sync")  # fmt: skip
        replica.pg_ctl("start")
        try:
            yield replica
        finally:
            replica.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(replica.folder, ignore_errors=True)
