"""Monitor fixtures: the session's tiny trained model, a real SQLite store per test, and an
engine with a hand-driven clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from models.artifacts import load_model
from models.lexicon import load_lexicon
from monitor.config import MonitorConfig
from monitor.engine import Engine
from store.db import open_store
from store.writer import StoreWriter
from tests.monitor.events import Clock

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "qa_lexicon.tsv"


@pytest.fixture(scope="session")
def model(trained_registry):
    return load_model(trained_registry)


@pytest.fixture(scope="session")
def lexicon():
    return load_lexicon([LEXICON])


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'floor.db'}"


@pytest.fixture
def writer(db_url: str) -> StoreWriter:
    return StoreWriter(open_store(db_url))


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def make_engine(model, lexicon, clock):
    def make(**settings) -> Engine:
        return Engine(model, MonitorConfig(**settings), lexicon, clock=clock.mono,
                      now=clock.now)
    return make



@pytest.fixture(scope="session")
def two_versions(tmp_path_factory, trained_registry, fixture_data) -> tuple[Path, str, str]:
    """A registry holding the session's tiny model (promoted) and a second version trained
    on the same fixture corpus with other settings (not promoted): (registry, first,
    second). Tests copy it before promoting (see ``registry``)."""
    import shutil

    from models.artifacts import active_version
    from models.training import TrainConfig, train

    registry = tmp_path_factory.mktemp("two-versions") / "models"
    shutil.copytree(trained_registry, registry)
    first = active_version(registry)
    second = train(fixture_data, registry, lexicon=[LEXICON], auto_promote=False,
                   config=TrainConfig(seed=11, review_sentences=100, augment=False)).name
    assert first and second != first and active_version(registry) == first
    return registry, first, second


@pytest.fixture
def registry(tmp_path: Path, two_versions) -> Path:
    """This test's own copy of the two-version registry (first promoted)."""
    import shutil

    target = tmp_path / "models"
    shutil.copytree(two_versions[0], target)
    return target
