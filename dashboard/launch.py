"""Starting the dashboard as a child process (``floorlight dashboard`` and ``floorlight up``
both use :func:`command`)."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8501
DEFAULT_HOST = "127.0.0.1"


def command(db_url: str, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, *,
            refresh_s: float | None = None, python: str | None = None) -> list[str]:
    """The argv that serves the dashboard on ``host:port`` for the store at ``db_url``.
    Headless (no browser is opened, no usage statistics are sent); bound to localhost
    unless another ``host`` is given."""
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
        "--", "--db", db_url,
    ]
    if refresh_s:
        argv += ["--refresh", str(refresh_s)]
    return argv
