"""Lights (bridge files: health, virtual lights, test requests) and dead letters in AppTest."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard import lights_files


def _write(home: Path, name: str, data: object) -> None:
    (home / "lights").mkdir(exist_ok=True)
    (home / "lights" / name).write_text(json.dumps(data))


HEALTH = {"v": 1, "updated": "2026-11-22T09:00:00Z", "bridge": {"pid": 7},
          "lights": {"d-000": {"v": 1, "subject": "d-000", "kind": "floorlight_serial",
                               "address": "/dev/ttyUSB0", "online": True, "state": "calm",
                               "last_ok": "2026-11-22T09:00:00Z", "last_error": None,
                               "last_error_at": None, "detail": "fw 1.0"},
                     "floor": {"v": 1, "subject": "floor", "kind": "wled", "address": "x",
                               "online": False, "state": "alert", "last_ok": None,
                               "last_error": "timeout", "last_error_at": None, "detail": ""}}}
VIRTUAL = {"v": 1, "updated": "2026-11-22T09:00:00Z",
           "lights": {"d-000": {"state": "alert", "online": True, "subject": "desk/d-000",
                                "look": {"color": "#FF0000", "effect": "blink",
                                         "period_ms": 400, "brightness": 255}}}}


def test_lights_page_shows_health_and_sends_a_test_request(app, small_store) -> None:
    _write(app.home, "health.json", HEALTH)
    _write(app.home, "virtual.json", VIRTUAL)
    at = app(small_store.url, "lights")
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["light"]) == ["d-000", "floor"]
    assert "data-light" in "".join(str(h.proto) for h in at.get("html"))
    at.button(key="test_d-000").click().run()
    assert not at.exception
    requests = list((app.home / "lights" / "requests").glob("test-d-000-*.json"))
    assert len(requests) == 1
    body = json.loads(requests[0].read_text())
    assert body["v"] == 1 and body["action"] == "test" and body["desk_id"] == "d-000"
    assert body["requested_at"].endswith("Z")


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
