"""The CLI contract of train / score / replay / evaluate: output shape, order, error lines,
exit codes. Most tests call ``main`` in-process; one runs the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from floorlight.cli import main


def run_cli(args: list[str], capsys, stdin: bytes | None = None, monkeypatch=None) -> tuple:
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_score_keeps_order_and_puts_errors_on_their_lines(
    trained_registry: Path, tmp_path: Path, capsys
) -> None:
    lines = [
        json.dumps({"text": "I want your manager now", "speaker": "customer", "id": 1}),
        "{broken json",
        json.dumps({"text": "   ", "speaker": "customer"}),
        json.dumps({"text": "你好，很高興為您服務", "speaker": "agent", "lang": "zh-Hant"}),
        json.dumps({"text": "hello", "speaker": "robot"}),
        json.dumps({"speaker": "agent"}),
        json.dumps({"text": "hi", "speaker": "agent", "lang": "fr"}),
        json.dumps({"text": "x" * 1_000_000, "speaker": "customer"}),
        json.dumps({"text": "ok thanks", "speaker": "customer"}),
    ]
    file = tmp_path / "in.jsonl"
    invalid_utf8 = b'{"text": "\xff\xfe", "speaker": "agent"}\n'
    file.write_bytes(("\n".join(lines) + "\n").encode() + invalid_utf8)
    code, out, err = run_cli(["score", "--model", str(trained_registry), str(file)], capsys)
    assert code == 0
    rows = [json.loads(x) for x in out.splitlines()]
    assert len(rows) == 10
    assert rows[0]["id"] == 1 and rows[0]["text"] == "I want your manager now"
    prediction = rows[0]["prediction"]
    assert set(prediction) == {"sentiment", "sentiment_scores", "cue", "cue_scores",
                               "escalation", "evidence"}
    assert abs(sum(prediction["cue_scores"].values()) - 1) < 1e-3
    assert prediction["escalation"] == pytest.approx(1 - prediction["cue_scores"]["none"], abs=1e-3)
    assert "prediction" in rows[3] and "prediction" in rows[8]
    expected_errors = {1: "not valid JSON", 2: "text is empty", 4: "speaker 'robot'",
                       5: "missing field 'text'", 6: "lang 'fr'", 7: "limit", 9: "not valid UTF-8"}
    for index, fragment in expected_errors.items():
        assert fragment in rows[index]["error"], rows[index]
        assert rows[index]["line"] == index + 1
    assert "7 of 10 lines had errors" in err


def test_score_reads_stdin(trained_registry: Path, capsys, monkeypatch) -> None:
    stdin = b'{"text": "cancel my account now, I am switching", "speaker": "customer"}\n'
    code, out, _ = run_cli(["score", "--model", str(trained_registry), "-"], capsys, stdin,
                           monkeypatch)
    assert code == 0
    assert json.loads(out)["prediction"]["cue"] in {"churn_threat", "none"}


def test_agent_turn_never_gets_a_customer_cue(trained_registry: Path, tmp_path, capsys) -> None:
    file = tmp_path / "in.jsonl"
    file.write_text(json.dumps({"text": "I want your manager, I'll sue", "speaker": "agent"}))
    _, out, _ = run_cli(["score", "--model", str(trained_registry), str(file)], capsys)
    scores = json.loads(out)["prediction"]["cue_scores"]
    assert all(scores[c] == 0 for c in scores if c not in ("none", "agent_misconduct"))


def test_replay_gives_a_state_and_risk_per_turn(
    trained_registry: Path, fixture_data: list[Path], capsys
) -> None:
    code, out, _ = run_cli(["replay", "--model", str(trained_registry), str(fixture_data[1])],
                           capsys)
    assert code == 0
    rows = [json.loads(x) for x in out.splitlines()]
    calls = [json.loads(x) for x in fixture_data[1].read_text().splitlines()]
    assert [r["call_id"] for r in rows] == [c["call_id"] for c in calls]
    for row, call in zip(rows, calls, strict=True):
        assert len(row["states"]) == len(row["risk"]) == len(call["utterances"])
        assert set(row["states"]) <= {"calm", "watch", "alert"}
        alert = row["alert_index"]
        assert alert is None or row["states"][alert] == "alert"
        assert alert is None or "alert" not in row["states"][:alert]
        assert len(row["turns"]) == len(call["utterances"])
        for turn, utterance in zip(row["turns"], call["utterances"], strict=True):
            assert set(turn) == {"sentiment", "sentiment_scores", "cue", "cue_scores",
                                 "escalation", "evidence"}
            assert turn["escalation"] == pytest.approx(1 - turn["cue_scores"]["none"], abs=1e-3)
            if utterance["speaker"] == "agent":
                assert turn["cue"] in {"none", "agent_misconduct"}


def test_replay_bad_call_is_an_error_line(trained_registry: Path, tmp_path, capsys) -> None:
    file = tmp_path / "calls.jsonl"
    file.write_text('{"call_id": "x"}\n{"call_id": "y", "utterances": []}\n')
    _, out, _ = run_cli(["replay", "--model", str(trained_registry), str(file)], capsys)
    rows = [json.loads(x) for x in out.splitlines()]
    assert "missing field 'utterances'" in rows[0]["error"]
    assert rows[1] == {"call_id": "y", "states": [], "risk": [], "reasons": [],
                       "alert_index": None, "turns": []}


@pytest.mark.parametrize("which", [0, 1])
def test_evaluate_detects_the_file_kind(
    trained_registry: Path, fixture_data: list[Path], capsys, which: int
) -> None:
    code, out, _ = run_cli(["evaluate", "--model", str(trained_registry),
                            str(fixture_data[which])], capsys)
    assert code == 0
    if which == 0:
        assert "sent-F1" in out and "confusion (cue" in out and "zh-Hant" in out
    else:
        assert "on-time" in out and "false" in out


def test_evaluate_frontier_reports_the_best_on_time_rate_at_each_budget(
    trained_registry: Path, fixture_data: list[Path], capsys
) -> None:
    args = ["evaluate", "--model", str(trained_registry), str(fixture_data[1]), "--frontier"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "best on time at a false-alert budget" in out
    assert "   5.0%" in out and "   2.5%" in out
    code, out, _ = run_cli([*args, "--json"], capsys)
    frontier = json.loads(out)["frontier"]
    assert list(frontier) == ["0.02", "0.025", "0.03", "0.035", "0.04", "0.05"]
    rates = [r for r in frontier.values() if r is not None]
    assert rates == sorted(rates) and all(0.0 <= r <= 1.0 for r in rates)
    # an utterance file has no calls: the flag changes nothing
    code, out, _ = run_cli(["evaluate", "--model", str(trained_registry), str(fixture_data[0]),
                            "--frontier"], capsys)
    assert code == 0 and "best on time" not in out


def test_no_model_says_how_to_train_one(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path))
    file = tmp_path / "in.jsonl"
    file.write_text('{"text": "hi", "speaker": "agent"}\n')
    code, _, err = run_cli(["score", str(file)], capsys)
    assert code == 2
    assert "no model here. Train one with `floorlight train" in err


def test_train_refuses_bad_data_and_keeps_the_good_model(
    trained_registry: Path, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "speaker": "agent", "sentiment": "happy", "cue": "none"}\n')
    before = sorted(p.name for p in trained_registry.iterdir())
    code, _, err = run_cli(["train", "--data", str(bad), "--out", str(trained_registry)], capsys)
    assert code == 2
    assert f"{bad}:1: sentiment 'happy'" in err
    assert sorted(p.name for p in trained_registry.iterdir()) == before


def test_console_script_trains_and_prints_a_summary(
    fixture_data: list[Path], tmp_path: Path
) -> None:
    exe = Path(sys.executable).with_name("floorlight")
    args = [str(exe), "train", "--out", str(tmp_path / "reg"), "--no-reviews"]
    for path in fixture_data:
        args += ["--data", str(path)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "FLOORLIGHT_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "held-out utterances" in result.stdout and "held-out calls" in result.stdout
    assert (tmp_path / "reg" / "ACTIVE").exists()


HOSTILE_LINES = [
    '{"text": "hi \\ud800 there", "speaker": "customer"}',
    '{"text": "a\\u0000b", "speaker": "agent"}',
    '{"text": "ok", "speaker": "agent", "t": NaN}',
    '{"text": "ok", "speaker": "agent", "t": Infinity}',
    '{"text": "ok", "speaker": "agent", "t": ' + "9" * 400 + "}",
    "[" * 50_000 + "]" * 50_000,
]


def _strict(line: str) -> dict:
    def refuse(name: str):
        raise AssertionError(f"{name} in output")
    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize("command", ["score", "replay"])
def test_hostile_lines_become_error_objects_and_good_lines_still_land(
        command: str, trained_registry: Path, tmp_path: Path) -> None:
    """Through the real console script (real stdout encoding): one output line per input
    line, always valid JSON, exit 0, the good lines around the hostile ones scored."""
    good = ('{"text": "Thanks, that sorted it.", "speaker": "customer"}' if command == "score"
            else json.dumps({"call_id": "ok", "utterances": [
                {"speaker": "agent", "text": "Hello, how can I help?"}]}))
    hostile = HOSTILE_LINES if command == "score" else [
        f'{{"call_id": "h{i}", "utterances": [{line}]}}' for i, line in
        enumerate(HOSTILE_LINES[:-1])] + [HOSTILE_LINES[-1]]
    file = tmp_path / "in.jsonl"
    file.write_text("\n".join([good, *hostile, good]) + "\n", encoding="utf-8")
    args = [sys.executable, "-m", "floorlight.cli", command, "--model", str(trained_registry),
            str(file)]
    result = subprocess.run(args, capture_output=True, timeout=300,
                            env={**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""})
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    rows = [_strict(x) for x in result.stdout.decode("utf-8").splitlines()]
    assert len(rows) == len(hostile) + 2
    key = "prediction" if command == "score" else "states"
    assert key in rows[0] and key in rows[-1]
    assert all("error" in r for r in rows[3:-1]), rows  # NaN, Infinity, overflow, nesting
    assert key in rows[1] and key in rows[2]  # cleaned text is scored, not refused
