"""Where transports drop raw events for the monitor's loop, and how a batch is taken out:
round-robin over calls with a per-call cap, so a flood of events for one call never starves
the others (each call's own events keep their order)."""

from __future__ import annotations

import queue
from collections import OrderedDict, deque

from monitor.engine import Incoming


class FairInbox:
    def __init__(self) -> None:
        self._arrivals: queue.SimpleQueue[tuple[str, Incoming]] = queue.SimpleQueue()
        self._by_call: OrderedDict[str, deque[Incoming]] = OrderedDict()
        self._held = 0

    def put(self, key: str, item: Incoming) -> None:
        """Thread-safe; ``key`` is the call the event is for (an MQTT topic's last part)."""
        self._arrivals.put((key, item))

    def clear(self) -> None:
        """Drop everything waiting (not thread-safe against ``put``: stop the producer first)."""
        self._drain()
        self._by_call.clear()
        self._held = 0

    def __len__(self) -> int:
        return self._held + self._arrivals.qsize()

    def take(self, batch_max: int, per_call: int, timeout: float) -> list[Incoming]:
        """Up to ``batch_max`` events, at most ``per_call`` of each call; waits up to
        ``timeout`` seconds for the first one."""
        if not self._held:
            try:
                self._hold(*self._arrivals.get(timeout=timeout))
            except queue.Empty:
                return []
        self._drain()
        batch: list[Incoming] = []
        for key in list(self._by_call):
            waiting = self._by_call[key]
            for _ in range(min(per_call, len(waiting), batch_max - len(batch))):
                batch.append(waiting.popleft())
            if waiting:
                self._by_call.move_to_end(key)  # served: the others go first next time
            else:
                del self._by_call[key]
            if len(batch) >= batch_max:
                break
        self._held -= len(batch)
        return batch

    def _drain(self) -> None:
        while True:
            try:
                self._hold(*self._arrivals.get_nowait())
            except queue.Empty:
                return

    def _hold(self, key: str, item: Incoming) -> None:
        self._by_call.setdefault(key, deque()).append(item)
        self._held += 1
