"""Line-by-line JSON input for the streaming commands: each line parsed on its own, so one bad
line becomes one error object in the output and never stops the run."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from models.corpus import loads
from models.errors import ModelError


@dataclass(frozen=True)
class Line:
    number: int
    value: object | None
    error: str | None


def open_input(spec: str) -> BinaryIO:
    if spec == "-":
        return sys.stdin.buffer
    try:
        return open(Path(spec), "rb")
    except OSError as err:
        raise ModelError(f"{spec}: cannot open: {err.strerror}") from err


def read_lines(handle: BinaryIO) -> Iterator[Line]:
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            yield Line(number, loads(raw.decode("utf-8")), None)
        except UnicodeDecodeError:
            yield Line(number, None, f"line {number}: not valid UTF-8")
        except json.JSONDecodeError as err:
            yield Line(number, None, f"line {number}: not valid JSON ({err.msg})")
        except ValueError as err:
            yield Line(number, None, f"line {number}: not valid JSON ({err})")


def dumps(obj: object) -> str:
    """One output line: always valid JSON (no NaN) and always encodable as UTF-8 (an input
    string with a lone surrogate is echoed with ``\\u`` escapes instead)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text
