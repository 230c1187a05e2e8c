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


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def command(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, *,
            refresh_s: float | None = None, python: str | None = None,
            sign_in: bool = True) -> list[str]:
    """The argv that serves the dashboard on ``host:port`` (the store: see
    :func:`environment`). Headless (no browser is opened, no usage statistics are sent);
    bound to localhost unless another ``host`` is given, which needs sign-in on (ValueError
    otherwise: anyone who reaches the port could acknowledge, promote and retrain)."""
    if not 0 < int(port) < 65536:
        raise ValueError(f"port {port} is not between 1 and 65535")
    if not sign_in and host not in LOCAL_HOSTS:
        raise ValueError(f"--host {host}: binding beyond this machine needs sign-in on "
                         "(unset FLOORLIGHT_SIGN_IN=off / drop --no-sign-in)")
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


def environment(db_url: str, base: Mapping[str, str], home: Path, *,
                sign_in: bool = True) -> dict[str, str]:
    """The child's environment: ``base`` with the store URL, the home directory and, when
    sign-in is off, ``FLOORLIGHT_SIGN_IN=off`` (read by ``dashboard/config.py``)."""
    env = child_environment({**base, "FLOORLIGHT_HOME": str(home)}, db=db_url)
    env.pop("FLOORLIGHT_SIGN_IN", None)
    if not sign_in:
        env["FLOORLIGHT_SIGN_IN"] = "off"
    return env
