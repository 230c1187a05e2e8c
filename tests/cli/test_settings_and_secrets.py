"""``floorlight settings`` (agents' privacy, audited under the CLI's name), and the last
passwords that could reach a command line or a readable file: ``lights provision`` takes the
Wi-Fi password from the environment, a 0600 file or standard input (``--wifi-pass`` is an
error that says so) and hands it to a light emulated on a real pty; the bridge refuses a
configuration whose broker URL holds a password when other users may read the file."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware_bridge.errors import ConfigError
from floorlight.cli import build_parser
from floorlight.commands.bridge import build_config
from store.access import audit_rows
from store.db import open_store
from store.privacy import agent_privacy
from tests.bridge.devices import FirmwareDevice

FLOORLIGHT = [sys.executable, "-m", "floorlight"]
WIFI = "wifi pass with spaces"


def floorlight(*args: str, home: Path, stdin: str = "", **env: str
               ) -> subprocess.CompletedProcess:
    environ = {**os.environ, "FLOORLIGHT_HOME": str(home), "PYTHONPATH": os.getcwd(), **env}
    for name in ("FLOORLIGHT_DB", "FLOORLIGHT_MQTT", "FLOORLIGHT_WIFI_PASS"):
        if name not in env:
            environ.pop(name, None)
    return subprocess.run([*FLOORLIGHT, *args], input=stdin, capture_output=True, text=True,
                          env=environ, timeout=120)


def test_settings_turns_agents_privacy_on_and_the_audit_log_names_the_cli(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fl.db'}"
    listed = floorlight("settings", "list", "--db", url, home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:2] == ["agent-privacy", "off"]
    done = floorlight("settings", "set", "agent-privacy", "on", "--db", url, home=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "agent-privacy = on"
    listed = floorlight("settings", "list", "--db", url, home=tmp_path)
    assert listed.stdout.split("\t")[:2] == ["agent-privacy", "on"]
    assert f"by cli:{getpass.getuser()}" in listed.stdout
    assert "pseudonym" not in listed.stdout  # the site key is never listed
    engine = open_store(url, migrate=False)
    assert agent_privacy(engine) is True
    row = audit_rows(engine)[0]
    engine.dispose()
    assert (row.actor, row.role, row.action, row.target) == (
        f"cli:{getpass.getuser()}", "admin", "change_settings", "agent_privacy = on")
    bad = floorlight("settings", "set", "agent-privacy", "maybe", "--db", url, home=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'maybe'" in bad.stderr


@pytest.fixture
def light():
    device = FirmwareDevice(desk="")
    device.plug()
    yield device
    device.unplug()


def _configs(device: FirmwareDevice, wait_s: float = 2.0) -> list[dict]:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and not device.commands:
        time.sleep(0.02)
    return [c for c in device.commands if c.get("cmd") == "config"]


def _provision(device: FirmwareDevice, home: Path, *extra: str, stdin: str = "", **env: str):
    return floorlight("lights", "provision", device.path, "--desk", "d-9", "--wifi-ssid",
                      "floor-3", *extra, home=home, stdin=stdin, **env)


def test_the_wifi_password_comes_from_standard_input(light, tmp_path) -> None:
    done = _provision(light, tmp_path, "--wifi-pass-file", "-", stdin=WIFI + "\n")
    assert done.returncode == 0, done.stderr
    assert _configs(light) == [{"cmd": "config", "desk": "d-9", "wifi_ssid": "floor-3",
                                "wifi_pass": WIFI}]
    assert WIFI not in done.stdout + done.stderr


def test_the_wifi_password_comes_from_the_environment(light, tmp_path) -> None:
    done = _provision(light, tmp_path, FLOORLIGHT_WIFI_PASS=WIFI)
    assert done.returncode == 0, done.stderr
    assert _configs(light)[0]["wifi_pass"] == WIFI


def test_the_wifi_password_file_must_be_private(light, tmp_path) -> None:
    secret = tmp_path / "wifi.pass"
    secret.write_text(WIFI + "\n")
    secret.chmod(0o644)
    refused = _provision(light, tmp_path, "--wifi-pass-file", str(secret))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"floorlight: {secret}: mode 0644 lets other users read it; a file that holds a "
        f"password must be readable by its owner only (chmod 600 {secret})"]
    assert _configs(light, wait_s=0.3) == []
    secret.chmod(0o600)
    done = _provision(light, tmp_path, "--wifi-pass-file", str(secret))
    assert done.returncode == 0, done.stderr
    assert _configs(light)[0]["wifi_pass"] == WIFI


def test_the_old_wifi_pass_flag_is_an_error_that_says_where_the_password_goes(
        light, tmp_path) -> None:
    refused = _provision(light, tmp_path, "--wifi-pass", "hunter2")
    assert refused.returncode == 2
    message = refused.stderr.strip().splitlines()[-1]
    assert "argument --wifi-pass: a password on the command line is visible" in message
    for way in ("$FLOORLIGHT_WIFI_PASS", "--wifi-pass-file PATH", "chmod 600",
                "--wifi-pass-file -"):
        assert way in message
    assert light.commands == [] and light.pings == 0  # nothing was sent to the light


def _bridge_config(tmp_path: Path, mqtt: str, mode: int) -> Path:
    path = tmp_path / "bridge.toml"
    path.write_text(f'[bridge]\nmqtt = "{mqtt}"\n\n[desks."d-1"]\nlight = "virtual:"\n')
    path.chmod(mode)
    return path


@pytest.mark.parametrize("command", [["bridge", "--run-for", "0"],
                                     ["lights", "test", "d-1", "--hold", "0"]])
def test_a_readable_bridge_config_with_a_broker_password_is_refused(tmp_path,
                                                                    command) -> None:
    path = _bridge_config(tmp_path, "mqtt://bridge:hunter2@127.0.0.1:1", 0o644)
    done = floorlight(*command, "--config", str(path), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"floorlight: {path}: mode 0644 lets other users read it; a file that holds a "
        f"password must be readable by its owner only (chmod 600 {path}); [bridge] mqtt "
        "holds a broker password"]
    assert "hunter2" not in done.stderr


@pytest.mark.parametrize(("mqtt", "mode"), [
    ("mqtt://bridge:hunter2@127.0.0.1:1", 0o600),  # a password, readable by its owner only
    ("mqtt://bridge@127.0.0.1:1", 0o644),  # readable by all, but nothing secret in it
])
def test_a_private_or_password_free_bridge_config_is_accepted(tmp_path, mqtt, mode) -> None:
    path = _bridge_config(tmp_path, mqtt, mode)
    args = build_parser(["bridge"]).parse_args(["bridge", "--config", str(path)])
    assert build_config(args).mqtt_url == mqtt


def test_a_query_password_counts_too(tmp_path) -> None:
    path = _bridge_config(tmp_path, "mqtts://bridge@127.0.0.1:1?password=x", 0o640)
    args = build_parser(["bridge"]).parse_args(["bridge", "--config", str(path)])
    with pytest.raises(ConfigError, match="mode 0640"):
        build_config(args)


def test_a_wifi_password_on_standard_input_that_is_not_text_is_one_clear_error() -> None:
    import argparse
    import io

    from firmware_bridge.errors import ConfigError
    from floorlight.commands.lights import wifi_password

    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\x80secret\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        wifi_password(argparse.Namespace(wifi_pass_file="-"), stdin=stdin)
