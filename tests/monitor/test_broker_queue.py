"""The monitor warns at start when the broker's queue for its session is smaller than the
configured floor sends during the outage it must survive (issue 11, item 4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from monitor.app import build_service
from monitor.broker_queue import STOCK_LIMIT, broker_limit, needed, queue_warning
from monitor.config import MonitorConfig, load_config
from monitor.errors import MonitorConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "monitor" / "mosquitto.conf"


def test_the_shipped_configuration_holds_an_hour_of_a_200_agent_floor():
    assert broker_limit(SHIPPED) == 500_000
    assert needed(200, 60) < 500_000
    config = MonitorConfig(floor_agents=200, broker_config=str(SHIPPED))
    assert queue_warning(config) is None


def test_stock_mosquitto_is_too_small_for_a_floor_and_the_warning_says_what_to_do():
    warning = queue_warning(MonitorConfig(floor_agents=50, outage_minutes=30))
    assert warning is not None
    assert f"at most {STOCK_LIMIT:,} messages" in warning
    assert "50 agents" in warning and "max_queued_messages" in warning


def test_the_last_setting_and_included_files_count_as_mosquitto_reads_them(tmp_path):
    extra = tmp_path / "conf.d"
    extra.mkdir()
    (extra / "10-floor.conf").write_text("max_queued_messages 2000\n")
    (extra / "20-site.conf").write_text("# site\nmax_queued_messages 900000\n")
    main = tmp_path / "mosquitto.conf"
    main.write_text(f"max_queued_messages 100\ninclude_dir {extra}\n")
    assert broker_limit(main) == 900_000
    (extra / "20-site.conf").write_text("max_queued_messages 0\n")  # 0: no limit
    assert broker_limit(main) == 0
    assert queue_warning(MonitorConfig(floor_agents=10_000, broker_config=str(main))) is None


def test_no_floor_size_means_nothing_to_compare_and_no_noise():
    assert queue_warning(MonitorConfig()) is None


def test_an_unreadable_broker_config_is_a_config_error(tmp_path):
    with pytest.raises(MonitorConfigError, match=r"broker_config .*missing\.conf: cannot read"):
        queue_warning(MonitorConfig(floor_agents=5,
                                    broker_config=str(tmp_path / "missing.conf")))


def test_the_monitor_logs_the_warning_at_start(model, lexicon, tmp_path, caplog):
    settings = tmp_path / "monitor.toml"
    settings.write_text("outage_minutes = 120\nbroker_queue_limit = 20000\n"
                        "[agents.a-1]\ndesk = 'd-1'\n")
    config = load_config(settings, floor_agents=300)
    caplog.set_level(logging.WARNING, logger="floorlight.monitor")
    service = build_service(model, lexicon, config, db_url=f"sqlite:///{tmp_path / 'f.db'}",
                            mqtt_url="mqtt://127.0.0.1:1")
    service.writer.engine.dispose()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("at most 20,000 messages" in w and "300 agents" in w for w in warnings)
