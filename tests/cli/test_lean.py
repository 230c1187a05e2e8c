"""The commands that score turns keep pandas and pytest out of their process
(``floorlight/lean.py``); a command run in-process, as tests run them, changes nothing."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from floorlight import lean
from floorlight.cli import main

BARE_INPUT = {
    "score": {"text": "Put your supervisor on the phone right now!", "speaker": "customer"},
    "replay": {"call_id": "c1", "utterances": [
        {"speaker": "agent", "text": "Hello, how can I help?"},
        {"speaker": "customer", "text": "Put your supervisor on the phone right now!"}]},
}


# ``python -m floorlight ARGS``, reporting at exit every module the process imported
RUN_AND_REPORT = """
import atexit, json, runpy, sys
atexit.register(lambda: print("MODULES", json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["floorlight", *sys.argv[1:]]
runpy.run_module("floorlight", run_name="__main__", alter_sys=True)
"""


def imported(stderr: str) -> set[str]:
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


@pytest.mark.parametrize("command", sorted(BARE_INPUT))
def test_a_scoring_command_never_imports_pandas_or_pytest(
        command: str, trained_registry: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, command, "--model", str(trained_registry), "-"],
        input=json.dumps(BARE_INPUT[command]) + "\n", capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("prediction" if command == "score" else "states") in json.loads(result.stdout)
    modules = imported(result.stderr)
    assert "sklearn.utils.fixes" in modules  # the import that would have pulled pandas in
    assert not {m for m in modules if m.partition(".")[0] in {"pandas", "pytest"}}


def test_the_refused_libraries_fail_to_import_and_scikit_learn_still_fits() -> None:
    """In a child process: the finder, unlike ``sys.modules["pandas"] = None``, leaves
    scikit-learn's own check for pandas (``sklearn/utils/_dataframe.py``) working."""
    script = """
from floorlight.lean import refuse_unused_libraries
refuse_unused_libraries()
refuse_unused_libraries()
for name in ("pandas", "pandas.core", "pytest"):
    try:
        __import__(name)
    except ModuleNotFoundError as err:
        assert err.name == name.partition(".")[0], err
    else:
        raise SystemExit(f"{name} imported")
import numpy as np
from sklearn.linear_model import LogisticRegression
head = LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
print(head.predict_proba(np.eye(4)).shape)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "(4, 2)"


def test_main_called_in_process_refuses_nothing(trained_registry: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    file = tmp_path / "in.jsonl"
    file.write_text(json.dumps(BARE_INPUT["score"]) + "\n", encoding="utf-8")
    assert main(["score", "--model", str(trained_registry), str(file)]) == 0
    assert "prediction" in json.loads(capsys.readouterr().out)
    assert not [f for f in sys.meta_path if isinstance(f, lean._Refuse)]
    assert importlib.import_module("pandas").DataFrame  # the dashboard's tests need it


def test_only_commands_that_exist_are_named() -> None:
    import pkgutil

    from floorlight import commands

    names = {m.name for m in pkgutil.iter_modules(commands.__path__)}
    assert names >= lean.COMMANDS
