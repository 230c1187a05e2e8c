"""Agents' privacy (migration 0006): the setting only an admin changes, each change in the
audit log; pseudonyms that stay the same and that nobody turns back into an agent id without
the site key; and the sign-in limit, counted from the audit log (five wrong passwords for a
name lock it for a quarter of an hour, whoever asks and whatever password comes next)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from store import privacy
from store.access import AccessDenied, Actor, audit_rows
from store.db import _alembic_config, current_revision, make_engine, open_store, upgrade
from store.sign_in import LOCKOUT, MAX_FAILURES, WINDOW, SignInLocked, sign_in
from store.users import add_user

ADMIN = Actor("root", "admin")
PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'fl.db'}")
    yield engine
    engine.dispose()


def test_migration_0006_adds_settings_and_takes_it_away(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm6.db'}")
    upgrade(engine, "0005")
    assert "settings" not in inspect(engine).get_table_names()
    upgrade(engine, "0006")
    privacy.set_agent_privacy(engine, True, ADMIN)
    command.downgrade(_alembic_config(engine), "0005")
    assert current_revision(engine) == "0005"
    assert "settings" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert privacy.agent_privacy(engine) is False  # the table came back empty: off
    engine.dispose()


@pytest.mark.parametrize("role", ["viewer", "supervisor", "analyst"])
def test_only_an_admin_changes_agents_privacy(engine, role: str) -> None:
    with pytest.raises(AccessDenied, match=f"\\({role}\\) may not change settings.*admin role"):
        privacy.set_agent_privacy(engine, True, Actor("someone", role))
    with pytest.raises(AccessDenied, match="sign in"):
        privacy.set_agent_privacy(engine, True, None)
    assert privacy.agent_privacy(engine) is False
    assert audit_rows(engine) == []


def test_an_admin_turns_it_on_and_off_and_the_audit_log_says_who(engine) -> None:
    assert privacy.agent_privacy(engine) is False  # off until an admin turns it on
    privacy.set_agent_privacy(engine, True, ADMIN)
    assert privacy.agent_privacy(engine) is True
    privacy.set_agent_privacy(engine, False, Actor("ana", "admin"))
    assert privacy.agent_privacy(engine) is False
    rows = audit_rows(engine)
    assert [(r.actor, r.role, r.action, r.target) for r in rows] == [
        ("ana", "admin", "change_settings", "agent_privacy = off"),
        ("root", "admin", "change_settings", "agent_privacy = on")]
    assert all(r.at is not None for r in rows)


def test_pseudonyms_are_stable_keyed_and_short(engine, tmp_path) -> None:
    key = privacy.pseudonym_key(engine)
    assert len(key) == 32 and privacy.pseudonym_key(engine) == key  # made once
    again = open_store(str(engine.url))
    assert privacy.pseudonym_key(again) == key  # kept in the store, not in the process
    again.dispose()
    roster = [f"a-{i:03d}" for i in range(40)]
    codes = privacy.codes(key, roster)
    assert codes == privacy.codes(key, list(reversed(roster)))  # order does not matter
    # four hex digits; longer only for agents whose four would be shared (the key is random,
    # so about one run in eighty has two of these 40 agents colliding)
    assert all(re.fullmatch(r"[0-9A-F]{4}(?:[0-9A-F]{2})*", c) for c in codes.values())
    first_four = Counter(c[:4] for c in codes.values())
    assert all(len(c) == 4 or first_four[c[:4]] > 1 for c in codes.values())
    assert len(set(codes.values())) == len(roster)
    assert not set(codes.values()) & {a.upper() for a in roster}
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    elsewhere = privacy.codes(privacy.pseudonym_key(other), roster)
    other.dispose()
    assert sum(elsewhere[a] == codes[a] for a in roster) <= 1  # another site, other codes
    # an agent not on the roster yet gets its short code, the one it keeps when listed
    new = privacy.code(key, "a-999", codes)
    listed = privacy.codes(key, [*roster, "a-999"])["a-999"]
    assert listed == new or (listed.startswith(new) and new in first_four)


def test_agents_who_would_share_a_code_get_longer_ones_and_the_others_keep_theirs() -> None:
    key = bytes(range(32))
    roster = [f"agent-{i}" for i in range(2000)]  # 2,000 ids in 65,536 codes: some collide
    codes = privacy.codes(key, roster)
    long = {a for a, c in codes.items() if len(c) > privacy.MIN_CODE}
    assert long and len(long) < 200
    assert len(set(codes.values())) == len(roster)  # every code names one agent
    short = privacy.codes(key, [a for a in roster if a not in long])
    assert all(short[a] == codes[a] for a in short)
    for agent in long:
        assert codes[agent].startswith(privacy.code(key, agent, {}))  # the same code, longer


def _failed(engine) -> list[tuple[str, str]]:
    return [(r.action, r.target) for r in reversed(audit_rows(engine))
            if r.action.startswith("sign_in")]


def test_five_wrong_passwords_lock_the_name_for_a_while(engine) -> None:
    add_user(engine, "mei", "supervisor", PASSWORD, ADMIN)
    start = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for i in range(MAX_FAILURES - 1):
        assert sign_in(engine, "mei", f"guess {i}", now=start + timedelta(seconds=i)) is None
    with pytest.raises(SignInLocked, match=r"too many wrong passwords for 'mei'.*09:15 UTC"):
        sign_in(engine, "mei", "guess 5", now=start + timedelta(seconds=10))
    locked_at = start + timedelta(seconds=10)
    with pytest.raises(SignInLocked):  # the right password too, while locked
        sign_in(engine, "mei", PASSWORD, now=locked_at + LOCKOUT - timedelta(seconds=1))
    assert _failed(engine) == [("sign_in_failed", "mei")] * MAX_FAILURES + [
        ("sign_in_locked", "mei for 15 min")]
    who = sign_in(engine, "mei", PASSWORD, now=locked_at + LOCKOUT)
    assert who == Actor("mei", "supervisor")
    # after a lock the count starts again: one more wrong password does not lock at once
    assert sign_in(engine, "mei", "again", now=locked_at + LOCKOUT + timedelta(1)) is None


def test_unknown_names_lock_alike_and_other_names_are_not_affected(engine) -> None:
    add_user(engine, "lin", "analyst", PASSWORD, ADMIN)
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for _ in range(MAX_FAILURES - 1):
        assert sign_in(engine, "nobody", "x", now=now) is None
    with pytest.raises(SignInLocked):  # as for a real name: the limit tells no name apart
        sign_in(engine, "nobody", "x", now=now)
    assert sign_in(engine, "lin", PASSWORD, now=now) == Actor("lin", "analyst")


def test_wrong_passwords_spread_wider_than_the_window_do_not_lock(engine) -> None:
    add_user(engine, "mei", "supervisor", PASSWORD, ADMIN)
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for i in range(2 * MAX_FAILURES):
        assert sign_in(engine, "mei", "nope", now=now + i * (WINDOW / 4)) is None
    assert sign_in(engine, "mei", PASSWORD, now=now + 3 * WINDOW) == Actor("mei", "supervisor")
