"""Every page against a store (and bridge files, and a model card) full of hostile markup:
the values are shown, literally, and nothing in them renders as a link, an image, HTML, a
colour, math or an emoji (issue 14). See tests/dashboard/hostile.py for the values and how
rendering is checked."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from dashboard.plain import WORD_JOINER, md, plotly
from models.artifacts import active_version
from store.db import open_store
from store.schema import alerts
from tests.dashboard.hostile import (
    BOLD,
    IMG,
    LINK,
    MATH,
    RED,
    TEXT_PLUGINS,
    Hostile,
    build_hostile_store,
    markup_in,
    pixel,
    rendered_text,
    write_hostile_lights,
)

HOSTILE = Hostile()
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                  "error", "success", "toast")
EVERY_HOSTILE = (pixel(), LINK, RED, IMG, MATH, BOLD, TEXT_PLUGINS)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return build_hostile_store(tmp_path_factory.mktemp("hostile") / "floorlight.db")


def markdown_sources(at) -> list[str]:
    """The source of every element Streamlit renders as markdown, metric labels and values
    included."""
    sources = [e.value for kind in MARKDOWN_KINDS for e in at.get(kind)]
    for metric in at.get("metric"):
        sources += [metric.label, metric.value]
    return [s for s in sources if isinstance(s, str)]


def assert_all_plain(at) -> str:
    """No markdown element renders markup; returns what the page's markdown shows."""
    assert not at.exception, at.exception
    problems = {src: found for src in markdown_sources(at) if (found := markup_in(src))}
    assert not problems, problems
    return "\n".join(rendered_text(src) for src in markdown_sources(at))


def html_of(at) -> str:
    return "".join(e.proto.body for e in at.get("html"))


