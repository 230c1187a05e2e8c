"""``floorlight lights``: list attached lights, cycle one through every state, provision a
Floorlight light over USB.

The Wi-Fi password for ``provision`` never comes from the command line (every user of the
machine reads it there, with ``ps``): it comes from ``$FLOORLIGHT_WIFI_PASS``, or from a file
only its owner can read (``--wifi-pass-file PATH``, mode 0600), or from standard input
(``--wifi-pass-file -``), as :mod:`floorlight.credentials` does for store and broker URLs."""

from __future__ import annotations

import argparse
import os
import sys
import time

from floorlight.commands._common import fail
from floorlight.commands.bridge import add_light_arguments, build_config
from floorlight.credentials import add_url_arguments, read_private_text

WIFI_PASS_ENV = "FLOORLIGHT_WIFI_PASS"
WIFI_PASS_HINT = (f"put it in ${WIFI_PASS_ENV}, or in a file only you can read and pass "
                  "--wifi-pass-file PATH (chmod 600 PATH), or pipe it in with "
                  "--wifi-pass-file -")


def _refuse_wifi_pass(_value: str) -> str:
    """The old ``--wifi-pass VALUE``: always an error that says where the password goes."""
    raise argparse.ArgumentTypeError(
        f"a password on the command line is visible to every user of the machine (ps); "
        f"{WIFI_PASS_HINT}")


_refuse_wifi_pass.__name__ = "PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lights", help="list, test or provision desk lights")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="serial and HID lights attached to this machine")
    listing.add_argument("--no-probe", action="store_true",
                         help="do not ping unrecognised serial ports for Floorlight firmware")
    test = actions.add_parser("test", help="cycle a light through every state")
    test.add_argument("target", metavar="DESK|PORT")
    test.add_argument("--kind", help="light kind for a PORT (default: detect)")
    test.add_argument("--hold", type=float, default=2.0, help="seconds per state")
    add_light_arguments(test)
    prov = actions.add_parser("provision",
                              help="store desk, Wi-Fi and broker in a Floorlight light")
    prov.add_argument("port")
    prov.add_argument("--desk", required=True)
    prov.add_argument("--wifi-ssid", default=None)
    prov.add_argument("--wifi-pass", type=_refuse_wifi_pass, default=None,
                      help=f"refused (visible in ps): {WIFI_PASS_HINT}")
    prov.add_argument("--wifi-pass-file", default=None, metavar="PATH",
                      help=f"read the Wi-Fi password from PATH (mode 0600) or, for '-', "
                      f"from standard input (default: ${WIFI_PASS_ENV})")
    add_url_arguments(prov, "mqtt", help="the broker the light connects to "
                      "(default: $FLOORLIGHT_MQTT)")
    prov.add_argument("--prefix", default=None)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from firmware_bridge.errors import LightError

    try:
        return {"list": list_lights, "test": test_light, "provision": provision}[args.action](args)
    except LightError as err:
        return fail(str(err))


def list_lights(args: argparse.Namespace) -> int:
    from firmware_bridge.discovery import hid_lights, serial_lights
    from firmware_bridge.errors import LightError

    found = serial_lights(probe=not args.no_probe)
    print(f"{'ADDRESS':<28} {'USB ID':<10} {'KIND':<18} DESCRIPTION")
    for light in found:
        print(light.row())
    try:
        for light in hid_lights():
            print(light.row())
    except LightError as err:
        print(f"(HID lights not listed: {err})")
    if not found:
        print("(no serial ports)")
    return 0


def _port_spec(args: argparse.Namespace):
    from firmware_bridge.config import LightSpec
    from firmware_bridge.discovery import kind_by_usb, probe_firmware
    from firmware_bridge.errors import ConfigError
    from firmware_bridge.states import Subject
    from firmware_bridge.transports.serial_link import list_serial_ports

    kind = args.kind
    if kind is None:
        port = next((p for p in list_serial_ports() if p.device == args.target), None)
        kind = kind_by_usb(port) if port else ""
        if not kind and probe_firmware(args.target, _env()):
            kind = "floorlight-serial"
        if not kind:
            raise ConfigError(f"{args.target}: no known light answers there; give --kind")
    return LightSpec(Subject("desk", "test"), kind, args.target, "command line")


