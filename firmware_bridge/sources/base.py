"""The interface between a source of desk states and the bridge."""

from __future__ import annotations

from typing import Protocol

from firmware_bridge.states import StateUpdate


class StateSink(Protocol):
    """The bridge, as a source sees it. Calls may come from any thread."""

    def on_state(self, update: StateUpdate) -> None: ...

    def on_source_status(self, healthy: bool, reason: str) -> None:
        """``healthy=False``: states may be going stale (broker lost, monitor offline,
        the store unreadable). The bridge shows ``stale`` if it lasts."""

    def on_bad_message(self, where: str, error: str) -> None: ...

    # Optional (a source calls it only if the sink has it):
    # ``on_availability(topics)``: the monitors' availability topics changed (a scale-out
    # was seen), so Home Assistant's discovery must be announced again.


class DeskStateSource(Protocol):
    def start(self, sink: StateSink) -> None: ...

    def stop(self) -> None: ...
