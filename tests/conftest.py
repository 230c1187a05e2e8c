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


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL for the session (see tests/support/postgres.py)."""
    from tests.support.postgres import PostgresServer, wait_ready

    with PostgresServer() as server:
        wait_ready(server.url)
        yield server


@pytest.fixture
def pg_url(postgres_server) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
