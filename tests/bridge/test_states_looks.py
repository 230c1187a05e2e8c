"""Desk states parsed at the edge; looks, overrides, quiet hours; software effects."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from firmware_bridge.errors import BadMessage
from firmware_bridge.looks import DEFAULT_LOOKS, Color, Look, LookBook, QuietHours
from firmware_bridge.render import frame_at
from firmware_bridge.states import (
    STALE,
    StateUpdate,
    Subject,
    parse_state_message,
    subject_from_topic,
)

DESK = Subject("desk", "d-17")


@pytest.mark.parametrize(("topic", "subject"), [
    ("floorlight/desk/d-17/state", DESK),
    ("floorlight/floor/state", Subject("floor")),
    ("floorlight/team/billing/state", Subject("team", "billing")),
    ("floorlight/desk/d-17/light/status", None),
    ("other/desk/d-17/state", None),
    ("floorlight/desk//state", None),
])
def test_subject_from_topic(topic: str, subject: Subject | None) -> None:
    assert subject_from_topic("floorlight", topic) == subject


def test_desk_state_message_from_events_md() -> None:
    payload = (b'{"v":1,"desk_id":"d-17","agent_id":"a-17","state":"alert","call_id":"c-42",'
               b'"risk":0.91,"reason":"supervisor_request","since":"2026-11-22T09:34:12Z",'
               b'"ts":"2026-11-22T09:34:12Z"}')
    update = parse_state_message(DESK, payload)
    assert update == StateUpdate(DESK, "alert", "2026-11-22T09:34:12Z", "supervisor_request")


def test_floor_and_team_summaries_take_their_subject_from_the_topic() -> None:
    floor = parse_state_message(Subject("floor"), b'{"v":1,"state":"watch","counts":{"watch":2}}')
    team = parse_state_message(Subject("team", "billing"),
                               b'{"v":1,"team":"billing","state":"alert"}')
    assert floor.state == "watch" and team.subject == Subject("team", "billing")


def test_cleared_retained_state_means_off() -> None:
    assert parse_state_message(DESK, b"").state == "off"


@pytest.mark.parametrize(("payload", "message"), [
    (b"{not json", "malformed state JSON"),
    (b"\xff\xfe", "malformed state JSON"),
    (b"[1]", "must be a JSON object"),
    (b'{"v":1,"desk_id":"d-17","state":"panic"}', "unknown state 'panic'"),
    (b'{"v":1,"desk_id":"d-17"}', "missing or non-string 'state'"),
    (b'{"v":2,"desk_id":"d-17","state":"calm"}', "unsupported desk state version"),
    (b'{"v":1,"desk_id":"d-18","state":"calm"}', "arrived on the topic of d-17"),
])
def test_bad_state_messages_are_rejected_with_a_reason(payload: bytes, message: str) -> None:
    with pytest.raises(BadMessage, match=message):
        parse_state_message(DESK, payload)


@pytest.mark.parametrize("name", ["", "a/b", "a+b", "#", " d1", "x" * 129])
def test_subject_names_must_be_topic_safe(name: str) -> None:
    with pytest.raises(BadMessage):
        Subject("desk", name)


def test_subject_labels_round_trip() -> None:
    for text in ("d-17", "floor", "team/billing"):
        assert Subject.parse(text).label == text


def test_every_lit_state_has_its_own_rhythm_not_just_a_colour() -> None:
    patterns = {(DEFAULT_LOOKS[s].effect, DEFAULT_LOOKS[s].period_ms)
                for s in ("calm", "watch", "alert", "acknowledged", STALE)}
    assert len(patterns) == 5
    assert DEFAULT_LOOKS["off"].dark


@pytest.mark.parametrize("bad", [
    dict(effect="strobe"), dict(period_ms=50), dict(brightness=300), dict(period_ms=1.5)])
def test_looks_validate_themselves(bad: dict) -> None:
    with pytest.raises(ValueError):
        Look(Color(1, 2, 3), **bad)


def test_colour_parsing_and_scaling() -> None:
    assert Color.parse("#ff8000").hex == "#FF8000"
    assert Color.parse("#FF8000").scaled(128) == Color(128, 64, 0)
    with pytest.raises(ValueError):
        Color.parse("orange")


def test_overrides_and_quiet_hours() -> None:
    dim_calm = Look(Color.parse("#00FF00"), "solid", brightness=60)
    book = LookBook(overrides={DESK: {"calm": dim_calm}},
                    quiet=QuietHours(time(20, 0), time(7, 0), brightness=30))
    day, night = datetime(2026, 11, 22, 12, 0), datetime(2026, 11, 22, 23, 30)
    assert book.look_for(DESK, "calm", day) == dim_calm
    assert book.look_for(Subject("desk", "d-1"), "calm", day) == DEFAULT_LOOKS["calm"]
    assert book.look_for(DESK, "calm", night).brightness == 30
    assert book.look_for(DESK, "watch", datetime(2026, 11, 22, 6, 59)).brightness == 30
    assert book.look_for(DESK, "alert", night) == DEFAULT_LOOKS["alert"]  # never dimmed
    assert book.look_for(DESK, "watch", datetime(2026, 11, 22, 7, 0)).brightness == 255


def test_software_blink_and_pulse_frames() -> None:
    blink = Look(Color.parse("#FF0000"), "blink", period_ms=400)
    assert frame_at(blink, 0.0) == (Color(255, 0, 0), pytest.approx(0.2))
    assert frame_at(blink, 0.25) == (Color(0, 0, 0), pytest.approx(0.15))
    pulse = Look(Color.parse("#FFFFFF"), "pulse", period_ms=1600, brightness=200)
    levels = [frame_at(pulse, t / 10)[0].r for t in range(16)]
    assert min(levels) > 0 and max(levels) <= 200 and levels[0] < levels[8] > levels[15]
    assert frame_at(Look(Color.parse("#00FF00")), 3.0) == (Color(0, 255, 0), None)
    assert frame_at(DEFAULT_LOOKS["off"], 0.0) == (Color(0, 0, 0), None)
