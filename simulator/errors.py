"""The simulator package's one root exception: settings or input a simulated floor cannot
run with. The CLI prints it as one line (``floorlight/commands/_common.py``)."""

from __future__ import annotations


class SimulatorError(Exception):
    """Input or settings the simulated floor cannot run with; the message says which."""
