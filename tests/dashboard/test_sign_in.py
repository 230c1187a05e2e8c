"""Sign-in and roles in AppTest against real stores: the local form (right and wrong
passwords), each role on the pages that write (a viewer is refused every write, a supervisor
acknowledges and reviews, an analyst promotes), the audit rows those writes leave, the
audit page for analysts and admins only, and sign-out."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models.artifacts import active_version, promote
from store.access import AccessDenied, Actor, audit_rows, perform
from store.db import open_store
from store.feedback import acknowledge_alert, export_reviewed_turns, save_review
from store.schema import alerts, reviews
from tests.dashboard.conftest import ensure_account

PASSWORD = "correct horse battery"


def _status(url: str, alert_id: int) -> tuple[str, str | None]:
    engine = open_store(url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(alerts.c.status, alerts.c.acked_by)
                           .where(alerts.c.id == alert_id)).one()
    engine.dispose()
    return row.status, row.acked_by


def _audit(url: str) -> list[tuple[str, str, str]]:
    engine = open_store(url, migrate=False)
    rows = [(r.actor, r.role, r.action) for r in audit_rows(engine)]
    engine.dispose()
    return rows


def _sign_in_form(at, name: str, password: str):
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="FormSubmitter:sign_in-Sign in").click().run()


def test_signing_in_through_the_form_and_out_again(app, fresh_store) -> None:
    ensure_account(fresh_store.url, "mei", "supervisor", PASSWORD)
    at = app(fresh_store.url, supervisor="")
    password_box = at.text_input(key="sign_in_password")
    assert password_box.proto.type == password_box.proto.PASSWORD  # <input type="password">
    _sign_in_form(at, "mei", PASSWORD)
    assert not at.exception and not at.error
    assert any("**mei** (supervisor)" in m.value for m in at.sidebar.markdown)
    assert [b for b in at.button if b.key and b.key.startswith("ack_")]
    at.button(key="sign_out").click().run()
    assert at.text_input(key="sign_in_password") is not None
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]


@pytest.mark.parametrize(("name", "password"), [("mei", "wrong password"),
                                                ("nobody", PASSWORD), ("mei", "")])
def test_a_wrong_name_or_password_is_one_message_and_no_way_in(app, fresh_store, name,
                                                               password) -> None:
    ensure_account(fresh_store.url, "mei", "supervisor", PASSWORD)
    at = _sign_in_form(app(fresh_store.url, supervisor=""), name, password)
    assert [e.value for e in at.error] == ["Wrong name or password."]
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]
    alert_id = fresh_store.open_alert_ids[0]
    assert _status(fresh_store.url, alert_id) == ("open", None)


def test_the_first_run_makes_an_admin_when_there_is_no_account(app, fresh_store,
                                                               capfd) -> None:
    app(fresh_store.url, supervisor="")
    out = capfd.readouterr().out
    assert "sign in to the dashboard as 'admin'" in out
    password = out.split("with the password")[1].split()[0]
    at = _sign_in_form(app(fresh_store.url, supervisor=""), "admin", password)
    assert any("**admin** (admin)" in m.value for m in at.sidebar.markdown)


def test_a_viewer_is_offered_no_write(app, fresh_store, registry) -> None:
    url, alert_id = fresh_store.url, fresh_store.open_alert_ids[0]
    at = app(url, supervisor="wall", role="viewer")
    assert at.button(key=f"ack_{alert_id}").disabled
    call_id = fresh_store.finished_calls[0]
    at = app(url, "call", query={"call": call_id}, supervisor="wall", role="viewer")
    assert at.button(key=f"save_turn_review_{call_id}").disabled
    assert at.button(key=f"FormSubmitter:review_call_{call_id}-Save review").disabled
    at = app(url, "model", supervisor="wall", role="viewer")
    assert all(at.button(key=k).disabled for k in ("promote", "rollback", "start_training"))
    _health(app.home)
    for role in ("viewer", "supervisor", "analyst"):
        at = app(url, "lights", supervisor="wall", role=role)
        assert at.button(key="test_light").disabled, role
    assert app(url, "lights").button(key="test_light").disabled is False  # admin


def _health(home) -> None:
    (home / "lights").mkdir(exist_ok=True)
    (home / "lights" / "health.json").write_text(json.dumps(
        {"lights": {"d-000": {"kind": "mqtt", "online": True}}}))


def test_a_viewer_is_refused_every_write_even_where_a_button_is_offered(
        app, fresh_store, registry) -> None:
    """The page was drawn for a supervisor / analyst / admin, then an admin made the account
    a viewer before the click arrived: the write functions get the viewer (the role is
    re-read at the write) and refuse; nothing is written, and the page says why."""
    url, alert_id = fresh_store.url, fresh_store.open_alert_ids[0]
    at = app(url, supervisor="wall", role="supervisor")
    ensure_account(url, "wall", "viewer")
    at.button(key=f"ack_{alert_id}").click().run()
    assert any("may not acknowledge" in e.value for e in at.error)
    assert _status(url, alert_id) == ("open", None)

    call_id = fresh_store.finished_calls[0]
    at = app(url, "call", query={"call": call_id}, supervisor="wall", role="supervisor")
    ensure_account(url, "wall", "viewer")
    at.button(key=f"save_turn_review_{call_id}").click().run()

    first = active_version(registry)
    at = app(url, "model", supervisor="wall", role="analyst")
    at.selectbox(key="promote_pick").set_value("v29990101-000000").run()
    at.button(key="promote").click().run()
    ensure_account(url, "wall", "viewer")
    at.button(key="confirm_model").click().run()
    assert any("may not promote" in e.value for e in at.error)
    assert active_version(registry) == first
    promote(registry, "v29990101-000000", who="test")  # something to roll back
    at = app(url, "model", supervisor="wall", role="analyst")
    at.button(key="rollback").click().run()
    ensure_account(url, "wall", "viewer")
    at.button(key="confirm_model").click().run()
    assert any("may not rollback" in e.value for e in at.error)
    assert active_version(registry) == "v29990101-000000"

    _health(app.home)
    at = app(url, "lights", supervisor="wall", role="admin")
    ensure_account(url, "wall", "viewer")
    at.button(key="test_light").click().run()
    assert any("may not light test" in e.value for e in at.error)
    assert not list((app.home / "lights").glob("requests/*.json"))

    engine = open_store(url, migrate=False)
    with engine.connect() as conn:
        assert conn.execute(select(reviews)).first() is None
    engine.dispose()
    assert {action for _who, _role, action in _audit(url)} == {"user_add"}  # the fixture's


def test_a_removed_account_is_signed_out_at_its_next_click(app, fresh_store) -> None:
    url, alert_id = fresh_store.url, fresh_store.open_alert_ids[0]
    at = app(url, supervisor="gone", role="supervisor")
    engine = open_store(url, migrate=False)
    from store.users import remove_user

    remove_user(engine, "gone", Actor("test", "admin"))
    engine.dispose()
    at.button(key=f"ack_{alert_id}").click().run()
    assert _status(url, alert_id) == ("open", None)
    assert at.text_input(key="sign_in_password") is not None


def test_a_supervisor_acknowledges_under_the_signed_in_name(app, fresh_store) -> None:
    url, alert_id = fresh_store.url, fresh_store.open_alert_ids[0]
    at = app(url, supervisor="ana", role="supervisor")
    assert not at.sidebar.text_input  # no typed name any more
    at.button(key=f"ack_{alert_id}").click().run()
    assert any("acknowledged" in s.value for s in at.success)
    assert _status(url, alert_id) == ("acknowledged", "ana")
    assert ("ana", "supervisor", "acknowledge") in _audit(url)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("audit_page.py")  # not listed for a supervisor
    call_id = fresh_store.finished_calls[0]
    at = app(url, "call", query={"call": call_id}, supervisor="ana", role="supervisor")
    at.button(key=f"save_turn_review_{call_id}").click().run()
    assert any("Review saved" in s.value for s in at.success)
    assert ("ana", "supervisor", "review") in _audit(url)


def test_an_analyst_promotes_and_the_audit_page_lists_it(app, fresh_store, registry) -> None:
    at = app(fresh_store.url, "model", supervisor="lin", role="analyst")
    at.selectbox(key="promote_pick").set_value("v29990101-000000").run()
    at.button(key="promote").click().run()
    at.button(key="confirm_model").click().run()
    assert not at.exception
    assert active_version(registry) == "v29990101-000000"
    at.button(key="rollback").click().run()
    at.button(key="confirm_model").click().run()
    assert ("lin", "analyst", "promote") in _audit(fresh_store.url)
    assert ("lin", "analyst", "rollback") in _audit(fresh_store.url)
    at.switch_page("audit_page.py").run()
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert list(frame["action"] if "action" in frame else frame["Action"])[:2] == [
        "rollback", "promote"]
    assert set(frame["who"]) >= {"lin"}


def test_the_store_checks_the_role_whatever_the_page_does(fresh_store, tmp_path) -> None:
    engine = open_store(fresh_store.url, migrate=False)
    alert_id, call_id = fresh_store.open_alert_ids[0], fresh_store.finished_calls[0]
    viewer, supervisor = Actor("v", "viewer"), Actor("s", "supervisor")
    with pytest.raises(AccessDenied, match="may not acknowledge"):
        acknowledge_alert(engine, alert_id, viewer)
    with pytest.raises(AccessDenied, match="sign in"):
        acknowledge_alert(engine, alert_id, None)
    with pytest.raises(AccessDenied, match="may not review"):
        save_review(engine, call_id=call_id, seq=0, field="cue", new_value="abuse",
                    actor=viewer)
    with pytest.raises(AccessDenied, match="may not export"):
        export_reviewed_turns(engine, tmp_path / "r.jsonl", supervisor)
    written = []
    with pytest.raises(AccessDenied, match="may not promote"):
        perform(engine, supervisor, "promote", "v1", lambda: written.append(1))
    assert written == [] and audit_rows(engine) == []
    assert acknowledge_alert(engine, alert_id, supervisor).acknowledged
    save_review(engine, call_id=call_id, seq=0, field="cue", new_value="abuse",
                actor=supervisor)
    rows = audit_rows(engine)
    assert [(r.actor, r.role, r.action) for r in rows] == [
        ("s", "supervisor", "review"), ("s", "supervisor", "acknowledge")]
    assert rows[1].target.startswith(f"alert {alert_id} ")
    assert rows[0].target.startswith(f"call {call_id} turn 0: cue ")
    engine.dispose()


def test_five_wrong_passwords_lock_the_name_with_a_message_and_audit_rows(app,
                                                                         fresh_store) -> None:
    from store.sign_in import MAX_FAILURES

    url = fresh_store.url
    ensure_account(url, "mei", "supervisor", PASSWORD)
    at = app(url, supervisor="")
    for i in range(MAX_FAILURES - 1):
        _sign_in_form(at, "mei", f"guess number {i}")
        assert [e.value for e in at.error] == ["Wrong name or password."]
    _sign_in_form(at, "mei", "guess number 5")
    assert len(at.error) == 1 and "Too many wrong passwords" in at.error[0].value
    assert "paused until" in at.error[0].value and "UTC" in at.error[0].value
    _sign_in_form(at, "mei", PASSWORD)  # the right one, but the name is locked
    assert "Too many wrong passwords" in at.error[0].value
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]
    other = _sign_in_form(app(url, supervisor=""), "mei", PASSWORD)  # a new session too
    assert "Too many wrong passwords" in other.error[0].value
    rows = [(who, action) for who, _role, action in _audit(url)]
    assert rows.count(("mei", "sign_in_failed")) == MAX_FAILURES
    assert rows.count(("mei", "sign_in_locked")) == 1
