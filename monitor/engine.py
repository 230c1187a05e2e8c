"""The monitor's core: a batch of raw call events in, the store changes and desk states out.

No I/O happens here. Each way in (MQTT, a file, the simulator) hands batches to
:meth:`Engine.handle`; the caller writes the returned :class:`Changes` in one transaction and
only then publishes desk states and acknowledges the events, so a crash between the two
replays events that deduplication (``event_id``) then ignores.

A batch goes through three phases: route every event (validate, deduplicate, open or end
calls, put utterances back in seq order), score every turn that became ready in one
classifier call, then apply the turns in order to each call's risk tracker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol
from zlib import crc32

from models.artifacts import FloorlightModel
from models.classifier import Prediction
from models.lexicon import Lexicon
from models.scorecard import ScoredTurn, qa_phrases, scorecard, turn_matches, turn_qa
from models.text import clean_text, detect_lang
from monitor.calls import OpenCall
from monitor.config import MonitorConfig
from monitor.events import (
    CallEnded,
    CallStarted,
    Event,
    EventRejected,
    Utterance,
    event_from_dict,
    parse_event,
)
from monitor.floor import DeskState, off_desk
from monitor.redact import decode_escapes, redact
from store.rows import (
    AlertRow,
    CallRow,
    DeadLetterRow,
    PendingRow,
    SeenRow,
    UtteranceRow,
)
from store.values import utc

log = logging.getLogger("floorlight.monitor")

PAYLOAD_KEEP = 2000  # characters of a rejected event kept for the dead-letter view
PAYLOAD_MARGIN = 64  # read past the cut: longer than any number redaction looks for
ENDED_MEMORY = 50_000  # recently ended call ids kept in memory (older ones: asked of the store)


class Lookup(Protocol):
    """What the engine asks of the store (one query each, per batch)."""

    def seen(self, event_ids: Sequence[str]) -> set[str]: ...

    def call_status(self, call_ids: Sequence[str]) -> dict[str, str]: ...


@dataclass
class Incoming:
    """One raw event and where it came from (a topic, ``file:line``, ``simulator``)."""

    source: str
    raw: bytes | str | dict | Event
    token: object = None  # the transport's handle for acknowledging it (an MQTT mid)


@dataclass
class Changes:
    """Everything one batch changes in the store, and the desk states to publish."""

    seen: list[SeenRow] = field(default_factory=list)
    calls: dict[str, CallRow] = field(default_factory=dict)
    utterances: list[UtteranceRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)
    alerts_closed: list[tuple[str, datetime]] = field(default_factory=list)
    acks_applied: list[int] = field(default_factory=list)
    csat: list[tuple[str, int]] = field(default_factory=list)
    desks: dict[str, DeskState] = field(default_factory=dict)
    dead: list[DeadLetterRow] = field(default_factory=list)
    pending_add: list[PendingRow] = field(default_factory=list)
    pending_remove: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(bool(v) for v in vars(self).values())


@dataclass(frozen=True)
class _Start:
    call: OpenCall


@dataclass(frozen=True)
class _Turn:
    call: OpenCall
    utterance: Utterance


@dataclass(frozen=True)
class _End:
    call: OpenCall
    ts: datetime
    status: str  # ended | timed_out
    csat: int | None = None


_Action = _Start | _Turn | _End


class Engine:
    def __init__(
        self,
        model: FloorlightModel,
        config: MonitorConfig,
        lexicon: Lexicon,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.model, self.config, self.lexicon = model, config, lexicon
        self.calls: dict[str, OpenCall] = {}
        self.desks: dict[str, DeskState] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._clock, self._now = clock, now
        self._persisted_pending: set[str] = set()
        self.counters = {"events": 0, "turns": 0, "dead_letters": 0, "duplicates": 0,
                         "calls_ended": 0, "quarantined": 0, "gaps": 0}
        self._warm_up()

    def _warm_up(self) -> None:
        """Build the model's lazy lookup tables now, not on the first live turn (about
        0.1 s once per process, which would otherwise land on a desk's first update)."""
        self.model.score(["warm up, sorry, thank you"], ["agent"])
        turn_qa("warm up", "agent", self.lexicon)

    def swap_model(self, model: FloorlightModel) -> int:
        """Score from now on with ``model`` (call between batches only). Open calls keep their
        state: each call's tracker state moves into the new version's tracker, as a restart
        would restore it; a call whose state the new tracker cannot take keeps the tracker it
        has. Returns how many open calls moved."""
        moved = 0
        for call in self.calls.values():
            try:
                call.tracker = model.new_call().restore(call.tracker.snapshot())
                moved += 1
            except Exception as err:  # any shape mismatch: that call carries on as it was
                log.warning("call %s keeps its %s tracker state (%s)", call.call_id,
                            self.model.version, err)
        self.model = model
        return moved

    def forget(self) -> None:
        """Drop everything held in memory (before :meth:`restore` rebuilds it from the store,
        after a batch failed half-way through)."""
        self.calls.clear()
        self.desks.clear()
        self._ended.clear()
        self._persisted_pending.clear()

    def restore(self, call_rows: Iterable[dict], turn_rows: Iterable[dict],
                pending_rows: Iterable[dict], desk_rows: Iterable[dict]) -> Changes:
        """Carry on after a restart from what the store holds (its rows as dicts). A held-back
        utterance that can no longer be applied is returned as a dead letter (and removed
        from the store's pending rows) instead of stopping the start-up."""
        changes, now = Changes(), self._now()
        for row in desk_rows:
            self.desks[row["desk_id"]] = DeskState(**{
                **row, "since": utc(row["since"]), "ts": utc(row["ts"])})
        turns: dict[str, list[ScoredTurn]] = {}
        for row in turn_rows:
            turns.setdefault(row["call_id"], []).append(ScoredTurn(
                row["speaker"], row["text"], row["sentiment"], row["cue"], row["t"],
                row["t_end"]))
        for row in call_rows:
            if self.owns(row["call_id"]):
                self.calls[row["call_id"]] = self._reopen(row, turns.get(row["call_id"], []))
        for row in pending_rows:
            call = self.calls.get(row["call_id"])
            if call is None:
                continue
            try:
                event = parse_event(row["payload"])
                if not isinstance(event, Utterance) or event.seq < call.next_seq:
                    raise EventRejected("not an utterance still to come")
            except EventRejected as err:
                self._dead(changes, now, "pending", f"held-back event cannot be applied: "
                           f"{err.reason}; set aside", row["event_id"], row["call_id"],
                           row["payload"])
                changes.pending_remove.append(row["event_id"])
                continue
            call.pending[event.seq] = event
            call.waiting_since = self._clock()
            self._persisted_pending.add(event.event_id)
        return changes

    def _reopen(self, row: dict, turns: list[ScoredTurn]) -> OpenCall:
        saved = row.get("tracker_state") or {}
        tracker = self.model.new_call()
        if saved.get("v") == 1:
            try:
                tracker.restore(saved["tracker"])
            except Exception as err:
                log.warning("call %s: saved tracker state unreadable (%s); risk restarts",
                            row["call_id"], err)
                tracker = self.model.new_call()
        return OpenCall(
            call_id=row["call_id"], agent_id=row["agent_id"], desk_id=row["desk_id"],
            team=row["team"], lang=row["lang"], started_at=utc(row["started_at"]),
            tracker=tracker, implicit=row["implicit_start"], next_seq=row["next_seq"],
            gaps=row["gaps"], last_event_at=utc(row["last_event_at"] or row["started_at"]),
            turns=turns, sentiment_sum=saved.get("sentiment_sum", 0.0),
            sentiment_n=saved.get("sentiment_n", 0), max_risk=row["max_risk"],
            first_alert_index=row["first_alert_index"], csat=row["csat"])

    # --- ownership (scale-out: each worker owns a fixed set of call shards) ---------------

    def owns(self, call_id: str | None) -> bool:
        shard = self.config.shard
        if shard.count == 1:
            return True
        if call_id is None:  # no call to shard by: the first worker files the dead letter
            return shard.index == 0
        return crc32(call_id.encode()) % shard.count == shard.index

    # --- the batch --------------------------------------------------------------------------

    def handle(self, items: Sequence[Incoming], lookup: Lookup) -> Changes:
        changes = Changes()
        now = self._now()
        events = self._parse_all(items, changes, now, lookup)
        events = self._deduplicate(events, lookup, changes, now)
        statuses = lookup.call_status(
            sorted({e.call_id for _, e in events if e.call_id not in self.calls})
        )
        actions: list[_Action] = []
        for source, event in events:
            self._route(source, event, statuses, actions, changes, now)
        self._persist_pending(changes)
        self._execute(actions, changes, now)
        return changes

    def tick(self) -> Changes:
        """Skip seq gaps waited on for too long; close calls idle for too long."""
        changes, now, mono = Changes(), self._now(), self._clock()
        actions: list[_Action] = []
        for call in list(self.calls.values()):
            if call.pending and call.waiting_since is not None and \
                    mono - call.waiting_since >= self.config.reorder_wait_s:
                actions.extend(self._skip_gaps(call, changes, now, until_empty=False))
            idle = (now - (call.last_event_at or call.started_at)).total_seconds()
            if idle >= self.config.idle_timeout_s:
                actions.extend(self._close(call, now, "timed_out", None, changes))
                log.warning("call %s idle for %.0f s: closed as timed_out", call.call_id, idle)
        self._persist_pending(changes)
        self._execute(actions, changes, now)
        return changes

    def flush(self) -> Changes:
        """End of a file: stop waiting for missing seqs (each gap is reported)."""
        changes, now = Changes(), self._now()
        actions: list[_Action] = []
        for call in list(self.calls.values()):
            if call.pending:
                actions.extend(self._skip_gaps(call, changes, now, until_empty=True))
        self._execute(actions, changes, now)
        return changes

    def acknowledge(self, alerts: Iterable[tuple[int, str]]) -> Changes:
        """Apply supervisors' acknowledgements ((alert id, call id) rows from the store)."""
        changes, now = Changes(), self._now()
        for alert_id, call_id in alerts:
            call = self.calls.get(call_id)
            if call is not None and call.tracker.state == "alert":
                call.tracker.acknowledge()
                self._desk(call, changes, now)
                changes.calls[call.call_id] = self._call_row(call, now)
                log.info("alert %s on call %s acknowledged", alert_id, call_id)
            changes.acks_applied.append(alert_id)
        return changes

    # --- phase 1: parse, deduplicate, route -------------------------------------------------

    def _parse_all(self, items: Sequence[Incoming], changes: Changes, now: datetime,
                   lookup: Lookup) -> list[tuple[str, Event]]:
        events = []
        rejected: list[tuple[Incoming, EventRejected, str]] = []
        for item in items:
            try:
                event = _event_of(item.raw, now)
            except EventRejected as err:
                if self.owns(err.call_id):
                    rejected.append((item, err, rejected_key(item.raw)))
                continue
            if self.owns(event.call_id):
                events.append((item.source, event))
        self._reject(rejected, changes, now, lookup)
        self.counters["events"] += len(events)
        return events

    def _reject(self, rejected: list[tuple[Incoming, EventRejected, str]], changes: Changes,
                now: datetime, lookup: Lookup) -> None:
        """One dead letter per distinct rejected event: a redelivery of the same bytes is a
        counted duplicate (keyed by their hash, never by an id a corrected event may reuse)."""
        if not rejected:
            return
        seen = lookup.seen([key for _, _, key in rejected])
        for item, err, key in rejected:
            if key in seen:
                self.counters["duplicates"] += 1
                continue
            seen.add(key)
            changes.seen.append(SeenRow(key, now))
            self._dead(changes, now, item.source, err.reason, err.event_id, err.call_id,
                       item.raw)

    def _deduplicate(self, events: list[tuple[str, Event]], lookup: Lookup, changes: Changes,
                     now: datetime) -> list[tuple[str, Event]]:
        seen = lookup.seen([e.event_id for _, e in events])
        fresh = []
        for source, event in events:
            if event.event_id in seen:  # a redelivery: counted, not a dead letter each time
                self.counters["duplicates"] += 1
                log.debug("duplicate event %s from %s ignored", event.event_id, source)
                continue
            seen.add(event.event_id)
            fresh.append((source, event))
        return fresh

    def _route(self, source: str, event: Event, statuses: dict[str, str],
               actions: list[_Action], changes: Changes, now: datetime) -> None:
        call = self.calls.get(event.call_id)
        ended = event.call_id in self._ended or statuses.get(event.call_id) in ("ended",
                                                                                 "timed_out")
        if isinstance(event, CallEnded) and call is None and ended and event.csat is not None:
            changes.csat.append((event.call_id, event.csat))  # a late post-call survey
            self._accept(event, changes, now)
            return
        if call is None and ended:
            self._refuse(changes, now, source, f"{type(event).__name__}: the call has already "
                         "ended", event)
            return
        if call is None and statuses.get(event.call_id) == "open":
            # not marked seen: the shared store's seen ids must not hide it from its owner
            self._dead(changes, now, source, f"{type(event).__name__}: the call is open in "
                       "another worker", event.event_id, event.call_id, None)
            return
        if isinstance(event, CallStarted):
            self._route_start(source, event, call, actions, changes, now)
        elif isinstance(event, Utterance):
            self._route_utterance(source, event, call, actions, changes, now)
        elif call is None:
            self._refuse(changes, now, source, "call_ended for a call that never started",
                         event)
        else:
            self._accept(event, changes, now)
            ended_at = event.ts
            if ended_at < call.started_at:  # a sender's clock skew must not end it before it began
                self._dead(changes, now, source, f"call_ended at {ended_at.isoformat()} is before "
                           f"the call started ({call.started_at.isoformat()}): ended at its start",
                           event.event_id, event.call_id, None)
                ended_at = call.started_at
            actions.extend(self._close(call, ended_at, "ended", event.csat, changes))

    def _route_start(self, source: str, event: CallStarted, call: OpenCall | None,
                     actions: list[_Action], changes: Changes, now: datetime) -> None:
        if call is not None and not call.implicit:
            self._refuse(changes, now, source, "call_started for a call already in progress",
                         event)
            return
        self._accept(event, changes, now)
        if call is not None:  # the start arrived after the call was opened implicitly
            call.agent_id, call.implicit = event.agent_id, False
            call.desk_id = self._desk_id(event.agent_id, event.desk_id)
            call.team = event.team or self.config.place(event.agent_id).team
            call.lang, call.started_at = event.lang or call.lang, min(call.started_at, event.ts)
            changes.calls[call.call_id] = self._call_row(call, now)
            return
        call = self._open(event.call_id, event.agent_id, event.desk_id, event.team, event.lang,
                          event.ts, implicit=False, now=now)
        actions.append(_Start(call))

    def _route_utterance(self, source: str, event: Utterance, call: OpenCall | None,
                         actions: list[_Action], changes: Changes, now: datetime) -> None:
        if call is None:
            self._dead(changes, now, source, "utterance for an unknown call: opened it "
                       "implicitly (agent unknown)", event.event_id, event.call_id, None)
            call = self._open(event.call_id, "unknown", None, None, event.lang, event.ts,
                              implicit=True, now=now)
            actions.append(_Start(call))
        if event.seq < call.next_seq or event.seq in call.pending:
            why = ("arrived after its place in the call was passed"
                   if event.seq < call.next_seq else "is already waiting to be applied")
            self._refuse(changes, now, source, f"utterance seq {event.seq} {why}", event)
            return
        self._accept(event, changes, now)
        call.last_event_at = now
        call.pending[event.seq] = event
        if event.seq != call.next_seq:
            log.info("call %s: seq %d arrived before %d; held back", call.call_id, event.seq,
                     call.next_seq)
        actions.extend(self._ready(call, changes))

    def _ready(self, call: OpenCall, changes: Changes) -> list[_Action]:
        ready = call.take_ready()
        for utterance in ready:
            if utterance.event_id in self._persisted_pending:
                self._persisted_pending.discard(utterance.event_id)
                changes.pending_remove.append(utterance.event_id)
        if call.pending:
            call.waiting_since = self._clock()
        return [_Turn(call, u) for u in ready]

    def _skip_gaps(self, call: OpenCall, changes: Changes, now: datetime, *,
                   until_empty: bool) -> list[_Action]:
        actions: list[_Action] = []
        while call.pending:
            first, count = call.skip_gap()
            self.counters["gaps"] += count  # turns that never arrived: shown as lost
            missing = f"seq {first}" if count == 1 else f"seqs {first}-{first + count - 1}"
            self._dead(changes, now, "monitor", f"gap: {missing} never arrived; skipped",
                       None, call.call_id, None)
            actions.extend(self._ready(call, changes))
            if not until_empty:
                break
        return actions

    def _close(self, call: OpenCall, ts: datetime, status: str, csat: int | None,
               changes: Changes) -> list[_Action]:
        actions = self._skip_gaps(call, changes, ts, until_empty=True)
        call.csat = csat if csat is not None else call.csat
        del self.calls[call.call_id]
        self._ended[call.call_id] = None
        if len(self._ended) > ENDED_MEMORY:
            self._ended.popitem(last=False)
        return [*actions, _End(call, ts, status, csat)]

    def _open(self, call_id: str, agent_id: str, desk_id: str | None, team: str | None,
              lang: str | None, ts: datetime, *, implicit: bool, now: datetime) -> OpenCall:
        place = self.config.place(agent_id)
        call = OpenCall(call_id=call_id, agent_id=agent_id,
                        desk_id=self._desk_id(agent_id, desk_id), team=team or place.team,
                        lang=lang, started_at=ts, tracker=self.model.new_call(),
                        implicit=implicit, last_event_at=now)
        self.calls[call_id] = call
        return call

    def _desk_id(self, agent_id: str, desk_id: str | None) -> str:
        return desk_id or self.config.place(agent_id).desk or agent_id

    def _persist_pending(self, changes: Changes) -> None:
        """Utterances still held back at the end of a batch go to the store, so an event
        acknowledged to the broker survives a crash while it waits."""
        for call in self.calls.values():
            for utterance in call.pending.values():
                if utterance.event_id not in self._persisted_pending:
                    self._persisted_pending.add(utterance.event_id)
                    text = self._redact(utterance.text[: self.config.max_text_chars + 1])
                    changes.pending_add.append(pending_row(utterance, text))

    # --- phase 2 and 3: score, then apply in order -------------------------------------------

    def _execute(self, actions: list[_Action], changes: Changes, now: datetime) -> None:
        turns = [a for a in actions if isinstance(a, _Turn)]
        texts = [self._clean_text(t, changes, now) for t in turns]
        scored = [(t, x) for t, x in zip(turns, texts, strict=True) if x is not None]
        predictions = self.model.score([x for _, x in scored], [
            t.utterance.speaker for t, _ in scored], in_call=True) if scored else []
        by_event = {t.utterance.event_id: (x, p)
                    for (t, x), p in zip(scored, predictions, strict=True)}
        touched: dict[str, OpenCall] = {}
        for action in actions:
            touched[action.call.call_id] = action.call
            if isinstance(action, _Start):
                self._desk(action.call, changes, now)
            elif isinstance(action, _Turn) and action.utterance.event_id in by_event:
                self._apply_turn(action.call, action.utterance,
                                 *by_event[action.utterance.event_id], changes, now)
            elif isinstance(action, _End):
                self._apply_end(action, changes, now)
        for call_id, call in touched.items():
            if call_id not in changes.calls or call_id in self.calls:
                changes.calls[call_id] = self._call_row(call, now)
        self.counters["turns"] += len(scored)

    def _clean_text(self, turn: _Turn, changes: Changes, now: datetime) -> str | None:
        """The redacted text to score and store, or None (dead-lettered; its seq is used up
        so the turns after it are not held back)."""
        text = turn.utterance.text
        if not text.strip():
            reason = "empty text"
        elif len(text) > self.config.max_text_chars:
            reason = f"text is {len(text):,} characters, over the " \
                     f"{self.config.max_text_chars:,} limit"
        else:
            return self._redact(text)
        self._dead(changes, now, "monitor", f"utterance seq {turn.utterance.seq}: {reason}",
                   turn.utterance.event_id, turn.call.call_id, None)
        return None

    def _apply_turn(self, call: OpenCall, u: Utterance, text: str, p: Prediction,
                    changes: Changes, now: datetime) -> None:
        before = call.tracker.state
        step = call.tracker.update(u.speaker, p, text)
        p = step.prediction or p  # the turn as read in its call: what is stored and shown
        index = len(call.turns)
        call.turns.append(ScoredTurn(u.speaker, text, p.sentiment, p.cue, u.t, u.t_end))
        matches = turn_matches(text, u.speaker, self.lexicon)
        call.hits.append(matches)
        call.max_risk = max(call.max_risk, step.risk)
        if u.speaker == "customer":
            call.sentiment_sum += p.sentiment_scores["positive"] - p.sentiment_scores["negative"]
            call.sentiment_n += 1
        call.lang = call.lang or u.lang or detect_lang(text)
        if step.state == "alert" and before != "alert":
            call.first_alert_index = call.first_alert_index if call.first_alert_index \
                is not None else index
            changes.alerts.append(self._alert_row(call, step.reason, step.risk, index, now))
        changes.utterances.append(UtteranceRow(
            call_id=call.call_id, seq=u.seq, event_id=u.event_id,
            speaker=u.speaker, text=text, lang=u.lang or call.lang,
            ts=u.ts, t=u.t, t_end=u.t_end, sentiment=p.sentiment,
            p_negative=p.sentiment_scores["negative"],
            p_positive=p.sentiment_scores["positive"], cue=p.cue,
            cue_scores=p.cue_scores, escalation=p.escalation, evidence=p.evidence,
            qa=qa_phrases(matches), risk=step.risk,
            state=step.state, reason=step.reason, model_version=self.model.version,
        ))
        self._desk(call, changes, now)

    def _apply_end(self, end: _End, changes: Changes, now: datetime) -> None:
        call = end.call
        call.tracker.end()
        self.counters["calls_ended"] += 1
        card = scorecard(call.turns, self.lexicon, call.lang, hits=call.hits)
        changes.calls[call.call_id] = replace(
            self._call_row(call, now), status=end.status, ended_at=end.ts, state="off",
            reason=None, scorecard=card, qa_score=card["score"],
            caller_style=card["caller_style"]["style"], tracker_state=None)
        changes.alerts_closed.append((call.call_id, end.ts))
        desk = self.desks.get(call.desk_id)
        if desk is not None and desk.call_id == call.call_id:  # not a newer call on this desk
            self._set_desk(off_desk(call.desk_id, now), changes)

    # --- rows --------------------------------------------------------------------------------

    def _desk(self, call: OpenCall, changes: Changes, now: datetime) -> None:
        state = call.tracker.state if call.tracker.state != "off" else "calm"
        current = self.desks.get(call.desk_id) or off_desk(call.desk_id, now)
        risk = round(call.tracker.risk, 4) if call.tracker.turns else 0.0
        self._set_desk(current.moved_to(state, call.tracker.reason, risk, now,
                                        agent_id=call.agent_id, team=call.team,
                                        call_id=call.call_id), changes)

    def _set_desk(self, desk: DeskState, changes: Changes) -> None:
        self.desks[desk.desk_id] = desk
        changes.desks[desk.desk_id] = desk

    def _call_row(self, call: OpenCall, now: datetime) -> CallRow:
        tracker = call.tracker
        return CallRow(
            call_id=call.call_id, agent_id=call.agent_id, desk_id=call.desk_id,
            team=call.team, lang=call.lang, started_at=call.started_at,
            ended_at=None, status="open", implicit_start=call.implicit,
            turns=len(call.turns), next_seq=call.next_seq,
            risk=round(tracker.risk, 4), max_risk=round(call.max_risk, 4),
            state=tracker.state if tracker.state != "off" else "calm",
            reason=tracker.reason, alerted=call.first_alert_index is not None,
            first_alert_index=call.first_alert_index,
            customer_sentiment=call.customer_sentiment, csat=call.csat,
            model_version=self.model.version, updated_at=now,
            tracker_state={"v": 1, "tracker": tracker.snapshot(), **call.extras()},
            last_event_at=call.last_event_at, gaps=call.gaps,
            scorecard=None, qa_score=None, caller_style=None,
        )

    def _alert_row(self, call: OpenCall, reason: str | None, risk: float, index: int,
                   now: datetime) -> AlertRow:
        return AlertRow(call_id=call.call_id, desk_id=call.desk_id, agent_id=call.agent_id,
                        team=call.team, reason=reason or "risk", risk=risk,
                        turn_index=index, raised_at=now, status="open", ack_applied=False)

    def _accept(self, event: Event, changes: Changes, now: datetime) -> None:
        changes.seen.append(SeenRow(event.event_id, now))

    def _refuse(self, changes: Changes, now: datetime, source: str, reason: str,
                event: Event) -> None:
        """A well-formed event that cannot apply: one dead letter, and its id marked seen so
        that a redelivery is a counted duplicate, not another dead letter."""
        self._accept(event, changes, now)
        self._dead(changes, now, source, reason, event.event_id, event.call_id, None)

    def quarantine(self, item: Incoming, reason: str) -> Changes:
        """An event whose handling failed: one dead letter with ``reason``, and (when it has
        an id) marked seen so that redeliveries are duplicates, not new failures."""
        changes, now = Changes(), self._now()
        self.counters["quarantined"] += 1
        try:
            event = _event_of(item.raw, now)
            ids: tuple[str | None, str | None] = (event.event_id, event.call_id)
            self._accept(event, changes, now)
        except EventRejected as err:
            ids = (err.event_id, err.call_id)
        self._dead(changes, now, item.source, reason, *ids, item.raw)
        return changes

    def _dead(self, changes: Changes, now: datetime, source: str, reason: str,
              event_id: str | None, call_id: str | None, payload: object) -> None:
        self.counters["dead_letters"] += 1
        reason = self._quoted(reason)  # reasons quote the offending field ("got '4111...'")
        log.warning("rejected event %s (call %s) from %s: %s", event_id or "?", call_id or "?",
                    source, reason)
        changes.dead.append(DeadLetterRow(
            received_at=now, source=source[:256], reason=reason,
            event_id=event_id, call_id=call_id, payload=self._payload_text(payload)))

    def _redact(self, text: str) -> str:
        return redact(text).text if self.config.redact else text

    def _quoted(self, text: str) -> str:
        """Text that quotes a payload (a JSON body, a Python repr), redacted as decoded text:
        ``\\u0034`` is a 4 to whoever reads it back."""
        return self._redact(clean_text(decode_escapes(text))) if self.config.redact else text

    def _payload_text(self, payload: object) -> str | None:
        if payload is None:
            return None
        if isinstance(payload, bytes):
            payload = payload[: PAYLOAD_KEEP * 8].decode("utf-8", errors="replace")
        text = str(payload)[: PAYLOAD_KEEP * 6]  # an escape is up to 6 characters for 1
        if not self.config.redact:
            return clean_text(text[:PAYLOAD_KEEP])
        # Redacted a little past the cut, so a number the cut would halve is still whole
        # when it is read; cut after, so a token never pushes the payload over the limit.
        text = clean_text(decode_escapes(text))[: PAYLOAD_KEEP + PAYLOAD_MARGIN]
        return self._redact(text)[:PAYLOAD_KEEP]


def _event_of(raw: bytes | str | dict | Event, now: datetime) -> Event:
    if isinstance(raw, bytes | str):
        return parse_event(raw, now=now)
    if isinstance(raw, dict):
        return event_from_dict(raw, now=now)
    return raw


def rejected_key(raw: bytes | str | dict | Event) -> str:
    """The events_seen key of an event that was refused at the edge."""
    if not isinstance(raw, bytes):
        raw = (raw if isinstance(raw, str) else repr(raw)).encode("utf-8", "surrogatepass")
    return "rejected:" + hashlib.sha256(raw).hexdigest()


def pending_row(u: Utterance, text: str) -> PendingRow:
    """A held-back utterance as stored (its text already redacted)."""
    body = {"v": 1, "type": "utterance", "event_id": u.event_id, "call_id": u.call_id,
            "seq": u.seq, "speaker": u.speaker, "text": text, "lang": u.lang,
            "ts": u.ts.isoformat(), "t": u.t, "t_end": u.t_end}
    return PendingRow(event_id=u.event_id, call_id=u.call_id, seq=u.seq, received_at=u.ts,
                      payload=json.dumps(body, ensure_ascii=False))
