"""Desk states from a plain callable (polled) or an iterator (consumed as it yields).

``PollingSource(fetch)`` is how the store plugs in: ``fetch`` returns the current rows of
``desk_states`` as mappings (``desk_id``, ``state``, ``ts``, …); only changes reach the
bridge. ``IterableSource`` takes JSON lines, mappings or :class:`StateUpdate` objects, e.g.
``floorlight bridge --states FILE|-``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from firmware_bridge.errors import BadMessage
from firmware_bridge.sources.base import StateSink
from firmware_bridge.states import StateUpdate, Subject

Row = StateUpdate | Mapping[str, Any] | str | bytes


def to_update(row: Row) -> StateUpdate:
    """A state update from a row of any supported shape (raises BadMessage)."""
    if isinstance(row, StateUpdate):
        return row
    if isinstance(row, str | bytes):
        try:
            row = json.loads(row)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadMessage(f"malformed state JSON: {err}") from err
    subject = None
    if isinstance(row, Mapping) and row.get("subject"):
        subject = Subject.parse(str(row["subject"]))
    return StateUpdate.from_mapping(row, subject=subject)  # type: ignore[arg-type]


def _row_name(row: Row) -> str:
    if isinstance(row, Mapping):
        return str(row.get("desk_id") or row.get("subject") or row.get("team") or "?")[:64]
    return "row"


class PollingSource:
    def __init__(self, fetch: Callable[[], Iterable[Row]], *, interval_s: float = 0.5,
                 logger: logging.Logger | None = None) -> None:
        self.fetch, self.interval_s = fetch, interval_s
        self.log = logger or logging.getLogger(__name__)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="state-poller")
        self._seen: dict[Subject, tuple[str, str]] = {}
        self._raw_seen: dict[tuple[str, ...], tuple[str, str]] = {}
        self._sink: StateSink | None = None

    def start(self, sink: StateSink) -> None:
        self._sink = sink
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def poll_once(self) -> None:
        assert self._sink is not None
        try:
            rows = list(self.fetch())
        except Exception as err:  # whatever the store raises: the lights go stale, not down
            self._sink.on_source_status(False, f"cannot read desk states: {err}")
            return
        self._sink.on_source_status(True, "")
        for row in rows:
            if not self._raw_changed(row):
                continue
            try:
                update = to_update(row)
            except BadMessage as err:
                self._sink.on_bad_message(f"poll ({_row_name(row)})", str(err))
                continue
            key = (update.state, update.ts)
            if self._seen.get(update.subject) != key:
                self._seen[update.subject] = key
                self._sink.on_state(update)

    def _raw_changed(self, row: Row) -> bool:
        """Whether a mapping row's state or ts moved since the last poll. Checked before
        parsing, so a bad row is reported once, not on every poll until it is fixed."""
        if not isinstance(row, Mapping):
            return True
        ident = tuple(repr(row.get(k)) for k in ("subject", "desk_id", "team", "scope"))
        value = (repr(row.get("state")), repr(row.get("ts")))
        if self._raw_seen.get(ident) == value:
            return False
        self._raw_seen[ident] = value
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.interval_s)


class IterableSource:
    """Consumes ``items`` on a thread; when they run out the source reports itself
    unhealthy (no fresh states will come), so lights go stale after the grace period."""

    def __init__(self, items: Iterable[Row], *, logger: logging.Logger | None = None) -> None:
        self.items = items
        self.log = logger or logging.getLogger(__name__)
        self._thread = threading.Thread(target=self._run, daemon=True, name="state-reader")
        self._stop = threading.Event()
        self._sink: StateSink | None = None
        self.done = threading.Event()

    def start(self, sink: StateSink) -> None:
        self._sink = sink
        sink.on_source_status(True, "")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        assert self._sink is not None
        for number, row in enumerate(self.items, start=1):
            if self._stop.is_set():
                break
            if isinstance(row, str | bytes) and not row.strip():
                continue
            try:
                self._sink.on_state(to_update(row))
            except BadMessage as err:
                self._sink.on_bad_message(f"line {number}", str(err))
        self._sink.on_source_status(False, "desk state stream ended")
        self.done.set()
