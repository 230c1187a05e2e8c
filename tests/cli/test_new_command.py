"""Issue 13: a new ``floorlight`` command is one new module and no registry line. The
throwaway ``tests/cli/example_commands/greet.py`` is made findable where the CLI discovers
commands, then run through :func:`floorlight.cli.main` as the console script runs it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import floorlight.commands
from floorlight.cli import main

EXAMPLE_COMMANDS = Path(__file__).resolve().parent / "example_commands"
MODULE = f"{floorlight.commands.__name__}.greet"


@pytest.fixture
def example_command(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example module dropped where the command modules live (the package's search path)."""
    monkeypatch.setattr(floorlight.commands, "__path__",
                        [*floorlight.commands.__path__, str(EXAMPLE_COMMANDS)])
    yield
    sys.modules.pop(MODULE, None)


def test_without_the_module_there_is_no_such_command(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["greet", "Mei"])
    assert exit_.value.code == 2
    assert "invalid choice: 'greet'" in capsys.readouterr().err


def test_the_command_is_listed_with_the_others(example_command, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    listing = capsys.readouterr().out
    assert "greet someone (an example command)" in listing
    assert "site settings" in listing  # the shipped commands are still there


def test_the_command_runs_with_its_arguments(example_command, capsys) -> None:
    assert main(["greet", "Mei", "--times", "2"]) == 0
    out = capsys.readouterr()
    assert out.out == "hello, Mei\nhello, Mei\n"
    assert out.err == ""


def test_a_root_error_is_one_line_and_exit_2(example_command, capsys) -> None:
    assert main(["greet", "nobody"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "floorlight: no one called 'nobody' in the store\n"  # no traceback
