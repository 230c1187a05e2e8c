"""``floorlight users`` as outside checks use it: the real console command in a child
process, the password on standard input; list, passwd, remove; what each leaves in the store
(argon2 hashes, audit rows); and the first-run admin that ``floorlight dashboard`` prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.launch import command
from store.access import audit_rows
from store.db import open_store
from store.schema import users
from store.users import authenticate

FLOORLIGHT = [sys.executable, "-m", "floorlight"]


def floorlight(*args: str, stdin: str = "", home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLOORLIGHT_HOME": str(home), "PYTHONPATH": os.getcwd()}
    env.pop("FLOORLIGHT_DB", None)
    return subprocess.run([*FLOORLIGHT, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def test_add_list_passwd_remove(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fl.db'}"
    added = floorlight("users", "add", "mei", "--role", "supervisor", "--db", url,
                       stdin="first password\n", home=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added mei (supervisor)"
    assert floorlight("users", "add", "lin", "--role", "analyst", "--db", url,
                      stdin="another password\n", home=tmp_path).returncode == 0
    listing = floorlight("users", "list", "--db", url, home=tmp_path)
    rows = [line.split("\t")[:3] for line in listing.stdout.splitlines()]
    assert rows == [["lin", "analyst", "password"], ["mei", "supervisor", "password"]]

    engine = open_store(url, migrate=False)
    with engine.connect() as conn:
        stored = conn.execute(users.select().where(users.c.name == "mei")).mappings().one()
    assert stored["password_hash"].startswith("$argon2id$")
    assert "first password" not in stored["password_hash"]
    assert authenticate(engine, "mei", "first password").role == "supervisor"

    changed = floorlight("users", "passwd", "mei", "--db", url, stdin="second password\n",
                         home=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert authenticate(engine, "mei", "first password") is None
    assert authenticate(engine, "mei", "second password").name == "mei"

    assert floorlight("users", "remove", "mei", "--db", url, home=tmp_path).returncode == 0
    assert authenticate(engine, "mei", "second password") is None
    actions = [(r.action, r.target) for r in reversed(audit_rows(engine))]
    assert actions == [("user_add", "mei (supervisor)"), ("user_add", "lin (analyst)"),
                       ("user_passwd", "mei"), ("user_remove", "mei")]
    assert all(r.actor.startswith("cli:") for r in audit_rows(engine))
    engine.dispose()


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["add", "x", "--role", "boss"], "long enough\n", "invalid choice"),
    (["add", "x", "--role", "viewer"], "short\n", "at least 8 characters"),
    (["add", "x", "--role", "viewer"], "", "no password on standard input"),
    (["passwd", "ghost"], "long enough\n", "no user 'ghost'"),
    (["remove", "ghost"], "", "no user 'ghost'"),
])
def test_bad_input_is_one_line_and_a_failing_exit(tmp_path: Path, args, stdin, message) -> None:
    url = f"sqlite:///{tmp_path / 'fl.db'}"
    done = floorlight("users", *args, "--db", url, stdin=stdin, home=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_second_account_of_the_same_name_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fl.db'}"
    floorlight("users", "add", "ana", "--role", "viewer", "--db", url, stdin="long enough\n",
               home=tmp_path)
    again = floorlight("users", "add", "ana", "--role", "admin", "--db", url,
                       stdin="long enough\n", home=tmp_path)
    assert again.returncode == 2 and "already a user 'ana'" in again.stderr


def test_the_first_run_admin_is_printed_once(tmp_path: Path) -> None:
    from floorlight.commands.users import announce_first_admin

    url = f"sqlite:///{tmp_path / 'fl.db'}"
    open_store(url).dispose()
    script = ("import sys; from floorlight.commands.users import announce_first_admin; "
              "announce_first_admin(sys.argv[1])")
    first = subprocess.run([sys.executable, "-c", script, url], capture_output=True,
                           text=True, timeout=60)
    password = first.stdout.split("with the password")[1].split()[0]
    engine = open_store(url, migrate=False)
    assert authenticate(engine, "admin", password).role == "admin"
    engine.dispose()
    second = subprocess.run([sys.executable, "-c", script, url], capture_output=True,
                            text=True, timeout=60)
    assert second.stdout == ""
    missing = tmp_path / "none.db"
    announce_first_admin(f"sqlite:///{missing}")
    assert not missing.exists(), "looking for accounts does not create a store"


def test_beyond_localhost_only_with_sign_in(tmp_path: Path) -> None:
    assert "0.0.0.0" in command(8501, "0.0.0.0")
    assert "127.0.0.1" in command(8501, "127.0.0.1", sign_in=False)
    with pytest.raises(ValueError, match="needs sign-in on"):
        command(8501, "0.0.0.0", sign_in=False)
    refused = floorlight("dashboard", "--host", "0.0.0.0", "--no-sign-in", "--db",
                         f"sqlite:///{tmp_path / 'fl.db'}", home=tmp_path)
    assert refused.returncode == 2 and "needs sign-in on" in refused.stderr
    env = {**os.environ, "FLOORLIGHT_HOME": str(tmp_path), "FLOORLIGHT_SIGN_IN": "off"}
    up = subprocess.run([*FLOORLIGHT, "up", "--host", "0.0.0.0"], capture_output=True,
                        text=True, env=env, timeout=120)
    assert up.returncode == 2 and "needs sign-in on" in up.stderr
    assert not (tmp_path / "models").exists(), "refused before training or starting anything"
