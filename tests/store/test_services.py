"""The registry of running services: one grammar for row names and availability topics, and
one judgement of which monitors the floor needs and how each of them is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import services
from store.services import BRIDGE_ID, Sighting, from_row_name, from_topic, liveness, monitor

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("service", "row", "topic"), [
    (monitor(), "monitor", "fl/monitor/status"),
    (monitor(standby=True), "monitor-standby", "fl/monitor/standby"),
    (monitor(1, 2), "monitor-1of2", "fl/monitor/monitor-1of2/status"),
    (monitor(1, 2, standby=True), "monitor-1of2-standby", "fl/monitor/monitor-1of2/standby"),
])
def test_row_names_and_topics_come_from_one_grammar(service, row: str, topic: str) -> None:
    assert service.row_name == row and service.status_topic("fl") == topic
    assert from_row_name(row) == service and from_topic("fl", topic) == service


def test_other_names_and_topics_are_no_service() -> None:
    assert from_row_name("monitor-2of2") is None and from_row_name("scheduler") is None
    assert from_topic("fl", "fl/monitor/monitor-0of2/owner") is None
    assert from_topic("fl", "fl/desk/d-1/state") is None
    assert from_topic("fl", "fl/bridge/status") == BRIDGE_ID


def test_every_shard_is_needed_and_a_dead_one_is_named() -> None:
    floor = liveness([Sighting(monitor(0, 2), "online", NOW),
                      Sighting(monitor(1, 2), "online", NOW - timedelta(seconds=60))], NOW)
    assert [w.state for w in floor.workers] == ["online", "silent"]
    assert not floor.fresh and floor.problem() == "monitor-1of2 is silent"
    alone = liveness([Sighting(monitor(0, 3), "online")], NOW)
    assert [w.state for w in alone.workers] == ["online", "missing", "missing"]
    assert alone.availability_topics("fl") == tuple(
        f"fl/monitor/monitor-{i}of3/status" for i in range(3))


def test_a_row_left_from_an_earlier_layout_neither_counts_as_down_nor_up() -> None:
    floor = liveness([Sighting(monitor(), "offline", NOW - timedelta(days=1)),
                      Sighting(monitor(0, 2), "online", NOW),
                      Sighting(monitor(1, 2), "online", NOW)], NOW)
    assert floor.fresh and [str(w.service) for w in floor.workers] == [
        "monitor-0of2", "monitor-1of2"]


def test_no_monitor_at_all_is_taken_as_it_is() -> None:
    floor = liveness([], NOW)
    assert floor.fresh and not floor.registered
    assert floor.availability_topics("fl") == ("fl/monitor/status",)


def test_silence_is_measured_in_the_monitors_own_heartbeats() -> None:
    quiet = NOW - timedelta(seconds=4)
    assert Sighting(monitor(), "online", quiet, heartbeat_s=1.0).state(NOW) == services.SILENT
    assert Sighting(monitor(), "online", quiet, heartbeat_s=5.0).state(NOW) == services.ONLINE
