"""Every interface string is translated: (a) the catalogs against the code — each key the code
passes to ``tr``/``t`` is in all three catalogs with a non-empty translation, the catalogs
hold the same keys, and placeholders match across languages; each vocabulary the dashboard
names (desk states, cues, …) is translated per value, taken from its owner; (b) every page
rendered in Traditional and Simplified Chinese shows no English of its own: titles, headers,
captions, messages, metric labels, widget labels and options, table headers and yes/no
cells, chart titles, axes, legends and hover text, tile and transcript labels. Ids, numbers,
units, product names and the store's own data (team and supervisor names) are allowed."""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from dashboard import charts, i18n
from dashboard.call_page import SCORECARD_ITEMS
from models import corpus, desk_states
from models.caller_style import STYLES
from store import access
from store.facts import TECHNIQUES
from store.feedback import acknowledge_alert, save_review
from tests.dashboard.store_factory import SUPERVISORS, TEAMS, StoreInfo, StoreSpec, build_store

DASHBOARD = Path(i18n.__file__).parent
LANGS = tuple(i18n.LANGUAGES)
CHINESE = tuple(code for code in LANGS if code != "en")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# --- (a) the catalogs against the code ------------------------------------------------------


def _catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as fh:
        return read_po(fh, locale=i18n.CATALOG_LOCALES[lang])


def _literals(node: ast.expr) -> Iterator[str]:
    """The keys an argument can be: a string, or either string of ``a if c else b``. (Keys
    built from a vocabulary value, ``f"state_{s}"``, are checked per vocabulary below.)"""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def _keys_in_code() -> dict[str, str]:
    """Every literal key passed to ``tr``/``t``, or as the ``all_key=`` of
    ``common.labels``, in dashboard/*.py: key -> where."""
    found: dict[str, str] = {}
    for path in sorted(DASHBOARD.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            args: list[ast.expr] = []
            if isinstance(node, ast.Call) and node.args and (
                    getattr(node.func, "id", None) in ("tr", "t")
                    or getattr(node.func, "attr", None) == "tr"):
                args = [node.args[0]]
            elif isinstance(node, ast.keyword) and node.arg == "all_key":
                args = [node.value]
            for arg in args:
                for key in _literals(arg):
                    found.setdefault(key, f"{path.name}:{arg.lineno}")
    return found


def _fields(text: str) -> set[str]:
    return {f"{name}:{spec}" for _lit, name, spec, _conv in string.Formatter().parse(text)
            if name is not None}


def test_the_scan_finds_the_keys_the_pages_use() -> None:
    keys = _keys_in_code()
    assert {"page_floor", "acknowledge", "risk_timeline", "all_teams"} <= set(keys)
    assert len(keys) > 150


def test_every_key_in_the_code_is_translated_in_every_catalog() -> None:
    missing = {lang: sorted(k for k in _keys_in_code() if not i18n.catalog(lang).get(k))
               for lang in LANGS}
    assert missing == {lang: [] for lang in LANGS}, {
        lang: [f"{k} ({_keys_in_code()[k]})" for k in keys] for lang, keys in missing.items()}


def test_the_catalogs_hold_the_same_keys_all_translated() -> None:
    catalogs = {lang: _catalog(lang) for lang in LANGS}
    ids = {lang: {m.id for m in cat if m.id} for lang, cat in catalogs.items()}
    assert ids["zh-Hant"] == ids["en"] and ids["zh-Hans"] == ids["en"], {
        lang: sorted(ids[lang] ^ ids["en"]) for lang in CHINESE}
    for lang, cat in catalogs.items():
        untranslated = [m.id for m in cat if m.id and (not m.string or m.fuzzy)]
        assert not untranslated, (lang, untranslated)


def test_placeholders_are_the_same_in_every_language() -> None:
    english = i18n.catalog("en")
    wrong = [(lang, key) for lang in CHINESE for key, text in i18n.catalog(lang).items()
             if _fields(text) != _fields(english[key])]
    assert not wrong


@pytest.mark.parametrize(("prefix", "values"), [
    ("state_", (*desk_states.STATES, desk_states.STALE)),
    ("cue_", (*corpus.CUES, "negative_trend")),  # the tracker's reason without a cue
    ("sentiment_", corpus.SENTIMENTS),
    ("speaker_", corpus.SPEAKERS),
    ("caller_style_", STYLES),
    ("role_", access.ROLES),
    ("action_", (*access.ACTIONS, "user_add", "user_passwd", "user_remove")),  # store/users.py
    ("tech_", TECHNIQUES),
    ("item_", SCORECARD_ITEMS),
    ("zone_", tuple(charts.ZONE_COLOURS)),
    ("out_", tuple(charts.OUTCOMES)),
])
def test_each_vocabulary_is_translated_per_value_from_its_owner(prefix: str, values) -> None:
    """Every value the owner defines has its words, and no words are left for a value the
    owner no longer has."""
    keys = {k.removeprefix(prefix) for k in i18n.label_keys() if k.startswith(prefix)}
    assert keys == set(values)


# --- (b) every page in Chinese ----------------------------------------------------------------

ALLOWED_WORDS = {
    "Floorlight", "CSV", "UTC", "JSONL", "URL", "F1",  # product and format names
    "MQTT", "Home", "Assistant", "USB", "HID", "Busy", "Tag", "fit", "statUSB", "MuteSync",
    "Tasmota", "WLED",  # light products (the bridge's kinds)
    "English",  # the language picker names each language in itself
    "en", "zh", "Hant", "Hans",  # language codes (a call's language)
    *TEAMS, *SUPERVISORS,  # the store's data
    "ms",  # units
    "floor", "timeout", "pid", "fw",  # the bridge's files: a light's name, its error, its pid
}
_CODE = re.compile(r"`[^`]*`")  # commands and options are typed as they are
_DATA = re.compile(
    r"\b[a-z]+-(?:bad-)?\d+\b"  # desk, agent and call ids (d-001, c-000001, live-0003)
    r"|\bv\d{8}-\d{6}\b"  # model versions
    r"|\S*/\S*"  # paths and addresses
    r"|%\{[^}]*\}"  # Plotly hover placeholders
    r"|<[^>]+>"  # markup around values
    r"|\b(?:monitor|dashboard):\S*|\bmonitor\b"  # service names (ids of the store)
    r"|\bp\d\d\b")  # percentiles
_WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def english_words(text: str) -> list[str]:
    """The English words left in ``text`` once ids, numbers, code and allowed names are out."""
    text = text.replace("\\", "").replace("\u2060", "")
    text = _DATA.sub(" ", _CODE.sub(" ", text))
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


def test_the_english_detector() -> None:
    assert english_words("Risk timeline") == ["Risk", "timeline"]
    assert english_words("座席 d-001 · 客服 a-003 · `floorlight up` · v20261206-101010 · 42 ms")\
        == []
    assert english_words("已登入：**Mei**（管理員） billing") == []
    assert english_words("open · 平穩") == ["open"]


_HTML_LABELS = re.compile(
    r'<div class="fl-tile[^"]*"[^>]*>(.*?)</div>'  # a desk tile: ids, state, time, risk, cue
    r'|<div class="fl-meta">(.*?)</div>'  # a transcript bubble's speaker, sentiment, cue
    r'|</div>([^<]*<br>[^<]*)</div>', re.DOTALL)  # a virtual light's name and state
_ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label)="([^"]*)"')


