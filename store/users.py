"""Local accounts: names, roles (:data:`store.access.ROLES`) and argon2 password hashes in
the ``users`` table. Used by ``floorlight users`` and the dashboard's sign-in form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select, update

from store.access import MAX_NAME, Actor, check_role, record, require
from store.errors import StoreError
from store.schema import users

FIRST_ADMIN = "admin"
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    has_password: bool
    created_at: datetime


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(ch.isspace() and ch != " " for ch in name):
        raise StoreError(f"a user name is 1 to {MAX_NAME} characters on one line")
    return name


def _password(password: str | None) -> str | None:
    if password is not None and len(password) < MIN_PASSWORD:
        raise StoreError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def add_user(engine: Engine, name: str, role: str, password: str | None,
             actor: Actor) -> User:
    """A new account (``password`` None: signs in only through the identity provider)."""
    require(actor, "users")
    name, role = _name(name), check_role(role)
    hashed = _hasher.hash(_password(password)) if password is not None else None
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(select(users.c.name).where(users.c.name == name)).first():
            raise StoreError(f"there is already a user {name!r}")
        conn.execute(users.insert().values(name=name, role=role, password_hash=hashed,
                                           created_at=now, updated_at=now))
        record(conn, actor, "user_add", f"{name} ({role})", now)
    return User(name, role, hashed is not None, now)


def set_password(engine: Engine, name: str, password: str, actor: Actor) -> None:
    require(actor, "users")
    hashed = _hasher.hash(_password(password))
    with engine.begin() as conn:
        done = conn.execute(update(users).where(users.c.name == name).values(
            password_hash=hashed, updated_at=datetime.now(UTC))).rowcount
        if not done:
            raise StoreError(f"there is no user {name!r}")
        record(conn, actor, "user_passwd", name)


def remove_user(engine: Engine, name: str, actor: Actor) -> None:
    require(actor, "users")
    with engine.begin() as conn:
        if not conn.execute(delete(users).where(users.c.name == name)).rowcount:
            raise StoreError(f"there is no user {name!r}")
        record(conn, actor, "user_remove", name)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
    return [User(r["name"], r["role"], r["password_hash"] is not None, r["created_at"])
            for r in rows]


def role_of(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(users.c.role).where(users.c.name == name)).scalar()


def authenticate(engine: Engine, name: str, password: str) -> Actor | None:
    """The account's :class:`Actor` when ``password`` is right; None otherwise (the same for
    an unknown name, a wrong password or an account without one: no hint which was wrong)."""
    with engine.connect() as conn:
        row = conn.execute(select(users.c.role, users.c.password_hash)
                           .where(users.c.name == (name or "").strip())).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.password_hash:
        return None
    return Actor((name or "").strip(), row.role)


def first_run_notice(password: str) -> str:
    """What the terminal shows, once, when :func:`ensure_first_admin` made the account."""
    return (f"\n  first run: sign in to the dashboard as {FIRST_ADMIN!r} with the password\n"
            f"      {password}\n  (shown once; change it with `floorlight users passwd "
            f"{FIRST_ADMIN}`; add people with `floorlight users add NAME --role ROLE`)\n")


def ensure_first_admin(engine: Engine) -> str | None:
    """On a store without any account: create ``admin`` with a random password and return it
    (to be printed once); None when accounts exist already."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar():
            return None
    password = secrets.token_urlsafe(12)
    try:
        add_user(engine, FIRST_ADMIN, "admin", password, Actor("first-run", "admin"))
    except StoreError:
        return None  # another process made it first
    return password
