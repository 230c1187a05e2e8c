"""A promoted model reaches the live floor without a restart: the monitor follows the
registry's ACTIVE pointer, loads and checks the new version off the loop, swaps it in between
batches, and every stored turn says which version scored it. Open calls carry on with their
state; a version that fails to load or check is refused with its reason and the running one
stays. Two real versions of the tiny fixture model, real SQLite and PostgreSQL stores, and
the real `floorlight monitor` process behind a real mosquitto."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models.artifacts import ACTIVE, CARD, FILES, load_model, promote, rollback, sha256
from monitor.app import build_service
from monitor.config import MonitorConfig
from monitor.engine import Incoming
from monitor.service import MonitorService
from store.db import open_store
from store.schema import calls, services, utterances
from tests.monitor.events import ended, said, started, whole_call
from tests.monitor.mqtt import Peer, start_monitor, stop, wait_for

pytestmark = pytest.mark.slow
BROKEN = "v29990101-000000"  # sorts after the trained versions, like a newer training run


def raw(*events: dict) -> list[Incoming]:
    return [Incoming(f"floorlight/ingest/{e['call_id']}", json.dumps(e)) for e in events]


def live_service(registry: Path, lexicon, db_url: str) -> MonitorService:
    """The service as `floorlight monitor --model REGISTRY` builds it; the tests drive its
    loop (``step``) and the watcher's look at the registry (``poll``) by hand."""
    return build_service(load_model(registry), lexicon, MonitorConfig(), db_url=db_url,
                         registry=registry)


def versions_stored(engine) -> dict[tuple[str, int], str | None]:
    with engine.connect() as conn:
        rows = conn.execute(select(utterances.c.call_id, utterances.c.seq,
                                   utterances.c.model_version)).all()
    return {(r.call_id, r.seq): r.model_version for r in rows}


def health(engine, name: str = "monitor") -> dict:
    with engine.connect() as conn:
        info = conn.execute(select(services.c.info).where(services.c.name == name)).scalar()
    return info or {}


def make_broken(registry: Path, source: str, kind: str) -> str:
    """A version that cannot go live: ``tampered`` (a file no longer matches its card),
    ``unreadable`` (a corrupt file whose card was updated to match), ``missing`` (ACTIVE
    names a version that is not there). Promotes it; returns the reason's tell-tale words."""
    if kind == "missing":
        (registry / ACTIVE).write_text("v-gone\n")
        return "which is not in"
    target = registry / BROKEN
    shutil.copytree(registry / source, target)
    card = json.loads((target / CARD).read_text())
    card["version"] = BROKEN
    artifact = target / FILES["classifier"]
    artifact.write_bytes(b"not a zip file " + artifact.read_bytes()[:1000])
    if kind == "unreadable":
        card["artifacts"][FILES["classifier"]] = sha256(artifact)
    (target / CARD).write_text(json.dumps(card))
    promote(registry, BROKEN, who="test")
    return {"tampered": "does not match its model card",
            "unreadable": "not a readable skops file"}[kind]


# --- in the service, loop driven by hand --------------------------------------------------


def test_a_promotion_goes_live_between_batches_and_open_calls_carry_on(
        registry, two_versions, lexicon, db_url):
    _, first, second = two_versions
    service = live_service(registry, lexicon, db_url)
    service.feed(raw(started("c-1", "a-1"), started("c-2", "a-2"),
                     *(said(c, s, sp, text) for c in ("c-1", "c-2")
                       for s, (sp, text) in enumerate([
                           ("agent", "Thank you for calling, how can I help?"),
                           ("customer", "This is the third time I call about this bill!"),
                           ("agent", "I am sorry, let me look at it right now.")]))))
    service.step(0)
    assert service.engine.model.version == first
    before = {c: service.engine.calls[c].tracker.snapshot() for c in ("c-1", "c-2")}

    promote(registry, second, who="test")
    service.models.poll()  # the watcher thread's work: load and check the new version
    assert service.engine.model.version == first, "loaded off the loop, not yet swapped in"
    service.step(0)  # nothing queued: the swap happens between batches
    engine = service.engine
    assert engine.model.version == second
    for call_id, snapshot in before.items():  # each open call keeps its per-call state
        tracker = engine.calls[call_id].tracker
        assert tracker.snapshot() == snapshot and tracker.turns == 3
        assert tracker._tracker is engine.model.tracker  # now read by the new version

    service.feed(raw(*(said(c, s, "customer", "Fine, I will wait.") for c in ("c-1", "c-2")
                       for s in (3, 4)), *whole_call("c-3", agent="a-3"),
                     ended("c-1"), ended("c-2")))
    service.step(0)
    stored = versions_stored(service.writer.engine)
    assert {k: v for k, v in stored.items() if k[1] < 3 and k[0] != "c-3"} == {
        (c, s): first for c in ("c-1", "c-2") for s in range(3)}
    assert {k: v for k, v in stored.items() if k[1] >= 3 or k[0] == "c-3"} == {
        **{(c, s): second for c in ("c-1", "c-2") for s in (3, 4)},
        **{("c-3", s): second for s in range(5)}}
    with service.writer.engine.connect() as conn:
        assert dict(conn.execute(select(calls.c.call_id, calls.c.turns)).all()) == {
            "c-1": 5, "c-2": 5, "c-3": 5}
    info = health(service.writer.engine)
    assert (info["model"], info["model_previous"], info["model_promoted"]) == (
        second, first, second)
    assert info["model_follows"] is True and info["model_refused"] is None
    assert datetime.fromisoformat(info["model_since"]) <= datetime.now(UTC)


