"""Desk states from the store, for ``floorlight bridge`` when no broker is configured.

``firmware_bridge`` may not import the store (architecture.md), so this adapter lives with
the CLI and only translates: the store's :class:`~store.desk_feed.DeskFeed` reads the rows,
judges the monitors and summarises the floor; :class:`StoreDeskStates` hands its reading to
the bridge's :class:`~firmware_bridge.sources.polling.PollingSource` as bridge types."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from firmware_bridge.errors import BadMessage, ConfigError
from firmware_bridge.states import StateUpdate, Subject
from store.db import redact_url
from store.desk_feed import POLL_S, DeskFeed, Summary

__all__ = ["POLL_S", "StoreDeskStates"]


class StoreDeskStates:
    """Called by the poller: every desk's row, then the floor and team summaries. Raises
    :class:`~store.errors.StoreError` when the store cannot be read or vouched for."""

    def __init__(self, url: str) -> None:
        try:
            make_url(url)
        except ArgumentError as err:  # fatal: a typo does not get better with retries
            raise ConfigError(f"--db: not a database URL: {redact_url(url)}",
                              key="--db") from err
        self.feed = DeskFeed(url)

    def __call__(self) -> list[dict[str, Any] | StateUpdate]:
        reading = self.feed.read()
        return [*reading.desks, *_updates(reading.summaries)]

    def close(self) -> None:
        self.feed.close()


def _updates(summaries: list[Summary]) -> list[StateUpdate]:
    out = []
    for summary in summaries:
        try:
            subject = Subject("floor") if summary.team is None else Subject("team", summary.team)
        except BadMessage:
            continue  # a team name that cannot be a subject: its desks still light
        out.append(StateUpdate(subject, summary.state, ts=summary.ts, reason="summary"))
    return out
