"""Lights (bridge files: health, virtual lights, test requests) and dead letters in AppTest."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard import lights_files
from tests.dashboard.hostile import rendered_text


def _write(home: Path, name: str, data: object) -> None:
    (home / "lights").mkdir(exist_ok=True)
    (home / "lights" / name).write_text(json.dumps(data))


HEALTH = {"v": 1, "updated": "2026-11-22T09:00:00Z",
          "bridge": {"status": "running", "source_ok": True, "source_problem": None,
                     "lights": 2, "states": 40, "bad_messages": 0,
                     "last_test": {"at": "2026-11-22T08:59:00.000Z", "subject": "desk/d-001",
                                   "ok": True, "error": None, "requested_by": "",
                                   "origin": "test-d-001-1.json"}},
          "lights": {"d-000": {"v": 1, "subject": "d-000", "kind": "floorlight_serial",
                               "address": "/dev/ttyUSB0", "online": True, "state": "calm",
                               "last_ok": "2026-11-22T09:00:00Z", "last_error": None,
                               "last_error_at": None, "detail": "fw 1.0", "last_test": None},
                     "floor": {"v": 1, "subject": "floor", "kind": "wled", "address": "x",
                               "online": False, "state": "alert", "last_ok": None,
                               "last_error": "timeout",
                               "last_error_at": "2026-11-22T08:58:00.500Z", "detail": ""}}}
VIRTUAL = {"v": 1, "updated": "2026-11-22T09:00:00Z",
           "lights": {"d-000": {"state": "alert", "online": True, "subject": "desk/d-000",
                                "look": {"color": "#FF0000", "effect": "blink",
                                         "period_ms": 400, "brightness": 255}}}}


def _shown(at) -> str:
    """Every text the page shows outside its tables (markdown, captions, alerts)."""
    return "\n".join(rendered_text(e.value) for kind in ("markdown", "caption", "info",
                                                          "success", "warning", "error")
                      for e in at.get(kind))


def test_lights_page_shows_one_plain_table(app, small_store) -> None:
    _write(app.home, "health.json", HEALTH)
    _write(app.home, "virtual.json", VIRTUAL)
    at = app(small_store.url, "lights")
    assert not at.exception
    assert len(at.dataframe) == 1, "the lights are listed once"
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["Desk or light", "Kind", "Address", "Online", "State",
                                   "Last OK", "Last error", "Last test"]
    assert list(frame["Desk or light"]) == ["d-000", "floor"]
    assert list(frame["Online"]) == ["yes", "no"]
    assert list(frame["Last OK"]) == ["2026-11-22 09:00:00 UTC", "–"]
    assert list(frame["Last error"]) == ["–", "timeout (2026-11-22 08:58:00 UTC)"]
    cells = frame.astype(str).to_string() + _shown(at)
    for repr_ in ("{'", "None", "True", "False", "=", "[", "T09:00"):
        assert repr_ not in cells, repr_
    bridge = next(rendered_text(c.value) for c in at.caption
                  if rendered_text(c.value).startswith("Bridge"))
    assert "desk states arriving: yes" in bridge and "states received: 40" in bridge
    assert "last test: desk/d-001 passed, 2026-11-22 08:59:00 UTC" in bridge
    assert "source problem: –" in bridge
    # the details under the picker are the picked light's alone
    assert "fw 1.0" in _shown(at) and "timeout" not in _shown(at)
    at.selectbox(key="test_pick").set_value("floor").run()
    assert "timeout (2026-11-22 08:58:00 UTC)" in _shown(at) and "fw 1.0" not in _shown(at)
    assert at.button(key="test_light").disabled, "the floor light is not tested from here"
    assert "data-light" in "".join(str(h.proto) for h in at.get("html"))


def _request(home: Path) -> Path:
    requests = list((home / "lights" / "requests").glob("test-d-000-*.json"))
    assert len(requests) == 1
    return requests[0]


def test_a_light_test_request_shows_its_outcome_until_dismissed(app, small_store) -> None:
    _write(app.home, "health.json", HEALTH)
    at = app(small_store.url, "lights")
    at.button(key="test_light").click().run()
    assert not at.exception
    request = _request(app.home)
    body = json.loads(request.read_text())
    assert body["v"] == 1 and body["action"] == "test" and body["desk_id"] == "d-000"
    assert body["requested_at"].endswith("Z")
    assert any("Test requested for d-000" in i for i in map(rendered_text,
                                                             (e.value for e in at.info)))
    assert at.button(key="test_light").disabled, "one test at a time"
    at.run()
    assert any("Test requested for d-000" in rendered_text(e.value) for e in at.info)
    # the bridge takes the request, cycles the light and reports (firmware_bridge.bridge)
    health = json.loads(json.dumps(HEALTH))
    health["bridge"]["last_test"] = {"at": body["requested_at"], "subject": "desk/d-000",
                                     "ok": True, "error": None, "origin": request.name}
    health["lights"]["d-000"]["last_test"] = {"at": body["requested_at"], "ok": True,
                                              "error": None}
    _write(app.home, "health.json", health)
    at.run()
    passed = [rendered_text(e.value) for e in at.success]
    assert any("The light of d-000 passed its test" in s for s in passed), passed
    assert not any("Test requested" in rendered_text(e.value) for e in at.info)
    assert at.dataframe[0].value["Last test"][0].startswith("passed, ")
    at.run()
    at.run()
    assert any("passed its test" in rendered_text(e.value) for e in at.success)
    [dismiss] = [b for b in at.button if (b.key or "").startswith("dismiss_")]
    dismiss.click().run()
    assert not any("passed its test" in rendered_text(e.value) for e in at.success)
    assert not at.button(key="test_light").disabled


def test_a_failed_light_test_is_an_error_that_stays(app, small_store) -> None:
    _write(app.home, "health.json", HEALTH)
    at = app(small_store.url, "lights")
    at.button(key="test_light").click().run()
    body = json.loads(_request(app.home).read_text())
    health = json.loads(json.dumps(HEALTH))  # merged into a running test: the light reports
    health["lights"]["d-000"]["last_test"] = {"at": body["requested_at"], "ok": False,
                                              "error": "no reply from the light"}
    _write(app.home, "health.json", health)
    at.run()
    at.run()
    assert any("d-000 failed its test" in rendered_text(e.value)
               and "no reply from the light" in rendered_text(e.value) for e in at.error)


def test_a_test_the_bridge_never_answers_says_so(app, small_store) -> None:
    from dashboard import lights_page

    _write(app.home, "health.json", HEALTH)
    at = app(small_store.url, "lights")
    at.button(key="test_light").click().run()
    pending = at.session_state[lights_page.PENDING]
    at.session_state[lights_page.PENDING] = {**pending, "since": "2026-11-22T09:00:00+00:00"}
    at.run()
    assert any("No answer from the bridge about d-000" in rendered_text(w.value)
               for w in at.warning)


def test_an_earlier_test_is_not_taken_for_the_answer(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    since = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    health = json.loads(json.dumps(HEALTH))
    health["lights"]["d-000"]["last_test"] = {"at": "2026-11-22T08:59:59.000Z", "ok": True}
    assert lights_files.request_outcome(health, "d-000", "test-d-000-9.json", since) is None
    health["bridge"]["last_test"] = {"at": "2026-11-22T09:00:01Z", "ok": False,
                                     "error": "no light is configured for desk/d-000",
                                     "origin": "test-d-000-9.json"}
    outcome = lights_files.request_outcome(health, "d-000", "test-d-000-9.json", since)
    assert outcome is not None and outcome.ok is False and "no light" in outcome.error


def test_lights_page_without_bridge_files_draws_desk_states(app, small_store) -> None:
    at = app(small_store.url, "lights")
    assert not at.exception
    assert any("bridge" in i.value for i in at.info)
    assert "data-light" in "".join(str(h.proto) for h in at.get("html"))


def test_corrupt_health_file_is_a_message(app, small_store) -> None:
    (app.home / "lights").mkdir()
    (app.home / "lights" / "health.json").write_text("{not json")
    at = app(small_store.url, "lights")
    assert not at.exception
    assert any("not valid JSON" in e.value for e in at.error)


def test_test_request_refuses_a_path_as_desk_id(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(ValueError):
        lights_files.request_test(tmp_path, "../etc")


def test_dead_letters_listed_and_searchable(app, small_store) -> None:
    at = app(small_store.url, "dead_letters")
    assert not at.exception
    assert len(at.dataframe[0].value) == 3
    at.text_input(key="dead_search").set_value("bad-1").run()
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="dead_search").set_value("nothing like this").run()
    assert any("No rejected events" in i.value for i in at.info)
