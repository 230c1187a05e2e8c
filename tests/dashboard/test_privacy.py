"""Agents' privacy on History & coaching, in AppTest against a real store: with the setting
on, viewers and supervisors see every agent as a pseudonym — in the agent filter, the
heatmap, the four-quadrant chart, the tables and the CSV files those tables export — and
analysts and admins see the ids; pseudonyms are the same in another session; an admin flips
the switch on the page and the audit log records it; other roles cannot."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import app_test

from store import privacy
from store.access import Actor, audit_rows
from store.db import open_store
from store.queries import history_span
from tests.dashboard.conftest import ensure_account

PSEUDONYM = re.compile(r"Agent [0-9A-F]{4,}")


@pytest.fixture
def csv_files(monkeypatch: pytest.MonkeyPatch):
    """``read(button)``: the bytes a download button serves (AppTest keeps them in a media
    store it makes for each run; this keeps a hold of those stores)."""
    stores: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Kept)

    def read(button) -> str:
        file_id = button.proto.url.rsplit("/", 1)[1].split(".")[0]
        for store in reversed(stores):
            try:
                return store.get_file(file_id).content.decode("utf-8")
            except MediaFileStorageError:  # another run's store: look further back
                continue
        raise AssertionError(f"no file behind {button.proto.url}")

    return read


def _set_privacy(url: str, on: bool) -> None:
    engine = open_store(url, migrate=False)
    privacy.set_agent_privacy(engine, on, Actor("root", "admin"))
    engine.dispose()


def _roster(url: str) -> tuple[tuple[str, ...], dict[str, str], bytes]:
    engine = open_store(url, migrate=False)
    agents = history_span(engine).agents
    key = privacy.pseudonym_key(engine)
    engine.dispose()
    return agents, privacy.codes(key, agents), key


def _shown(at, read) -> dict[str, str]:
    """Everything History shows about agents, as text, by where it is shown."""
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {
        "filter": " | ".join(at.selectbox(key="history_agent").options),
        "heatmap": json.dumps(figures[4]["data"]),
        "quadrant": json.dumps(figures[5]["data"]),
        "tables": " | ".join(df.value.to_csv(index=False) for df in at.dataframe),
        "csv": " | ".join(read(b) for b in at.get("download_button")),
    }


@pytest.mark.parametrize("role", ["viewer", "supervisor"])
def test_below_analyst_every_agent_is_a_pseudonym(app, fresh_store, csv_files, role) -> None:
    url = fresh_store.url
    _set_privacy(url, True)
    agents, codes, key = _roster(url)
    at = app(url, "history", supervisor="pat", role=role)
    assert not at.exception and not at.error
    assert any("shown as pseudonyms" in c.value for c in at.caption)
    expected = {f"Agent {c}" for c in codes.values()}
    for where, text in _shown(at, csv_files).items():
        leaked = [a for a in agents if a in text]
        assert not leaked, (where, leaked)
        assert set(PSEUDONYM.findall(text)) <= expected, where
        assert key.hex() not in text.lower()
    shown = _shown(at, csv_files)
    assert set(PSEUDONYM.findall(shown["filter"])) == expected  # every agent, by pseudonym
    assert "agent_pseudonym" in shown["csv"] and "agent_id" not in shown["csv"]
    options = at.selectbox(key="history_agent").options[1:]
    assert options == sorted(options)  # in pseudonym order, not the ids' order
    # picking a pseudonym filters by that agent (AppTest cannot click an option drawn by a
    # format_func, so the pick goes in as the widget's value: the id behind the pseudonym)
    # an agent the tables show (the store is random: not every agent has calls in range)
    picked = min(set(PSEUDONYM.findall(shown["tables"])))
    agent = next(a for a, c in codes.items() if f"Agent {c}" == picked)
    at.session_state["history_agent"] = agent
    at.run()
    assert not at.exception
    tables = " | ".join(df.value.to_csv(index=False) for df in at.dataframe)
    assert set(PSEUDONYM.findall(tables)) == {picked}


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analysts_and_admins_still_see_ids(app, fresh_store, csv_files, role) -> None:
    url = fresh_store.url
    _set_privacy(url, True)
    agents, _codes, _key = _roster(url)
    at = app(url, "history", supervisor="lin", role=role)
    assert not at.exception
    assert any("you see names" in c.value for c in at.caption)
    shown = _shown(at, csv_files)
    assert all(a in shown["filter"] for a in agents)
    for where in ("tables", "csv"):
        assert any(a in shown[where] for a in agents), where
    for where, text in shown.items():
        assert not PSEUDONYM.search(text), where
    heat = json.loads(at.get("plotly_chart")[4].proto.spec)["data"][0]["y"]
    assert heat and set(heat) <= set(agents)


def test_with_privacy_off_everyone_sees_ids(app, fresh_store, csv_files) -> None:
    agents, _codes, _key = _roster(fresh_store.url)
    at = app(fresh_store.url, "history", supervisor="wall", role="viewer")
    shown = _shown(at, csv_files)
    assert all(a in shown["filter"] for a in agents)
    assert any(a in shown["csv"] for a in agents)
    assert not PSEUDONYM.search(" ".join(shown.values()))


def test_pseudonyms_are_the_same_in_another_session_and_another_language(
        app, fresh_store) -> None:
    url = fresh_store.url
    _set_privacy(url, True)
    first = app(url, "history", supervisor="pat", role="supervisor")
    again = app(url, "history", supervisor="sam", role="viewer")
    assert first.selectbox(key="history_agent").options == \
        again.selectbox(key="history_agent").options
    chinese = app(url, "history", supervisor="pat", role="supervisor", lang="zh-Hant")
    assert [o.split()[-1] for o in chinese.selectbox(key="history_agent").options[1:]] == \
        [o.split()[-1] for o in first.selectbox(key="history_agent").options[1:]]


def test_an_admin_turns_privacy_on_in_the_page_and_it_is_audited(app, fresh_store) -> None:
    url = fresh_store.url
    at = app(url, "history", supervisor="Mei", role="admin")
    toggle = at.toggle(key="agent_privacy_toggle")
    assert toggle.value is False and not toggle.disabled
    toggle.set_value(True).run()
    assert not at.exception
    assert any("privacy is on" in s.value for s in at.success)
    assert at.toggle(key="agent_privacy_toggle").value is True
    engine = open_store(url, migrate=False)
    assert privacy.agent_privacy(engine) is True
    rows = [(r.actor, r.role, r.action, r.target) for r in audit_rows(engine)]
    engine.dispose()
    assert rows[0] == ("Mei", "admin", "change_settings", "agent_privacy = on")
    viewer = app(url, "history", supervisor="wall", role="viewer")
    assert viewer.toggle(key="agent_privacy_toggle").disabled
    assert viewer.toggle(key="agent_privacy_toggle").value is True


def test_a_lowered_admin_cannot_flip_it(app, fresh_store) -> None:
    """Drawn for an admin; the account became an analyst before the click: the store
    refuses, the switch shows the store's value again, nothing is recorded."""
    url = fresh_store.url
    at = app(url, "history", supervisor="Mei", role="admin")
    ensure_account(url, "Mei", "analyst")
    at.toggle(key="agent_privacy_toggle").set_value(True).run()
    assert any("may not change settings" in e.value for e in at.error)
    assert at.toggle(key="agent_privacy_toggle").value is False
    engine = open_store(url, migrate=False)
    assert privacy.agent_privacy(engine) is False
    assert all(r.action != "change_settings" for r in audit_rows(engine))
    engine.dispose()
