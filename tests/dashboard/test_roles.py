"""Issue 14: every page in AppTest for each role. Each page renders for viewer, supervisor,
analyst and admin; the Audit page is refused below analyst; and every control on a page
that writes is disabled exactly for the roles ``store.access.ACTIONS`` keeps from it.

Every button and toggle a page draws is classified here as a write (with its action) or as
not one, so a new control on a page fails these tests until it is classified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.config import from_args
from dashboard.i18n import t
from models.artifacts import active_version, promote
from store.access import ROLES, Actor
from store.db import open_store
from store.schema import alerts
from tests.dashboard.conftest import APP, sign_in
from tests.dashboard.pages import NAMES, TITLES
from tests.dashboard.store_factory import StoreInfo
from tests.dashboard.test_lights_and_dead_letters import HEALTH, _write

WRITES = (  # control key -> the action it performs (store.access.ACTIONS)
    (r"ack_\d+", "acknowledge"),  # floor queue
    (r"call_ack_\d+", "acknowledge"),  # call page
    (r"save_turn_review_.+", "review"),
    (r"FormSubmitter:review_call_.+", "review"),  # the whole-call review form's Save
    (r"agent_privacy_toggle", "change_settings"),  # history
    (r"promote", "promote"),
    (r"rollback", "rollback"),
    (r"start_training", "retrain"),
    (r"run_compare", "compare"),  # reads only, but an analyst's job (and its CPU)
    (r"run_thresholds", "compare"),
    (r"test_light", "light_test"),
)
READS = (  # controls that change nothing stored: views and sign-out
    r"sign_out", r"sound", r"show_virtual_lights", r"call_live_only",
)
EXPECTED = {  # the writes each page must show in this setup (so no check passes vacuously)
    "floor": {"acknowledge"}, "call": {"acknowledge", "review"},
    "history": {"change_settings"}, "model": {"promote", "rollback", "retrain", "compare"},
    "lights": {"light_test"}, "dead_letters": set(), "audit": set(),
}
MAY_AUDIT = [r for r in ROLES if Actor("x", r).may("audit")]
NOT_AUDIT = [r for r in ROLES if r not in MAY_AUDIT]
OPENABLE = [(page, role) for page in NAMES for role in ROLES
            if page != "audit" or role in MAY_AUDIT]
SECOND = "v29990101-000000"  # the registry fixture's second version


def action_of(key: str) -> str | None:
    """The action a control performs, None for a read; an unknown control fails the test."""
    for pattern, action in WRITES:
        if re.fullmatch(pattern, key):
            return action
    if any(re.fullmatch(pattern, key) for pattern in READS):
        return None
    raise AssertionError(f"control {key!r} is neither a known write nor a read: classify it "
                         "in tests/dashboard/test_roles.py")


def call_with_open_alert(store: StoreInfo) -> str:
    engine = open_store(store.url, migrate=False)
    try:
        with engine.connect() as conn:
            return conn.execute(select(alerts.c.call_id)
                                .where(alerts.c.id == store.open_alert_ids[0])).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def open_page(app, small_store: StoreInfo, request: pytest.FixtureRequest):
    """``open_page(page, role)``: the page as that role, with something to write on it (an
    open alert, a light that can be tested, a registry with a version to promote and one to
    roll back to)."""
    _write(app.home, "health.json", HEALTH)  # d-000's light can be tested
    call = call_with_open_alert(small_store)

    def opened(page: str, role: str) -> AppTest:
        session = {}
        if page == "model":
            registry = request.getfixturevalue("registry")
            first = active_version(registry)
            promote(registry, SECOND, who="test")  # so there is a version to roll back to
            session["promote_pick"] = first  # not the active one: promotable
        return app(small_store.url, page, role=role,
                   query={"call": call} if page == "call" else None, **session)

    return opened


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", [p for p in NAMES if p != "audit"])
def test_every_page_renders_for_every_role(open_page, page: str, role: str) -> None:
    at = open_page(page, role)
    assert not at.exception, at.exception
    assert at.title and at.title[0].value == t(TITLES[page])
    assert not [e.value for e in at.error], "a page error for this role"


@pytest.mark.parametrize("role", MAY_AUDIT)
def test_the_audit_page_renders_for_analysts_and_admins(open_page, role: str) -> None:
    at = open_page("audit", role)
    assert not at.exception, at.exception
    assert at.title[0].value == t(TITLES["audit"])
    assert t("audit_denied") not in [e.value for e in at.error]
    assert at.dataframe, "the audit rows are shown"


@pytest.mark.parametrize("role", NOT_AUDIT)
def test_the_audit_page_is_refused_below_analyst(app, small_store, role: str) -> None:
    at = app(small_store.url, role=role)
    assert not at.exception, at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("audit_page.py")  # not in their navigation at all


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_page_itself_refuses_below_analyst(small_store, monkeypatch, tmp_path: Path,
                                                     role: str) -> None:
    """The page's own check, for an address typed past the navigation: run as the script."""
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path))
    monkeypatch.setenv("FLOORLIGHT_DB", small_store.url)
    at = AppTest.from_file(str(APP.parent / "audit_page.py"), default_timeout=60)
    sign_in(at, small_store.url, "Mei", role)
    at.session_state["_config"] = from_args([])
    at.run()
    assert not at.exception, at.exception
    refused = t("audit_denied") in [e.value for e in at.error]
    assert refused == (role in NOT_AUDIT)
    assert bool(at.dataframe) == (role in MAY_AUDIT), "no audit rows below analyst"


@pytest.mark.parametrize(("page", "role"), OPENABLE)
def test_write_controls_are_disabled_exactly_for_roles_that_may_not(open_page, page: str,
                                                                     role: str) -> None:
    at = open_page(page, role)
    assert not at.exception, at.exception
    who, seen = Actor("Mei", role), set()
    for control in [*at.button, *at.toggle]:
        action = action_of(control.key)
        if action is None:
            continue
        seen.add(action)
        assert control.disabled == (not who.may(action)), \
            f"{control.key} ({action}) for a {role}: disabled={control.disabled}"
    assert seen == EXPECTED[page]
