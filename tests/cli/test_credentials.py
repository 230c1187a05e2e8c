"""Passwords stay off command lines (issue 14): a URL with one is refused on the command
line, read from the environment or a 0600 file instead, and the children of
``floorlight up`` and ``floorlight dashboard`` get it through their environment — checked
in /proc/<pid>/cmdline of every real descendant process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from floorlight.credentials import child_environment, has_password, read_url_file
from store.db import open_store
from store.schema import calls
from tests.support.mosquitto import free_port

FLOORLIGHT = [sys.executable, "-m", "floorlight"]
PASSWORD = f"Pw-{uuid.uuid4().hex[:10]}-secret"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FLOORLIGHT, *args], capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ), stdin=subprocess.DEVNULL)


def test_has_password() -> None:
    assert has_password("postgresql://fl:pw@db/floorlight")
    assert has_password("postgresql+psycopg://fl:@db/floorlight")
    assert has_password("mqtts://user:pw@broker:8883?ca=/etc/ca.pem")
    assert has_password("postgresql://db/floorlight?user=fl&password=pw")
    assert not has_password("postgresql://fl@db/floorlight")
    assert not has_password("mqtt://broker:1883/prefix")
    assert not has_password("sqlite:////var/floor:light@x.db")


@pytest.mark.parametrize("command", [
    ["dashboard", "--db"], ["monitor", "--db"], ["ingest", "-", "--db"], ["up", "--db"],
    ["simulate", "--db"], ["bridge", "--db"], ["monitor", "--mqtt"], ["simulate", "--mqtt"],
    ["bridge", "--mqtt"], ["lights", "test", "d-1", "--mqtt"],
    ["lights", "provision", "/dev/null", "--desk", "d-1", "--mqtt"],
])
def test_a_password_on_the_command_line_is_refused(command: list[str]) -> None:
    url = ("mqtt://fl:hunter2@127.0.0.1:1" if command[-1] == "--mqtt"
           else "postgresql://fl:hunter2@127.0.0.1:1/fl")
    done = run(*command, url)
    assert done.returncode == 2, done.stderr
    assert "holds a password" in done.stderr and "chmod 600" in done.stderr
    name = command[-1].removeprefix("--")
    assert f"FLOORLIGHT_{name.upper()}" in done.stderr and f"--{name}-file" in done.stderr


def test_a_url_file_must_be_private(tmp_path: Path) -> None:
    secret = tmp_path / "db.url"
    secret.write_text("\n  postgresql://fl:pw@db/fl  \n")
    secret.chmod(0o640)
    with pytest.raises(ValueError, match=r"mode 0640 .*chmod 600"):
        read_url_file(secret)
    done = run("dashboard", "--db-file", str(secret))
    assert done.returncode == 2 and "chmod 600" in done.stderr, done.stderr
    secret.chmod(0o600)
    assert read_url_file(secret) == "postgresql://fl:pw@db/fl"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(ValueError, match="empty"):
        read_url_file(empty)
    with pytest.raises(ValueError, match="cannot read"):
        read_url_file(tmp_path / "missing")


def test_a_url_without_password_stays_allowed(tmp_path: Path) -> None:
    store = tmp_path / "floorlight.db"
    done = run("ingest", "--db", f"sqlite:///{store}", "/dev/null",
               env={**os.environ, "FLOORLIGHT_HOME": str(tmp_path)})
    assert "holds a password" not in done.stderr


def test_child_environment_sets_and_removes() -> None:
    env = child_environment({"FLOORLIGHT_MQTT": "mqtt://x", "A": "1"}, db="sqlite://", mqtt=None)
    assert env == {"A": "1", "FLOORLIGHT_DB": "sqlite://"}


# --- real children -------------------------------------------------------------------------


@pytest.fixture
def secret_pg_url(postgres_server) -> str:
    """A fresh database owned by a role whose password appears nowhere else."""
    role, name = f"r_{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"))
        conn.execute(text(f"CREATE DATABASE {name} OWNER {role}"))
    admin.dispose()
    return f"postgresql+psycopg://{role}:{PASSWORD}@127.0.0.1:{postgres_server.port}/{name}"


def descendants(root: int) -> dict[int, str]:
    """pid -> command line of every live process below ``root``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                try:
                    found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes() \
                        .replace(b"\0", b" ").decode()
                except OSError:
                    continue
                frontier.append(child)
    return found


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else proc.returncode
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("the dashboard did not come up")


def stop(proc: subprocess.Popen) -> str:
    """Stop ``proc`` (and so its children); what it printed."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return out.decode(errors="replace")


@pytest.mark.slow
def test_up_children_get_the_store_url_through_their_environment(
        trained_registry: Path, tmp_path: Path, secret_pg_url: str) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(trained_registry, home / "models")
    secret = tmp_path / "db.url"
    secret.write_text(secret_pg_url + "\n")
    secret.chmod(0o600)
    port = free_port()
    proc = subprocess.Popen(
        [*FLOORLIGHT, "up", "--db-file", str(secret), "--agents", "3", "--speed", "20",
         "--port", str(port), "--duration", "120"],
        env={**os.environ, "FLOORLIGHT_HOME": str(home),
             "FLOORLIGHT_MQTT": "mqtt://127.0.0.1:1"},  # must not lure the children away
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(port, proc)
        time.sleep(3)  # the simulated floor writes its first calls
        children = descendants(proc.pid)
        assert len(children) >= 3, children  # simulator+monitor, bridge, dashboard
        for pid, cmdline in children.items():
            assert PASSWORD not in cmdline and "postgresql" not in cmdline, (pid, cmdline)
            environ = (Path("/proc") / str(pid) / "environ").read_bytes()
            assert f"FLOORLIGHT_DB={secret_pg_url}".encode() in environ.split(b"\0")
    finally:
        stop(proc)
    engine = open_store(secret_pg_url, migrate=False)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calls)).scalar() > 0
    engine.dispose()


@pytest.mark.slow
def test_dashboard_child_gets_the_store_url_through_its_environment(
        tmp_path: Path, secret_pg_url: str) -> None:
    open_store(secret_pg_url).dispose()  # a migrated store for the dashboard to check
    port = free_port()
    proc = subprocess.Popen(
        [*FLOORLIGHT, "dashboard", "--port", str(port)],
        env={**os.environ, "FLOORLIGHT_HOME": str(tmp_path), "FLOORLIGHT_DB": secret_pg_url},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(port, proc)
        children = descendants(proc.pid)
        assert any("streamlit" in c for c in children.values()), children
        for pid, cmdline in children.items():
            assert PASSWORD not in cmdline and "postgresql" not in cmdline, (pid, cmdline)
    finally:
        printed = stop(proc)
    assert PASSWORD not in printed  # the banner redacts it