def figure_strings(at) -> list[str]:
    """Every string a Plotly figure draws from data: trace values, text, tick labels and
    annotations (templates written by the code are left out)."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            for key in ("x", "y", "text", "customdata", "name"):
                walk(trace.get(key))
        for note in spec.get("layout", {}).get("annotations", []):
            walk(note.get("text"))
    return out


def assert_figures_plain(at, *expected: str) -> None:
    strings = figure_strings(at)
    assert strings, "the page drew no figure"
    raw = [s for s in strings if any(tag in s for tag in ("<a", "<img", "<b>", "<span"))]
    assert not raw, raw
    joined = "\n".join(strings)
    for value in expected:
        assert plotly(value) in joined, value


def test_the_escaper_and_the_checker_agree() -> None:
    """Raw, each hostile value is caught by the checker; through md() none is, and what a
    reader sees is the value itself."""
    for value in EVERY_HOSTILE:
        # emphasis is the code's own markup too: hostile bold shows its asterisks instead
        assert markup_in(value) or value == BOLD, f"the checker misses {value!r}"
        assert not markup_in(md(value)), (value, markup_in(md(value)))
        assert rendered_text(md(value)) == value
    assert md(None) == "" and md(3) == "3"
    assert md("two\nlines\r\n# heading") == md("two lines # heading")
    assert not markup_in("x " + md("1. item\n> quote\n    code"))
    assert plotly("<a href='x'>y</a> & z") == "&lt;a href='x'&gt;y&lt;/a&gt; &amp; z"


def test_floor_queue_tiles_and_toast(app, tmp_path: Path) -> None:
    import streamlit as st

    url, live = build_hostile_store(tmp_path / "toast.db")
    at = app(url, "floor")
    shown = assert_all_plain(at)
    for value in (HOSTILE.desk, HOSTILE.agent, HOSTILE.reason):
        assert value in shown, value
    tiles = html_of(at)
    assert "<img src=x" not in tiles and "&lt;img src=x" in tiles  # the transcript snippet
    assert f'data-desk="{HOSTILE.desk}"'.replace('"', "") not in tiles  # attributes quoted
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:  # a second alert at the hostile desk: a toast names it
        row = conn.execute(alerts.select().where(alerts.c.call_id == live)).mappings().one()
        conn.execute(alerts.insert().values(
            {**{k: v for k, v in row.items() if k != "id"}, "raised_at": datetime.now(UTC)}))
    engine.dispose()
    st.cache_data.clear()
    at.run()
    assert at.toast, "the new alert is toasted"
    toasted = assert_all_plain(at)
    assert f"New alert at desk {HOSTILE.desk}: {HOSTILE.reason}" in toasted


def test_acknowledging_under_a_hostile_name(app, tmp_path: Path) -> None:
    url, live = build_hostile_store(tmp_path / "ack.db")
    at = app(url, "floor", supervisor=HOSTILE.supervisor)
    key = next(b.key for b in at.button if b.key and b.key.startswith("ack_"))
    at.button(key=key).click().run()
    shown = assert_all_plain(at)
    assert f"desk {HOSTILE.desk} will show acknowledged" in shown
    at = app(url, "call", supervisor=HOSTILE.supervisor, query={"call": live})
    assert_all_plain(at)
    assert_figures_plain(at, HOSTILE.supervisor, HOSTILE.reason)


def test_call_header_scorecard_and_transcript(app, hostile_store) -> None:
    url, live = hostile_store
    at = app(url, "call", query={"call": live})
    shown = assert_all_plain(at)
    metrics = {m.label: rendered_text(m.value) for m in at.metric}
    assert metrics["Agent"] == HOSTILE.agent and metrics["Desk"] == HOSTILE.desk
    # (the caller style's advice is the dashboard's own, models/caller_style.py, in the
    # interface's language: the stored note is no longer shown; it stays in the reviews table)
    for value in (HOSTILE.team, "v1 " + LINK):
        assert value in shown, value
    transcript = html_of(at)
    assert "<img src=x" not in transcript and "&lt;img src=x onerror=alert(1)&gt;" in transcript
    assert f"<mark>{pixel().replace('&', '&amp;')}</mark>" in transcript  # evidence marked
    assert_figures_plain(at, HOSTILE.reason)
    reviews = at.dataframe[-1].value
    assert HOSTILE.supervisor in set(reviews["reviewer"]), "tables keep values as they are"
    assert HOSTILE.note in set(reviews["note"])


def test_a_hostile_call_id(app, hostile_store) -> None:
    url, _live = hostile_store
    at = app(url, "call", query={"call": HOSTILE.call})
    assert_all_plain(at)
    assert rendered_text(at.caption[0].value).startswith(HOSTILE.call)
    missing = f"nope {pixel()} {RED}"
    at = app(url, "call", query={"call": missing})
    assert f"There is no call {missing}." in assert_all_plain(at)


def test_history_charts(app, hostile_store) -> None:
    url, _live = hostile_store
    at = app(url, "history")
    assert_all_plain(at)
    assert_figures_plain(at, HOSTILE.agent, HOSTILE.supervisor)
    at = app(url, "history", history_team=HOSTILE.team)
    assert_all_plain(at)


def test_lights_page(app, hostile_store) -> None:
    url, _live = hostile_store
    write_hostile_lights(app.home)
    at = app(url, "lights")
    shown = assert_all_plain(at)
    for value in (f"l-0 {pixel()}", f"wled {BOLD}", f"timeout {IMG} {HOSTILE.reason}",
                  f"http://evil.example {LINK}", f"note {RED}: {LINK}"):
        assert value in shown, value
    table = at.dataframe[0].value.astype(str).to_string()  # a table renders no markup
    for value in (f"l-0 {pixel()}", f"wled {BOLD}", f"alert {RED}", MATH,
                  f"timeout {IMG} {HOSTILE.reason}", f"http://evil.example {LINK}"):
        assert value in table, value
    lights = html_of(at)
    assert "<img" not in lights and "url(x)" not in lights


def test_dead_letters_keep_their_text(app, hostile_store) -> None:
    url, _live = hostile_store
    at = app(url, "dead_letters")
    assert_all_plain(at)
    frame = at.dataframe[0].value
    assert set(frame["call_id"]) == {HOSTILE.call}
    assert all(pixel() in reason for reason in frame["reason"])
    assert all(WORD_JOINER not in str(v) and "\\[" not in str(v)
               for v in frame.to_numpy().ravel()), "tables are plain text already"


def test_model_page_card(app, small_store, trained_registry: Path) -> None:
    registry = app.home / "models"
    shutil.copytree(trained_registry, registry)
    card_file = registry / active_version(registry) / "card.json"
    card = json.loads(card_file.read_text())
    card["created"] = f"{pixel()} {LINK}"
    card["data"]["note"] = f"{RED} {IMG}"
    confusion = card["metrics"]["heldout_utterances"]["overall"]["confusion"]["sentiment"]
    confusion["labels"] = [f"{IMG} {i}" for i in range(len(confusion["labels"]))]
    card_file.write_text(json.dumps(card))
    at = app(small_store.url, "model")
    shown = assert_all_plain(at)
    assert f"{pixel()} {LINK}" in shown
    assert_figures_plain(at, f"{IMG} 0")


def test_already_acknowledged_names_the_other_supervisor_plainly(app, tmp_path: Path) -> None:
    """Another supervisor (with a hostile name) took the alert first: the warning names
    them as plain text."""
    url, _live = build_hostile_store(tmp_path / "taken.db")
    at = app(url, "floor", supervisor="Mei")
    key = next(b.key for b in at.button if b.key and b.key.startswith("ack_"))
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:
        conn.execute(update(alerts).where(alerts.c.id == int(key.removeprefix("ack_"))).values(
            status="acknowledged", acked_by=HOSTILE.supervisor, acked_at=datetime.now(UTC)))
    engine.dispose()
    at.button(key=key).click().run()
    assert f"Already acknowledged by {HOSTILE.supervisor}." in assert_all_plain(at)
