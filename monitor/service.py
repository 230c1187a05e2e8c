"""The monitor's loop: take a fair batch from the inbox, let the engine work it out, write it
in one transaction, publish the desk states, then acknowledge the events. Between batches:
supervisors' acknowledgements, seq gaps and idle calls, a newly promoted model swapped in, and
a heartbeat in the store."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime

from monitor.engine import Changes, Engine, Incoming
from monitor.floor import same_summary, summary
from monitor.inbox import FairInbox
from monitor.model_watch import ModelWatcher, SwapRefused
from store import services
from store.lease import LeaseLost
from store.services import ServiceId
from store.writer import StoreWriter

log = logging.getLogger("floorlight.monitor")
SLOW_BATCH_S = 0.1


class Publisher:
    """Where desk states go besides the store (the MQTT link); ``None`` means store only."""

    def publish(self, topic: str, payload: bytes | str) -> None: ...

    def ack(self, token: object) -> None: ...


class MonitorService:
    def __init__(self, engine: Engine, writer: StoreWriter, inbox: FairInbox | None = None,
                 publisher: Publisher | None = None, models: ModelWatcher | None = None) -> None:
        self.engine, self.writer = engine, writer
        self.inbox = inbox if inbox is not None else FairInbox()
        self.publisher = publisher
        self.models = models  # None: the model given at start runs until the process ends
        self.model_since = datetime.now(UTC)  # when the running version went live here
        self.model_previous: str | None = None
        self._refusal_reported: SwapRefused | None = None
        self.config = engine.config
        self._republish = threading.Event()
        self._summaries: dict[str, dict] = {}
        self._published_states: dict[str, tuple[str, str | None]] = {}
        self._next_housekeeping = 0.0
        self._next_heartbeat = 0.0
        self.batches = 0

    @property
    def identity(self) -> ServiceId:
        return services.monitor(self.config.shard.index, self.config.shard.count)

    @property
    def name(self) -> str:
        """This worker's row in table ``services``."""
        return self.identity.row_name

    def resume(self) -> None:
        """Pick up open calls, held-back utterances and desk states from the store."""
        calls = self.writer.open_calls()
        set_aside = self.engine.restore(calls, self.writer.turns([c["call_id"] for c in calls]),
                                        self.writer.pending(), self.writer.desks())
        if set_aside:
            self.writer.write(set_aside)
        derived = self.writer.backfill_facts()
        log.info("resumed %d open calls and %d desks from the store%s", len(self.engine.calls),
                 len(self.engine.desks), f"; history facts for {derived} older calls" if derived
                 else "")

    def become_passive(self) -> None:
        """Forget everything held in memory (a standby, or a monitor that lost its lease):
        the next :meth:`resume` starts from what the store holds, and events taken in but
        never acknowledged are left to the broker to deliver again."""
        self.engine.forget()
        self.inbox.clear()
        self._summaries.clear()
        self._published_states.clear()
        self._next_housekeeping = self._next_heartbeat = 0.0

    def request_republish(self) -> None:
        """Called from the MQTT thread on every (re)connect."""
        self._republish.set()

    # --- the loop ----------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, idle_wait_s: float = 0.05) -> None:
        """Loop until ``stop`` is set (call :meth:`resume` first, :meth:`close` after)."""
        while not stop.is_set():
            self.step(idle_wait_s)

    def close(self) -> None:
        """Say goodbye: heartbeat ``offline``, last-will-free disconnect."""
        if self.models is not None:
            self.models.stop()
        self._heartbeat("offline")
        if self.publisher is not None and hasattr(self.publisher, "stop"):
            self.publisher.stop()

    def step(self, wait_s: float = 0.0) -> int:
        """One batch (if any arrived within ``wait_s``) and due housekeeping."""
        if self._republish.is_set():
            self._republish.clear()
            self._publish_all()
        self._follow_registry()
        items = self.inbox.take(self.config.batch_max, self.config.per_call_batch_max, wait_s)
        if items:
            self.process(items)
        now = time.monotonic()
        if now >= self._next_housekeeping:
            self._next_housekeeping = now + self.config.ack_poll_s
            self.housekeeping()
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + self.config.heartbeat_s
            self._heartbeat("online")
        return len(items)

    def process(self, items: list[Incoming]) -> None:
        """Apply a batch exactly once. If anything in it fails, the engine is rebuilt from the
        store (what committed is the truth) and the batch is applied one event at a time; an
        event that fails on its own is set aside as a dead letter. Then all are acknowledged."""
        try:
            self._apply(items)
        except LeaseLost:
            raise  # not this batch's fault: another monitor takes it over, unacknowledged
        except Exception as err:
            log.error("a batch of %d events failed (%s); applying them one by one",
                      len(items), _summary(err))
            if len(items) == 1:
                self._set_aside(items[0], err)
            else:
                self._reload()
                for item in items:
                    try:
                        self._apply([item])
                    except LeaseLost:
                        raise
                    except Exception as one:
                        self._set_aside(item, one)
        if self.publisher is not None:
            for item in items:
                if item.token is not None:
                    self.publisher.ack(item.token)
        self.batches += 1

    def _apply(self, items: list[Incoming]) -> None:
        started = time.perf_counter()
        changes = self.engine.handle(items, self.writer)
        worked = time.perf_counter()
        self._commit(changes)
        done = time.perf_counter()
        if done - started > SLOW_BATCH_S:
            log.warning("slow batch: %d events, %.0f ms working, %.0f ms storing+publishing",
                        len(items), 1000 * (worked - started), 1000 * (done - worked))

    def _set_aside(self, item: Incoming, err: BaseException) -> None:
        log.error("event from %s could not be applied and is set aside: %s", item.source,
                  _summary(err))
        self._reload()
        self._commit(self.engine.quarantine(item, f"could not be applied: {_summary(err)}"))

    def _follow_registry(self) -> None:
        """Between batches: swap in a promoted version the watcher has loaded and checked."""
        if self.models is None:
            return
        model = self.models.take()
        if model is not None:
            previous = self.engine.model.version
            moved = self.engine.swap_model(model)
            self.model_previous, self.model_since = previous, datetime.now(UTC)
            self._next_heartbeat = 0.0  # the dashboard shows the switch at once
            log.info("model %s is live (was %s): %d open calls carry on with their state",
                     model.version, previous, moved)
        refused = self.models.refused
        if refused is not self._refusal_reported:
            self._refusal_reported = refused
            self._next_heartbeat = 0.0

    def _reload(self) -> None:
        """Forget the half-applied state and carry on from what the store holds."""
        self.engine.forget()
        self.resume()

    def housekeeping(self) -> None:
        try:
            self._housekeeping()
        except LeaseLost:
            raise
        except Exception as err:
            log.error("housekeeping failed (%s); reloading from the store", _summary(err))
            self._reload()

    def _housekeeping(self) -> None:
        acks = self.writer.acknowledgements()
        if acks:
            self._commit(self.engine.acknowledge(acks))
        self._commit(self.engine.tick())
        if self.publisher is not None and self.config.shard.count > 1:
            # other workers change the floor too: catch up with the shared store
            self._publish_summaries(force=False)

    def feed(self, events: Iterable[Incoming]) -> None:
        """Queue events from inside this process (the simulator, stdin)."""
        for item in events:
            self.inbox.put(_key(item), item)

    def _commit(self, changes: Changes) -> None:
        if not changes:
            return
        self.writer.write(changes)
        self._publish(changes)

    # --- out ---------------------------------------------------------------------------------

    def _publish(self, changes: Changes) -> None:
        if self.publisher is None or not changes.desks:
            return
        prefix = self.config.prefix
        moved = False
        for desk in changes.desks.values():
            self.publisher.publish(f"{prefix}/desk/{desk.desk_id}/state", desk.payload())
            moved = moved or self._published_states.get(desk.desk_id) != (desk.state, desk.team)
            self._published_states[desk.desk_id] = (desk.state, desk.team)
        if moved:  # most turns move only a desk's risk: the floor and teams stay as they were
            self._publish_summaries(force=False)

    def _publish_all(self) -> None:
        if self.publisher is None:
            return
        for desk in self.engine.desks.values():
            self.publisher.publish(f"{self.config.prefix}/desk/{desk.desk_id}/state",
                                   desk.payload())
        self._publish_summaries(force=True)
        log.info("republished %d desk states", len(self.engine.desks))

    def _publish_summaries(self, *, force: bool) -> None:
        """Floor and team states; from the store when several workers share the floor."""
        if self.config.shard.count == 1:
            rows = [(d.team, d.state) for d in self.engine.desks.values()]
        else:
            rows = [(r["team"], r["state"]) for r in self.writer.desk_state_counts()]
        now = datetime.now(UTC)
        teams: dict[str, list[str]] = {}
        for team, state in rows:
            if team:
                teams.setdefault(team, []).append(state)
        wanted = {"floor/state": summary((s for _, s in rows), now)}
        wanted |= {f"team/{t}/state": summary(states, now, t) for t, states in teams.items()}
        for topic, body in wanted.items():
            if force or not same_summary(self._summaries.get(topic), body):
                self._summaries[topic] = body
                self.publisher.publish(f"{self.config.prefix}/{topic}", json.dumps(body))

    def _heartbeat(self, status: str) -> None:
        info = {"pid": os.getpid(), "open_calls": len(self.engine.calls),
                "desks": len(self.engine.desks), "backlog": len(self.inbox),
                "shard": str(self.config.shard), "heartbeat_s": self.config.heartbeat_s,
                **self._model_health(),
                "mqtt": self.publisher is not None, **self.engine.counters}
        self.writer.heartbeat(self.name, status, info, datetime.now(UTC))

    def _model_health(self) -> dict:
        """Which version scores, since when, and a promoted version it refused (and why)."""
        refused = self.models.refused if self.models is not None else None
        return {"model": self.engine.model.version,
                "model_since": self.model_since.isoformat(timespec="seconds"),
                "model_previous": self.model_previous,
                "model_follows": self.models is not None,
                "model_promoted": self.models.promoted if self.models is not None else None,
                "model_refused": None if refused is None else {
                    "version": refused.version, "reason": refused.reason[:500],
                    "at": refused.at.isoformat(timespec="seconds")}}


def _summary(err: BaseException) -> str:
    """The exception and where it was raised, in one line (for a dead letter and the log)."""
    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno} " \
            f"in {frames[-1].name}" if frames else ""
    return f"{type(err).__name__}: {str(err)[:300]}{where}"


def _key(item: Incoming) -> str:
    raw = item.raw
    call_id = getattr(raw, "call_id", None)
    return call_id or item.source