def test_a_rollback_reaches_the_floor_too(registry, two_versions, lexicon, db_url):
    _, first, second = two_versions
    service = live_service(registry, lexicon, db_url)
    promote(registry, second, who="test")
    service.models.poll()
    service.step(0)
    assert service.engine.model.version == second
    assert rollback(registry, who="test") == first
    service.models.poll()
    service.feed(raw(*whole_call("c-1")))
    service.step(0)
    assert service.engine.model.version == first
    assert set(versions_stored(service.writer.engine).values()) == {first}
    assert health(service.writer.engine)["model_previous"] == second


def test_a_version_loaded_but_no_longer_promoted_is_not_swapped_in(
        registry, two_versions, lexicon, db_url):
    _, first, second = two_versions
    service = live_service(registry, lexicon, db_url)
    promote(registry, second, who="test")
    service.models.poll()
    promote(registry, first, who="test")  # changed their mind before the next batch
    service.models.poll()
    service.step(0)
    assert service.engine.model.version == first


@pytest.mark.parametrize("kind", ["tampered", "unreadable", "missing"])
def test_a_broken_version_is_refused_and_the_running_one_stays(
        registry, two_versions, lexicon, db_url, kind, caplog):
    _, first, second = two_versions
    service = live_service(registry, lexicon, db_url)
    service.feed(raw(started("c-1"), said("c-1", 0, "customer", "hello")))
    service.step(0)
    words = make_broken(registry, first, kind)
    with caplog.at_level(logging.INFO, logger="floorlight.monitor"):
        service.models.poll()
        service.models.poll()  # refused once: not loaded again on every look
    service.feed(raw(said("c-1", 1, "agent", "How can I help?"), ended("c-1")))
    service.step(0)
    assert service.engine.model.version == first
    assert set(versions_stored(service.writer.engine).values()) == {first}
    refused = health(service.writer.engine)["model_refused"]
    assert refused["version"] == (BROKEN if kind != "missing" else "v-gone")
    assert words in refused["reason"]
    assert [r.levelname for r in caplog.records if "refused" in r.getMessage()] == ["ERROR"]
    assert sum("loading it" in r.getMessage() for r in caplog.records) == 1

    promote(registry, second, who="test")  # a good promotion clears the refusal
    service.models.poll()
    service.step(0)
    assert service.engine.model.version == second
    assert health(service.writer.engine)["model_refused"] is None


def test_a_pinned_version_is_not_followed(two_versions, lexicon, db_url):
    from models.artifacts import registry_of

    registry, first, _ = two_versions
    assert registry_of(registry) == registry
    assert registry_of(registry / first) is None  # `--model DIR` of one version: pinned
    service = build_service(load_model(registry / first), lexicon, MonitorConfig(),
                            db_url=db_url, registry=registry_of(registry / first))
    service.step(0)
    assert service.models is None and health(service.writer.engine)["model_follows"] is False


# --- the real process, a real broker, SQLite and PostgreSQL --------------------------------


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_hot_swap_in_the_running_monitor(request, store, registry, two_versions, mosquitto,
                                         tmp_path):
    _, first, second = two_versions
    db_url = f"sqlite:///{tmp_path / 'floor.db'}" if store == "sqlite" else \
        request.getfixturevalue("pg_url")
    settings = tmp_path / "monitor.toml"
    settings.write_text("model_poll_s = 0.2\nheartbeat_s = 1.0\n")
    log = tmp_path / "monitor.log"
    process = start_monitor(mosquitto, db_url, registry, tmp_path / "home", "--config",
                            str(settings), log=log)
    peer = Peer(mosquitto)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online", timeout=60,
                 what="the monitor online")
        db = open_store(db_url, migrate=False)
        live = [f"c-{n}" for n in range(3)]
        peer.send(*(started(c, f"a-{c}") for c in live),
                  *(said(c, s, "customer", "I have been waiting for an hour.")
                    for c in live for s in range(3)))
        wait_for(lambda: len(versions_stored(db)) == 9, what="the first turns stored")

        promote(registry, second, who="test")
        wait_for(lambda: health(db).get("model") == second, what="the monitor on the new "
                 "version")
        peer.send(*(said(c, s, "agent", "Sorry for the wait, it is fixed now.")
                    for c in live for s in (3, 4)), *(ended(c) for c in live),
                  *whole_call("c-new", agent="a-new"))
        wait_for(lambda: len(versions_stored(db)) == 20, what="every turn stored")
        stored = versions_stored(db)
        assert {k for k, v in stored.items() if v == first} == {
            (c, s) for c in live for s in range(3)}
        assert {k for k, v in stored.items() if v == second} == {
            *((c, s) for c in live for s in (3, 4)), *(("c-new", s) for s in range(5))}

        words = make_broken(registry, second, "tampered")
        wait_for(lambda: (health(db).get("model_refused") or {}).get("version") == BROKEN,
                 what="the refusal in the monitor's health")
        assert words in health(db)["model_refused"]["reason"]
        peer.send(*whole_call("c-after", agent="a-after"))
        wait_for(lambda: len(versions_stored(db)) == 25, what="turns after the refusal")
        assert {v for (c, _), v in versions_stored(db).items() if c == "c-after"} == {second}
        assert process.poll() is None and health(db)["model"] == second
        db.dispose()
    finally:
        peer.close()
        stop(process)
    text = log.read_text()
    assert f"model {second} is live (was {first})" in text
    assert f"model {BROKEN} refused, still running {second}" in text
