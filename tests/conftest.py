"""Shared fixtures. A tiny model is trained once per test session on the hand-written
fixture corpus, so CLI and artifact tests exercise a real trained model quickly."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.training import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LEXICON = ROOT / "data" / "lexicon" / "qa_lexicon.tsv"


@pytest.fixture(scope="session")
def fixture_data() -> list[Path]:
    return [FIXTURES / "mini_utterances.jsonl", FIXTURES / "mini_calls.jsonl"]


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory: pytest.TempPathFactory, fixture_data: list[Path]) -> Path:
    registry = tmp_path_factory.mktemp("registry")
    train(fixture_data, registry, lexicon=[LEXICON],
          config=TrainConfig(review_sentences=200, augment=True))
    return registry


@pytest.fixture
def mosquitto(tmp_path_factory: pytest.TempPathFactory):
    """A real mosquitto on a free localhost port, stopped after the test. Has ``url``,
    ``host``, ``port``, ``stop()``, ``start()`` and ``restart()`` (same port)."""
    from tests.support.mosquitto import MosquittoBroker

    with MosquittoBroker(tmp_path_factory.mktemp("mosquitto")) as broker:
        yield broker
