"""A real PostgreSQL server for tests: a fresh cluster in a temporary directory on a free
localhost port, stopped and removed afterwards. As root it runs as the ``postgres`` user
(PostgreSQL refuses to run as root), which Debian's ``postgresql`` package creates."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.mosquitto import free_port


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: apt-get install postgresql")
    return found


class PostgresServer:
    """The cluster lives in its own directory under /tmp (the postgres user must be able to
    reach it, which pytest's private tmp_path does not allow)."""

    def __init__(self) -> None:
        import tempfile

        self.workdir = Path(tempfile.mkdtemp(prefix="floorlight-pg-"))
        self.data = self.workdir / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://floorlight:floorlight@127.0.0.1:{self.port}/floorlight"

    def _run(self, *cmd: str, **kwargs) -> subprocess.CompletedProcess:
        if self._as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)

    def start(self) -> PostgresServer:
        if self._as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
        pwfile = self.workdir / "pw"
        pwfile.write_text("floorlight\n")
        if self._as_root:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run(_binary("initdb"), "-D", str(self.data), "-U", "floorlight", "-A", "md5",
                  "--pwfile", str(pwfile), "-E", "UTF8", "--locale", "C.UTF-8")
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.workdir / "server.log"), "-o",
                  f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c full_page_writes=off", "start")
        self._run(_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "floorlight", "floorlight", env={**os.environ, "PGPASSWORD": "floorlight"})
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_ready(url: str, timeout: float = 10.0) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            engine.dispose()
