"""Will the broker keep what the floor sends while the monitor is down?

The monitor's persistent session only survives an outage if the broker queues enough
messages for it. Mosquitto keeps 1,000 per session unless ``max_queued_messages`` says
otherwise, and the protocol has no way to ask, so the operator names the broker's
configuration file (``broker_config``) or its limit (``broker_queue_limit``) and the floor's
size; the monitor compares them at start and warns (issue 11: nothing lost silently)."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config import MonitorConfig
from monitor.errors import MonitorConfigError

STOCK_LIMIT = 1000  # mosquitto's own default for max_queued_messages
TURNS_PER_AGENT_MINUTE = 12  # about one turn every 5 s per live call, the README's figure
EVENTS_PER_TURN = 1.1  # call start, end and CSAT events on top of the turns
_SETTING = re.compile(r"^\s*(max_queued_messages|include_dir)\s+(\S+)", re.MULTILINE)


def broker_limit(conf: Path) -> int:
    """``max_queued_messages`` as mosquitto reads ``conf`` (the last setting wins, files in
    ``include_dir`` count, in name order); 0 means no limit."""
    limit = STOCK_LIMIT
    try:
        text = conf.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise MonitorConfigError(f"broker_config {conf}: cannot read ({err.strerror})") from None
    for key, value in _SETTING.findall(text):
        if key == "include_dir":
            for part in sorted(Path(value).glob("*.conf")):
                limit = broker_limit(part)
        elif value.isdigit():
            limit = int(value)
    return limit


def needed(agents: int, outage_minutes: float) -> int:
    """Messages the floor sends during an outage of ``outage_minutes``."""
    return round(agents * TURNS_PER_AGENT_MINUTE * EVENTS_PER_TURN * outage_minutes)


def queue_warning(config: MonitorConfig) -> str | None:
    """A warning when the broker's queue is smaller than the floor needs, else ``None``
    (also when the floor's size is not configured: nothing to compare with)."""
    agents = config.floor_agents or len(config.agents)
    if not agents:
        return None
    if config.broker_queue_limit:
        limit, where = config.broker_queue_limit, "broker_queue_limit"
    elif config.broker_config:
        limit, where = broker_limit(Path(config.broker_config)), config.broker_config
    else:
        limit, where = STOCK_LIMIT, "mosquitto's default (set broker_config to check yours)"
    need = needed(agents, config.outage_minutes)
    if limit == 0 or limit >= need:
        return None
    return (f"the broker keeps at most {limit:,} messages for the monitor ({where}); "
            f"{agents} agents send about {need:,} in {config.outage_minutes:g} minutes, so "
            f"an outage longer than {limit / need * config.outage_minutes:.0f} minutes loses "
            "turns: raise max_queued_messages (see monitor/mosquitto.conf)")
