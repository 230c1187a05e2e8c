"""Starting the dashboard as a child process (``floorlight dashboard`` and ``floorlight up``
both use :func:`command` and :func:`environment`). The store URL goes to the child in its
environment, never its command line, which every user of the machine can read."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from floorlight.credentials import child_environment

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8501
DEFAULT_HOST = "127.0.0.1"


def command(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, *,
            refresh_s: float | None = None, python: str | None = None) -> list[str]:
    """The argv that serves the dashboard on ``host:port`` (the store: see
    :func:`environment`). Headless (no browser is opened, no usage statistics are sent);
    bound to localhost unless another ``host`` is given."""
    if not 0 < int(port) < 65536:
        raise ValueError(f"port {port} is not between 1 and 65535")
    argv = [
        python or sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(int(port)),
        "--server.address", host,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]
    if refresh_s:
        argv += ["--", "--refresh", str(refresh_s)]
    return argv


def environment(db_url: str, base: Mapping[str, str], home: Path) -> dict[str, str]:
    """The child's environment: ``base`` with the store URL and the home directory."""
    return child_environment({**base, "FLOORLIGHT_HOME": str(home)}, db=db_url)
