"""The firmware's command parsing, state machine and TTL fail-safe, compiled natively
(C++11, sanitizers on) and driven through the same LineBuffer + Controller the ESP32
runs, with a fake millisecond clock."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from tests.bridge.conftest import CORE, FIRMWARE

GOOD = '{"color":"#FF0000","effect":"blink","period_ms":400,"brightness":255,"ttl_s":30,"seq":17}'


def run(harness: Path, *lines: str, args: tuple[str, ...] = ()) -> list[str]:
    done = subprocess.run([str(harness), *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_ping_answers_pong_with_version_and_desk(firmware_harness: Path) -> None:
    assert run(firmware_harness, '{"cmd":"ping"}', args=("--desk", "d-17")) == [
        '{"pong":true,"fw":"1.0.0-host","desk":"d-17"}']


def test_command_is_acked_with_its_seq_and_applied(firmware_harness: Path) -> None:
    out = run(firmware_harness, GOOD, "@state", '{"color":"#00ff00"}', "@state")
    assert out[0] == '{"ok":true,"seq":17}'
    assert out[1].startswith("mode=active effect=blink color=#FF0000 period=400 brightness=255 "
                             "ttl=30 seq=17")
    assert out[2] == '{"ok":true}'
    assert "effect=solid color=#00FF00 period=1000 brightness=255 ttl=30" in out[3]


def test_boots_stale_and_goes_stale_exactly_at_ttl(firmware_harness: Path) -> None:
    out = run(firmware_harness, "@state", "@render",
              '{"color":"#00FF00","ttl_s":5,"seq":1}', "@advance 4999", "@state", "@render",
              "@advance 1", "@state", "@render")
    assert out[0].startswith("mode=stale")
    assert out[1] == "rgb 4 4 4"  # boot: dim white breathe (10% of brightness 40)
    assert out[3].startswith("mode=active") and out[4] == "rgb 0 255 0"
    assert out[5].startswith("mode=stale")
    r, g, b = map(int, out[6].split()[1:])
    assert r == g == b and 4 <= r <= 40  # the slow dim white pulse, not the old green


def test_ping_keeps_the_light_alive_but_errors_do_not(firmware_harness: Path) -> None:
    out = run(firmware_harness, '{"color":"#0000FF","ttl_s":2}', "@advance 1500",
              '{"cmd":"ping"}', "@advance 1500", "@state", "not json", "@advance 500",
              "@state", '{"color":"#0000FF","bogus":1}', "@state")
    assert out[2].startswith("mode=active")  # 1.5 s after the ping that restarted the TTL
    assert out[4].startswith("mode=stale")  # 2 s after the ping: the bad line did not count
    assert out[6].startswith("mode=stale")  # nor does an invalid command


def test_ttl_survives_millis_wraparound(firmware_harness: Path) -> None:
    out = run(firmware_harness, "@at 4294966000", '{"color":"#FFFFFF","ttl_s":3}',
              "@advance 2999", "@state", "@advance 1", "@state")
    assert out[1].startswith("mode=active") and out[2].startswith("mode=stale")


@pytest.mark.parametrize(("line", "error"), [
    ("not json", "bad json: expected an object"),
    ("[1,2]", "bad json: expected an object"),
    ('{"color":"#FF0000"', "bad json: expected ',' or '}'"),
    ('{"color":"#FF0000"} x', "bad json: trailing characters"),
    ('{"color":{"r":1}}', "bad json: nested values are not supported"),
    ('{"color":"#FF0000","color":"#00FF00"}', "bad json: duplicate key"),
    ('{"color":"#FF0000\\x"}', "bad json: bad escape in string"),
    ('{"color":"#FF00\x01"}', "bad json: control character in string"),
    ('{"color":"' + "A" * 200 + '"}', "bad json: string too long"),
    ('{"' + "k" * 30 + '":1}', "bad json: key too long"),
    ('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}',
     "bad json: too many fields"),
    ('{"seq":01}', "bad json: expected ',' or '}'"),
    ('{"color":"#FF0000","colour":"#FF0000"}', "unknown key: colour"),
    ('{"color":"red"}', "bad color"),
    ('{"color":"#GG0000"}', "bad color"),
    ('{"color":16711680}', "bad color"),
    ('{"effect":"blink"}', "missing color"),
    ('{"color":"#FF0000","effect":"strobe"}', "bad effect"),
    ('{"color":"#FF0000","period_ms":99}', "bad period_ms"),
    ('{"color":"#FF0000","period_ms":400.5}', "bad period_ms"),
    ('{"color":"#FF0000","brightness":256}', "bad brightness"),
    ('{"color":"#FF0000","brightness":-1}', "bad brightness"),
    ('{"color":"#FF0000","brightness":true}', "bad brightness"),
    ('{"color":"#FF0000","ttl_s":0}', "bad ttl_s"),
    ('{"color":"#FF0000","seq":-1}', "bad seq"),
    ('{"color":"#FF0000","seq":4294967296}', "bad seq"),
    ('{"color":"#FF0000","seq":"17"}', "bad seq"),
    ('{"cmd":"reboot"}', "unknown cmd"),
    ('{"cmd":7}', "cmd must be a string"),
    ('{"cmd":"ping","seq":1}', "ping takes no arguments"),
    ('{"cmd":"config","desk":"d/17"}', "bad desk"),
    ('{"cmd":"config","mqtt":"http://x"}', "bad mqtt"),
    ('{"cmd":"config","wifi":"x"}', "unknown key: wifi"),
    ("{" + '"color":"#FF0000",' * 30 + "}", "line too long"),
])
def test_malformed_commands_are_refused_and_change_nothing(firmware_harness: Path, line: str,
                                                           error: str) -> None:
    out = run(firmware_harness, GOOD, line, "@state")
    assert out[1] == json.dumps({"ok": False, "error": error}, separators=(",", ":"))
    assert out[2].startswith("mode=active effect=blink color=#FF0000 period=400 brightness=255 "
                             "ttl=30 seq=17 commands=1 errors=1")


def test_blink_and_pulse_render_by_phase(firmware_harness: Path) -> None:
    out = run(firmware_harness, GOOD, "@advance 100", "@render", "@advance 150", "@render",
              '{"color":"#FF8000","effect":"pulse","period_ms":1000,"brightness":200}',
              "@render", "@advance 500", "@render", "@advance 500", "@render",
              '{"color":"#00FF00","effect":"solid","brightness":128}', "@render",
              '{"effect":"off"}', "@render")
    assert out[1] == "rgb 255 0 0" and out[2] == "rgb 0 0 0"
    assert out[4] == "rgb 20 10 0"  # pulse at its dimmest: 10% of brightness 200
    assert out[5] == "rgb 200 100 0"  # and at its brightest, half a period later
    assert out[6] == "rgb 20 10 0"
    assert out[8] == "rgb 0 128 0"
    assert out[10] == "rgb 0 0 0"


def test_heartbeat_does_not_restart_a_blink_but_a_new_look_does(firmware_harness: Path) -> None:
    out = run(firmware_harness, GOOD, "@advance 300", "@render", GOOD, "@render",
              GOOD.replace("400", "600"), "@render")
    assert out[1] == "rgb 0 0 0"
    assert out[3] == "rgb 0 0 0"  # same look re-sent: still in the dark half
    assert out[5] == "rgb 255 0 0"  # new period: the cycle starts over, lit


def test_serial_framing_crlf_blank_lines_and_overflow(firmware_harness: Path) -> None:
    ping = b'{"cmd":"ping"}'.hex()
    out = run(firmware_harness, f"@raw {ping}0d0a", "@raw 0d0a0a", "@raw " + "41" * 500 + "0a")
    assert out == ['{"pong":true,"fw":"1.0.0-host","desk":""}',
                   '{"ok":false,"error":"line too long"}']


def test_config_command_sets_desk_and_broker(firmware_harness: Path) -> None:
    out = run(firmware_harness, "@topics",
              '{"cmd":"config","desk":"d-17","wifi_ssid":"floor-3","wifi_pass":"s3cret",'
              '"mqtt":"mqtt://bridge:pw@10.0.0.5:1884"}', "@config", "@config", "@topics",
              '{"cmd":"ping"}')
    assert out[0] == "no topics"
    assert out[1] == '{"ok":true}'
    assert out[2] == ("desk=d-17 prefix=floorlight ssid=floor-3 pass=set "
                      "mqtt=mqtt://bridge:pw@10.0.0.5:1884 changed=1")
    assert out[3].endswith("changed=0")
    assert out[4] == ("floorlight/desk/d-17/light/set floorlight/desk/d-17/light/status "
                      "floorlight/desk/d-17/light/reply")
    assert out[5] == '{"pong":true,"fw":"1.0.0-host","desk":"d-17"}'


@pytest.mark.parametrize(("url", "parsed"), [
    ("mqtt://broker", "host=broker port=1883 user= pass="),
    ("mqtt://u:p@broker.local:8883", "host=broker.local port=8883 user=u pass=p"),
    ("mqtt://broker:1884/", "host=broker port=1884 user= pass="),
    ("mqtts://broker", "invalid"),
    ("mqtt://", "invalid"),
    ("mqtt://broker:0", "invalid"),
    ("mqtt://broker:99999", "invalid"),
    ("mqtt://broker:12a", "invalid"),
])
def test_mqtt_url_parsing(firmware_harness: Path, url: str, parsed: str) -> None:
    assert run(firmware_harness, f"@mqtturl {url}") == [parsed]


def test_reconnect_backoff_is_capped_exponential(firmware_harness: Path) -> None:
    assert run(firmware_harness, "@backoff 1000 60000 9") == [
        "1000 2000 4000 8000 16000 32000 60000 60000 60000 reset=1000"]


def test_random_garbage_never_crashes_and_always_gets_one_reply(firmware_harness: Path) -> None:
    rng = random.Random(4)
    alphabet = '{}[]":,#0123456789abcdefABCDEF-+.eE \\ucolorseqttl_sbrightness'
    lines = []
    for _ in range(400):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120))).strip()
        lines.append(line or "x")
    out = run(firmware_harness, *lines)
    assert len(out) == len(lines)
    for reply in out:
        data = json.loads(reply)
        assert data.get("ok") is False or data.get("ok") is True or data.get("pong") is True


def test_arduino_glue_type_checks_against_the_platform_api(tmp_path: Path) -> None:
    """src/main.cpp against header stand-ins with the real Arduino-ESP32, PubSubClient,
    Preferences and NeoPixel signatures (the ESP32 toolchain is not installed here)."""
    done = subprocess.run(["g++", "-std=gnu++11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                           f"-I{FIRMWARE / 'host' / 'stubs'}", f"-I{CORE}",
                           str(FIRMWARE / "src" / "main.cpp")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