def _html_labels(body: str) -> Iterator[str]:
    for match in _HTML_LABELS.finditer(body):
        text = next(g for g in match.groups() if g is not None)
        yield re.sub(r"<[^>]+>", " ", text)
    yield from _ATTRIBUTES.findall(body)


def _figure_labels(spec: dict) -> Iterator[str]:
    layout = spec.get("layout", {})
    yield _text(layout.get("title"))
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            yield _text(axis.get("title"))
    for note in layout.get("annotations", []):
        yield note.get("text", "")
    for trace in spec.get("data", []):
        yield trace.get("name", "")
        yield trace.get("hovertemplate", "")
        for axis in ("x", "y"):  # category names (cues, classes); ids are allowed anyway
            values = trace.get(axis)
            if isinstance(values, list):
                yield from (v for v in values if isinstance(v, str))
        if isinstance(trace.get("colorbar"), dict):
            yield _text(trace["colorbar"].get("title"))


def _text(title: object) -> str:
    if isinstance(title, dict):
        return str(title.get("text", ""))
    return "" if title is None else str(title)


def _nodes(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def interface_texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(kind, text) of everything the page shows in its own words."""
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        if kind == "expandable":
            yield kind, node.proto.expandable.label
        elif kind in ("title", "header", "subheader", "markdown", "caption", "error",
                      "warning", "info", "success", "toast"):
            yield kind, node.value
        elif kind == "metric":
            yield "metric", node.label
            yield "metric value", node.value
        elif kind in ("button", "download_button", "toggle", "checkbox", "text_input",
                      "number_input", "date_input", "file_uploader", "selectbox", "radio",
                      "multiselect"):
            yield kind, node.label
            if kind in ("selectbox", "radio", "multiselect"):
                yield from ((f"{kind} option", o) for o in node.options)
        elif kind == "page_link":
            yield kind, node.proto.label
        elif kind == "progress":
            yield kind, node.proto.text
        elif kind == "dataframe":
            frame = node.value
            yield from (("table header", str(c)) for c in frame.columns)
            for column in frame.columns:  # words of a vocabulary left as their code
                codes = {v for v in frame[column] if isinstance(v, str)} & CODES
                if codes:
                    yield "table cell", f"{column}: {sorted(codes)}"
                cells = frame[column]
                if (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)) \
                        and cells.isna().any():
                    yield "table cell", f"{column}: None"  # the grid writes "None"
        elif kind == "plotly_chart":
            yield from (("chart", s) for s in _figure_labels(json.loads(node.proto.spec)))
        elif kind == "html":
            yield from (("html", s) for s in _html_labels(node.proto.body))
        elif kind == "exception":
            yield kind, node.value


CODES = {*desk_states.STATES, desk_states.STALE, *corpus.SENTIMENTS, *corpus.SPEAKERS,
         *access.ROLES, "open", "ended", "timed_out", "closed", "true", "false", "True",
         "False", "virtual", "all", *TECHNIQUES}
"""Values the dashboard names in words; a table cell holding one as it is was missed."""


def untranslated(at: AppTest) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in interface_texts(at)
            if kind == "exception" or kind == "table cell" or english_words(text)]


HEALTH = {"v": 1, "updated": "2026-11-22T09:00:00Z", "bridge": {"pid": 7},
          "lights": {"d-000": {"v": 1, "subject": "d-000", "kind": "floorlight-serial",
                               "address": "/dev/ttyUSB0", "online": True, "state": "calm",
                               "last_ok": "2026-11-22T09:00:00Z", "last_error": None,
                               "last_error_at": None, "detail": "fw 1.0"},
                     "d-001": {"v": 1, "subject": "d-001", "kind": "virtual",
                               "address": "wall-1", "online": True, "state": "alert",
                               "last_ok": "2026-11-22T09:00:00Z", "last_error": None,
                               "last_error_at": None, "detail": ""},
                     "floor": {"v": 1, "subject": "floor", "kind": "wled", "address": "x",
                               "online": False, "state": "watch", "last_ok": None,
                               "last_error": "timeout", "last_error_at": None, "detail": ""}}}
VIRTUAL = {"v": 1, "updated": "2026-11-22T09:00:00Z",
           "lights": {"d-001": {"state": "alert", "online": True, "subject": "desk/d-001",
                                "look": {"color": "#FF0000", "effect": "blink",
                                         "period_ms": 400, "brightness": 255}}}}


@pytest.fixture(scope="module")
def shown_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreInfo, str]:
    """A store with something on every page: more open alerts than the queue shows, an
    acknowledgement, a reviewed call with alerts and a scorecard (its id returned too)."""
    from sqlalchemy import select

    from store.db import open_store
    from store.schema import alerts, calls

    info = build_store(tmp_path_factory.mktemp("shown") / "floorlight.db",
                       StoreSpec(finished=60, live=24, desks=30))
    engine = open_store(info.url, migrate=False)
    supervisor = access.Actor("Mei", "supervisor")
    with engine.connect() as conn:
        call_id = conn.execute(
            select(alerts.c.call_id).join(calls, calls.c.call_id == alerts.c.call_id)
            .where(calls.c.scorecard.is_not(None)).limit(1)).scalar_one()
    acknowledge_alert(engine, info.open_alert_ids[-1], supervisor)
    save_review(engine, call_id=call_id, seq=0, field="cue", new_value="abuse",
                actor=supervisor)
    save_review(engine, call_id=call_id, seq=None, field="escalated", new_value="false",
                actor=supervisor)
    engine.dispose()
    return info, call_id


def _lights_files(home: Path) -> None:
    (home / "lights").mkdir(exist_ok=True)
    (home / "lights" / "health.json").write_text(json.dumps(HEALTH))
    (home / "lights" / "virtual.json").write_text(json.dumps(VIRTUAL))


def render(app, request, page: str, lang: str) -> AppTest:
    """``page`` in ``lang`` with as much of it shown as a person would open."""
    info, call_id = request.getfixturevalue("shown_store")
    if page == "sign_in":
        return app(info.url, supervisor="", lang=lang)
    if page == "model":
        request.getfixturevalue("registry")
    if page == "lights":
        _lights_files(app.home)
    at = app(info.url, page, lang=lang, query={"call": call_id} if page == "call" else None)
    if page == "model":
        for key in ("compare_path", "threshold_path"):
            at.text_input(key=key).set_value(str(FIXTURES / "mini_utterances.jsonl"))
        at.button(key="run_compare").click().run()
        at.button(key="run_thresholds").click().run()
    return at


PAGES = ("floor", "call", "history", "model", "lights", "dead_letters", "audit", "sign_in")


@pytest.mark.parametrize("lang", CHINESE)
@pytest.mark.parametrize("page", PAGES)
def test_no_english_is_left_on_a_page(app, request, page: str, lang: str) -> None:
    at = render(app, request, page, lang)
    assert not at.exception, at.exception
    assert at.title and english_words(at.title[0].value) == []
    assert untranslated(at) == []


def test_an_untranslated_label_fails_the_page_check(app, request) -> None:
    """The check itself: an English label on an otherwise translated page is found."""
    at = render(app, request, "dead_letters", "zh-Hant")
    assert untranslated(at) == []
    at.session_state["lang"] = "en"
    at.run()
    assert ("title", "Dead letters") in untranslated(at)
