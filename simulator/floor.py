"""The simulated floor: agents taking calls from a corpus at a realistic pace, as call events
exactly per events.md (v=1 ``call_started`` / ``utterance`` / ``call_ended``).

Pace:
- Each agent, once free, waits an exponential time for the next call (Poisson arrivals while
  idle), takes it, then does after-call work (wrap-up) before becoming free again, so an agent
  is never on two calls at once.
- A call replays one corpus call's turns; an utterance is sent when its turn ends (``t_end``,
  as speech-to-text would), never before the previous one of the same call.
- ``speed`` divides every wait (2.0 = twice as fast); 0 means no waiting at all. ``t``/``t_end``
  in the events keep the conversation's own seconds so silence and talk-speed measures stay
  true; ``ts`` is when the event is due (at speed 0: as if the floor ran at speed 1).

Scale: generation is lazy. A heap holds one entry per agent and only the call each agent is on
is built, so 500 agents cost 500 small entries, whatever the length of the run.

Ids: every call gets ``sim-<run>-<n>`` (``run`` is random per run unless given), and every
event ``<call_id>-start`` / ``-u<seq>`` / ``-end``, so replaying the same corpus call twice,
or running the simulator twice against one store, never collides.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from models.corpus import Call
from simulator.csat import draw_csat
from simulator.errors import SimulatorError
from simulator.scripts import Script, load_scripts, scripts_from_calls

__all__ = ["TEAMS", "Agent", "FloorPace", "FloorSimulator", "RunReport", "SimulatorError"]

TEAMS = ("billing", "tech", "retention")
Event = dict


@dataclass(frozen=True)
class FloorPace:
    """How a floor breathes between calls (seconds of floor time)."""

    mean_idle_s: float = 20.0  # mean wait for the next call once free (exponential)
    wrap_up_s: tuple[float, float] = (15.0, 45.0)  # after-call work, uniform
    hangup_s: tuple[float, float] = (0.5, 2.0)  # last words to call_ended, uniform

    def __post_init__(self) -> None:
        lows = (self.wrap_up_s[0], self.hangup_s[0])
        if not self.mean_idle_s > 0 or min(lows) < 0 or self.wrap_up_s[0] > self.wrap_up_s[1] \
                or self.hangup_s[0] > self.hangup_s[1]:
            raise SimulatorError(f"bad pace {self}: idle must be positive, ranges low <= high")


@dataclass(frozen=True)
class Agent:
    agent_id: str
    desk_id: str
    team: str
    lang: str


def make_agents(count: int, langs: Sequence[str], teams: Sequence[str] = TEAMS) -> list[Agent]:
    """``a-1``/``d-1`` … ; languages alternate so every team has every language."""
    return [Agent(f"a-{n}", f"d-{n}", teams[(i // len(langs)) % len(teams)],
                  langs[i % len(langs)]) for i, n in enumerate(range(1, count + 1))]


@dataclass
class RunReport:
    """What a paced run sent: counts, calls still open, and how far it fell behind."""

    events: int = 0
    calls_started: int = 0
    calls_ended: int = 0
    hung_up: int = 0
    max_lag_s: float = 0.0
    open_calls: dict[str, None] = field(default_factory=dict)

    def count(self, event: Event) -> None:
        self.events += 1
        if event["type"] == "call_started":
            self.calls_started += 1
            self.open_calls[event["call_id"]] = None
        elif event["type"] == "call_ended":
            self.calls_ended += 1
            self.open_calls.pop(event["call_id"], None)


class FloorSimulator:
    """A floor of ``agents`` agents replaying ``scripts``.

    ``max_calls`` stops starting calls after that many (those running finish normally);
    ``duration_s`` (floor time) ends the run there, hanging up calls still in progress with a
    ``call_ended`` without CSAT. Without either the floor runs until stopped.
    """

    def __init__(self, scripts: Sequence[Script | Call], agents: int = 12, speed: float = 1.0,
                 seed: int | None = None, *, teams: Sequence[str] = TEAMS,
                 pace: FloorPace = FloorPace(), max_calls: int | None = None,
                 duration_s: float | None = None, survey_rate: float = 1.0,
                 run_id: str | None = None, start: datetime | None = None) -> None:
        scripts = [s if isinstance(s, Script) else _script_of(s) for s in scripts]
        _check(scripts, agents, speed, max_calls, duration_s, survey_rate, teams)
        self.scripts, self.agents, self.speed, self.seed = list(scripts), agents, speed, seed
        self.teams, self.pace = tuple(teams), pace
        self.max_calls, self.duration_s, self.survey_rate = max_calls, duration_s, survey_rate
        self.run_id, self.start = run_id, start

    @classmethod
    def from_file(cls, path: Path, **settings: Any) -> FloorSimulator:
        """A floor replaying the calls in a calls JSON Lines file (``data/calls/calls.jsonl``)."""
        return cls(load_scripts(path), **settings)

    def events(self) -> Iterator[tuple[float, Event]]:
        """``(due_s, event)`` in time order; ``due_s`` counts from the start of the run."""
        return _Floor(self).events()

    def paced(self, *, clock: Callable[[], float] = time.monotonic,
              sleep: Callable[[float], None] = time.sleep,
              stop: threading.Event | None = None,
              report: RunReport | None = None) -> Iterator[Event]:
        """The events at their due times. When ``stop`` is set, calls still open are hung up
        (``call_ended`` without CSAT) so the floor goes dark cleanly."""
        report = report if report is not None else RunReport()
        floor, origin, due = _Floor(self), clock(), 0.0
        for due, event in floor.events():
            if not self._wait(origin + due, clock, sleep, stop):
                break
            if self.speed > 0:
                report.max_lag_s = max(report.max_lag_s, clock() - origin - due)
            report.count(event)
            report.hung_up = floor.hung_up
            yield event
        else:
            return
        now = clock() - origin if self.speed > 0 else due
        for call_id in list(report.open_calls):
            event = floor.hang_up(call_id, now)
            report.count(event)
            report.hung_up = floor.hung_up
            yield event

    def run(self, sink: Callable[[Event], None], *,
            clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep,
            stop: threading.Event | None = None) -> RunReport:
        """Send every event to ``sink`` at its due time; returns what was sent."""
        report = RunReport()
        for event in self.paced(clock=clock, sleep=sleep, stop=stop, report=report):
            sink(event)
        return report

    def _wait(self, deadline: float, clock: Callable[[], float],
              sleep: Callable[[float], None], stop: threading.Event | None) -> bool:
        """False when stopped first. Sleeps in short steps so a stop is seen quickly."""
        while True:
            if stop is not None and stop.is_set():
                return False
            remaining = deadline - clock() if self.speed > 0 else 0.0
            if remaining <= 0:
                return True
            sleep(min(remaining, 0.1))


def _script_of(call: Call) -> Script:
    scripts = scripts_from_calls([call])
    if not scripts:
        raise SimulatorError(f"call {call.call_id} has no utterances to simulate")
    return scripts[0]


def _check(scripts: Sequence[Script], agents: int, speed: float, max_calls: int | None,
           duration_s: float | None, survey_rate: float, teams: Sequence[str]) -> None:
    problems = [
        (not scripts, "no calls to simulate"),
        (agents < 1, f"agents must be at least 1, got {agents}"),
        (not speed >= 0, f"speed must be 0 (no waiting) or positive, got {speed}"),
        (max_calls is not None and max_calls < 1, f"calls must be at least 1, got {max_calls}"),
        (duration_s is not None and not duration_s > 0,
         f"duration must be positive, got {duration_s}"),
        (not 0 <= survey_rate <= 1, f"survey_rate must be within 0-1, got {survey_rate}"),
        (not teams, "at least one team is needed"),
    ]
    for bad, message in problems:
        if bad:
            raise SimulatorError(message)


class _Floor:
    """One run's state: random draws, the per-language decks, the agents' heap."""

    def __init__(self, sim: FloorSimulator) -> None:
        self.sim, self.pace = sim, sim.pace
        self.rng = random.Random(sim.seed)
        self.run_id = sim.run_id or uuid.uuid4().hex[:8]
        start = sim.start or datetime.now(UTC)
        self.start = start.astimezone(UTC).replace(tzinfo=None)  # naive UTC formats faster
        self.scale = 1.0 / sim.speed if sim.speed > 0 else 1.0
        self.by_lang: dict[str, list[Script]] = {}
        for script in sim.scripts:
            self.by_lang.setdefault(script.lang, []).append(script)
        self.decks: dict[str, list[Script]] = {lang: [] for lang in self.by_lang}
        self.agents = make_agents(sim.agents, sorted(self.by_lang), sim.teams)
        self.calls_started = self.hung_up = 0

    def events(self) -> Iterator[tuple[float, Event]]:
        tick = itertools.count()
        queues: list[deque[tuple[float, Event]]] = [deque() for _ in self.agents]
        heap = [(self._idle(), next(tick), i) for i in range(len(self.agents))]
        heapq.heapify(heap)
        open_calls: dict[str, None] = {}
        limit, end = self.sim.max_calls, self.sim.duration_s
        while heap:
            sim_t, _, i = heapq.heappop(heap)
            if end is not None and sim_t >= end:
                for call_id in open_calls:
                    yield end * self.scale, self.hang_up(call_id, end * self.scale)
                return
            queue = queues[i]
            if not queue:
                if limit is not None and self.calls_started >= limit:
                    continue  # this agent takes no more calls
                queue.extend(self._call(self.agents[i], sim_t))
            sim_t, event = queue.popleft()
            if event["type"] == "call_started":
                open_calls[event["call_id"]] = None
            elif event["type"] == "call_ended":
                del open_calls[event["call_id"]]
            yield sim_t * self.scale, event
            after = queue[0][0] if queue else sim_t + self._uniform(self.pace.wrap_up_s) + \
                self._idle()
            heapq.heappush(heap, (after, next(tick), i))

    def hang_up(self, call_id: str, due_s: float) -> Event:
        """A call cut off before its end (the run stopped): no survey."""
        self.hung_up += 1
        return self._ended(call_id, due_s)

    def _ended(self, call_id: str, due_s: float) -> Event:
        return {"v": 1, "type": "call_ended", "event_id": f"{call_id}-end", "call_id": call_id,
                "ts": self._ts(due_s)}

    def _call(self, agent: Agent, t0: float) -> list[tuple[float, Event]]:
        """One whole call's events in floor time (scaled to due time when yielded)."""
        script = self._draw(agent.lang)
        self.calls_started += 1
        call_id = f"sim-{self.run_id}-{self.calls_started:06d}"
        scale = self.scale
        events = [(t0, {"v": 1, "type": "call_started", "event_id": f"{call_id}-start",
                        "call_id": call_id, "agent_id": agent.agent_id,
                        "desk_id": agent.desk_id, "team": agent.team,
                        "ts": self._ts(t0 * scale), "lang": script.lang})]
        due = t0
        for seq, turn in enumerate(script.turns):
            due = max(due, t0 + turn.t_end)  # overlapping turns still go out in seq order
            events.append((due, {"v": 1, "type": "utterance", "event_id": f"{call_id}-u{seq}",
                                 "call_id": call_id, "seq": seq, "speaker": turn.speaker,
                                 "text": turn.text, "ts": self._ts(due * scale), "t": turn.t,
                                 "t_end": turn.t_end}))
        due += self._uniform(self.pace.hangup_s)
        ended = self._ended(call_id, due * scale)
        if self.rng.random() < self.sim.survey_rate:
            ended["csat"] = draw_csat(script, self.rng)
        events.append((due, ended))
        return events

    def _draw(self, lang: str) -> Script:
        """Dealt from a shuffled deck per language, so every call is used before any repeats."""
        deck = self.decks[lang]
        if not deck:
            deck.extend(self.by_lang[lang])
            self.rng.shuffle(deck)
        return deck.pop()

    def _idle(self) -> float:
        return self.rng.expovariate(1.0 / self.pace.mean_idle_s)

    def _uniform(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)

    def _ts(self, due_s: float) -> str:
        return (self.start + timedelta(seconds=due_s)).isoformat(timespec="milliseconds") + "Z"