def _env(**kw: object):
    from firmware_bridge.drivers.base import BuildEnv

    return BuildEnv(ack_timeout_s=0.5, boot_timeout_s=1.5, **kw)  # type: ignore[arg-type]


def test_light(args: argparse.Namespace) -> int:
    from firmware_bridge.drivers.base import Command
    from firmware_bridge.errors import ConfigError
    from firmware_bridge.light_test import TEST_STATES
    from firmware_bridge.lights import light_kinds
    from firmware_bridge.states import Subject
    from firmware_bridge.transports.mqtt_link import MqttLink, parse_mqtt_url

    config = build_config(args)
    if os.path.sep in args.target or args.target.upper().startswith("COM"):
        spec = _port_spec(args)
    else:
        subject = Subject.parse(args.target)
        spec = next((s for s in config.lights if s.subject == subject), None)
        if spec is None:
            raise ConfigError(f"no light configured for {args.target} (use --config or --light)")
    kinds = light_kinds()
    link = None
    if kinds[spec.kind].TRANSPORT == "mqtt":
        if not config.mqtt_url:
            raise ConfigError(f"a {spec.kind} light needs --mqtt URL")
        link = MqttLink(parse_mqtt_url(config.mqtt_url))
        link.start()
        deadline = time.monotonic() + 5
        while not link.connected and time.monotonic() < deadline:
            time.sleep(0.05)
    env = _env(prefix=config.prefix, mqtt=link, heartbeat_s=min(config.heartbeat_s, 5.0))
    driver = kinds[spec.kind].build(spec, env)
    driver.start()
    errors = 0
    try:
        for state in TEST_STATES:
            look = config.looks.look_for(spec.subject, state, _now())
            driver.show(Command(state, look))
            print(f"{state:<13} {look.color.hex} {look.effect:<5} {look.period_ms:>5} ms "
                  f"brightness {look.brightness}", flush=True)
            time.sleep(args.hold)
            health = env.health.get(spec.subject)
            if health and health.last_error and (health.online is False):
                errors += 1
                print(f"  problem: {health.last_error}")
    finally:
        off = config.looks.look_for(spec.subject, "off", _now())
        driver.stop(Command("off", off))
        if link is not None:
            link.stop()
    print("done" if not errors else f"done, {errors} problem(s)")
    return 1 if errors else 0


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def provision(args: argparse.Namespace) -> int:
    from firmware_bridge.discovery import provision as store_settings
    from floorlight.settings import default_mqtt_url

    settings = {"desk": args.desk}
    for key, value in (("wifi_ssid", args.wifi_ssid), ("wifi_pass", wifi_password(args)),
                       ("mqtt", args.mqtt or default_mqtt_url()), ("prefix", args.prefix)):
        if value is not None:
            settings[key] = value
    print(store_settings(args.port, settings))
    return 0


def wifi_password(args: argparse.Namespace, stdin=None) -> str | None:
    """From ``--wifi-pass-file`` (a 0600 file, or ``-``: one line of standard input), else
    ``$FLOORLIGHT_WIFI_PASS``; None when neither is given (an open network)."""
    from firmware_bridge.errors import ConfigError

    source = args.wifi_pass_file
    if source is None:
        return os.environ.get(WIFI_PASS_ENV) or None
    try:
        text = (stdin or sys.stdin).readline() if source == "-" else read_private_text(source)
    except UnicodeDecodeError as err:  # standard input that is not text
        raise ConfigError("standard input: the Wi-Fi password is not UTF-8 text",
                          key="--wifi-pass-file") from err
    except ValueError as err:
        raise ConfigError(str(err), key="--wifi-pass-file") from err
    password = text.splitlines()[0] if text.strip() else ""
    if not password:
        where = "standard input" if source == "-" else source
        raise ConfigError(f"{where}: no Wi-Fi password (write it on the first line)",
                          key="--wifi-pass-file")
    return password
