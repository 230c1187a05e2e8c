"""A store whose every user-visible value is hostile markup, and checks that the dashboard
shows it as plain text (issue 14: an agent id ``![t](https:host?pixel)`` made browsers
connect out, ``[Re-login here](…)`` became a link, ``:red[FAKE]`` rendered red).

The checks read what Streamlit would render: a CommonMark parser (markdown-it-py) finds
links, images and HTML; Streamlit's own text-level patterns (GFM autolinks, e-mail links,
emoji and icon shortcodes) are matched on the parsed text, and directives (``:red[…]``) and
``$`` math on the source, as Streamlit's parser sees them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from markdown_it import MarkdownIt
from sqlalchemy import select, update

from dashboard.plain import WORD_JOINER
from store import facts
from store.access import Actor
from store.db import open_store
from store.feedback import save_review
from store.schema import alerts, calls, dead_letters, desk_states, utterances
from tests.dashboard.store_factory import StoreSpec, build_store

LINK = "[Re-login here](https:host)"
RED = ":red[FAKE]"
IMG = "<img src=x onerror=alert(1)>"
MATH = "$$x^2$$"
BOLD = "**bold**"
TEXT_PLUGINS = ":smile: :material/home: https://evil.example/a www.evil.example x@evil.example"


def pixel(port: int = 18999) -> str:
    return f"![t](https:127.0.0.1:{port}?pixel)"


@dataclass(frozen=True)
class Hostile:
    """The hostile values of one store (``port``: where the pixel image points)."""

    port: int = 18999

    @property
    def desk(self) -> str:
        return f"d-0 {pixel(self.port)}"

    @property
    def agent(self) -> str:
        return f"a-0 {LINK} {BOLD}"

    @property
    def team(self) -> str:
        return f"{RED} {MATH} <b>t</b>"

    @property
    def call(self) -> str:
        return f"c-1 {LINK} {RED}"

    @property
    def supervisor(self) -> str:
        return f"{IMG} {LINK}"

    @property
    def reason(self) -> str:
        return f"{RED} {LINK}"

    @property
    def text(self) -> str:
        return f"I want a refund {pixel(self.port)} {RED} {IMG} {MATH} {TEXT_PLUGINS}"

    @property
    def evidence(self) -> list[str]:
        return [pixel(self.port), "refund"]

    @property
    def note(self) -> str:
        return f"{BOLD} {IMG} {TEXT_PLUGINS}"


def build_hostile_store(path: Path, values: Hostile = Hostile()) -> tuple[str, str]:
    """A small store (4 live calls, one open alert at the hostile desk) with hostile desk,
    agent, team, call id, alert reason, supervisor, transcript, evidence, caller-style note,
    model version, review and dead letters. Returns (url, the hostile desk's live call)."""
    info = build_store(path, StoreSpec(finished=24, live=4, desks=4, facts=False,
                                       dead_letters=0))
    engine = open_store(info.url, migrate=False)
    live, renamed = info.live_calls[0], info.live_calls[1]
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # a call id is renamed below
        for table in (calls, alerts, desk_states):
            conn.execute(update(table).where(table.c.desk_id == "d-000").values(
                desk_id=values.desk, agent_id=values.agent, team=values.team))
        for table in (calls, utterances, alerts, desk_states):
            conn.execute(update(table).where(table.c.call_id == renamed).values(
                call_id=values.call))
        conn.execute(update(utterances).where(utterances.c.call_id == live).values(
            text=values.text, evidence=values.evidence))
        conn.execute(update(calls).values(model_version=f"v1 {LINK}"))
        _open_alert(conn, live, values)
        conn.execute(update(alerts).where(alerts.c.status == "acknowledged").values(
            acked_by=values.supervisor))
        scorecard = conn.execute(select(calls.c.scorecard).where(
            calls.c.call_id == live)).scalar_one()
        # a style the dashboard has no words for: the stored approach is shown as it is
        # (for a known style the dashboard shows the approach in the interface language)
        scorecard["caller_style"] = {"style": "X", "approach": values.note}
        conn.execute(update(calls).where(calls.c.call_id == live).values(
            scorecard=scorecard))
        now = datetime.now(UTC)
        conn.execute(dead_letters.insert(), [{
            "received_at": now - timedelta(minutes=i), "source": f"mqtt {IMG}",
            "reason": f"bad field {values.reason} got '{pixel(values.port)}'",
            "event_id": f"e-{i} {RED}", "call_id": values.call,
            "payload": json.dumps({"agent_id": values.agent, "text": values.text}),
        } for i in range(2)])
    save_review(engine, call_id=live, seq=0, field="cue", new_value="abuse",
                actor=Actor(values.supervisor, "supervisor"), note=values.note)
    facts.backfill(engine)
    engine.dispose()
    return info.url, live


def _open_alert(conn, call_id: str, values: Hostile) -> None:
    """The hostile desk's live call has exactly one open alert, raised by its first turn."""
    conn.execute(alerts.delete().where(alerts.c.call_id == call_id))
    raised = conn.execute(select(utterances.c.ts).where(
        utterances.c.call_id == call_id, utterances.c.seq == 0)).scalar_one()
    conn.execute(alerts.insert().values(
        call_id=call_id, desk_id=values.desk, agent_id=values.agent, team=values.team,
        reason=values.reason, risk=0.9, turn_index=0, raised_at=raised, status="open",
        ack_applied=False))
    conn.execute(update(desk_states).where(desk_states.c.call_id == call_id).values(
        state="alert", reason=values.reason))


def write_hostile_lights(home: Path, values: Hostile = Hostile()) -> None:
    """Bridge files (health and virtual lights) naming hostile lights and errors."""
    lights = home / "lights"
    lights.mkdir(parents=True, exist_ok=True)
    name = f"l-0 {pixel(values.port)}"
    health = {"v": 1, "updated": "2026-11-22T09:00:00Z",
              "bridge": {"pid": 7, f"note {RED}": LINK},
              "lights": {name: {"v": 1, "subject": name, "kind": f"wled {BOLD}",
                                "address": f"http://evil.example {LINK}", "online": False,
                                "state": f"alert {RED}", "last_ok": MATH,
                                "last_error": f"timeout {IMG} {values.reason}",
                                "last_error_at": None, "detail": ""}}}
    virtual = {"v": 1, "lights": {name: {"state": f"alert {IMG}", "online": True,
                                         "look": {"color": "red;background:url(x)",
                                                  "effect": "blink"}}}}
    (lights / "health.json").write_text(json.dumps(health))
    (lights / "virtual.json").write_text(json.dumps(virtual))


# --- what would render -------------------------------------------------------------------

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_AUTOLINK = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE)
_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
_SHORTCODE = re.compile(r":[A-Za-z][\w+-]*(?:/[\w-]+)?:")
_DIRECTIVE = re.compile(r"(?<!\\):[A-Za-z][\w-]*[\[{]")
_MATH = re.compile(r"(?<!\\)\$")
_CODE_SPAN = re.compile(r"`[^`]*`")


def rendered_text(source: str) -> str:
    """What a reader sees of ``source`` (markup removed, escapes resolved, joiners gone)."""
    out = []
    for block in _PARSER.parse(source):
        for token in block.children or []:
            if token.type in ("text", "code_inline"):
                out.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                out.append(" ")
    return "".join(out).replace(WORD_JOINER, "")


def markup_in(source: str) -> list[str]:
    """Markup that hostile text could bring along and that ``source`` would render."""
    found = []
    for block in _PARSER.parse(source):
        if block.type == "html_block":
            found.append(f"html block {block.content!r}")
        for token in block.children or []:
            if token.type in ("link_open", "image", "html_inline"):
                found.append(f"{token.type} {token.attrs or token.content!r}")
            if token.type == "text":
                for pattern in (_AUTOLINK, _EMAIL, _SHORTCODE):
                    found += [f"text-level {m.group(0)!r}" for m in
                              pattern.finditer(token.content)]
    bare = _CODE_SPAN.sub("", source)
    found += [f"directive {m.group(0)!r}" for m in _DIRECTIVE.finditer(bare)]
    found += [f"math {bare[max(0, m.start() - 10):m.end() + 10]!r}"
              for m in _MATH.finditer(bare)]
    return found
