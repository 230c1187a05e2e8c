"""A store written by the real monitor (not the test factory): whole calls from the bundled
corpus fed through :class:`monitor.service.MonitorService` with the trained model, two of them
left open, one open alert on a live call, and a malformed event."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete

from models.artifacts import load_model
from models.lexicon import load_lexicon
from monitor.config import MonitorConfig
from monitor.engine import Engine, Incoming
from monitor.service import MonitorService
from store.db import open_store
from store.schema import alerts
from store.writer import StoreWriter

ROOT = Path(__file__).resolve().parents[2]
CALLS = 12
ENDED = 10  # calls 10 and 11 stay open; call 10 has the one open alert


def monitored_store(registry: Path, path: Path) -> tuple[str, MonitorService, list[dict]]:
    """The store's URL, the service that wrote it (still usable) and the calls fed."""
    url = f"sqlite:///{path}"
    engine = Engine(load_model(registry), MonitorConfig(),
                    load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"]))
    service = MonitorService(engine, StoreWriter(open_store(url)))
    calls = [json.loads(line) for line in
             (ROOT / "data" / "calls" / "calls.jsonl").read_text().splitlines()[:CALLS]]
    for n, call in enumerate(calls):
        service.feed([Incoming("test", _event(e)) for e in events(call, n, end=n < ENDED)])
    service.feed([Incoming("test", "{broken")])
    while service.step(0):
        pass
    live = engine.calls[calls[ENDED]["call_id"]]
    live.tracker.state, live.tracker.reason = "alert", "supervisor_request"
    with service.writer.engine.begin() as conn:
        conn.execute(delete(alerts))  # only ours is open, so a test knows which to click
        conn.execute(alerts.insert().values(
            call_id=live.call_id, desk_id=live.desk_id, agent_id=live.agent_id,
            reason="supervisor_request", risk=0.9, turn_index=1, raised_at=live.started_at,
            status="open", ack_applied=False))
    return url, service, calls


def events(call: dict, n: int, *, end: bool) -> list[dict]:
    """The call as the contact-centre platform sends it (events.md)."""
    cid = call["call_id"]
    out = [{"v": 1, "type": "call_started", "event_id": f"{cid}-s", "call_id": cid,
            "agent_id": f"a-{n}", "team": "north" if n % 2 else "south", "lang": call["lang"]}]
    out += [{"v": 1, "type": "utterance", "event_id": f"{cid}-{i}", "call_id": cid, "seq": i,
             "speaker": u["speaker"], "text": u["text"], "t": u.get("t"), "t_end": u.get("t_end")}
            for i, u in enumerate(call["utterances"])]
    if end:
        out.append({"v": 1, "type": "call_ended", "event_id": f"{cid}-e", "call_id": cid,
                    "csat": 2 if call["escalated"] else 5})
    return out


def _event(event: dict) -> str:
    return json.dumps({k: v for k, v in event.items() if v is not None}, ensure_ascii=False)
