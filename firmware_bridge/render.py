"""Software effects, for lights that cannot blink or pulse by themselves (Busy Tag,
MuteSync, USB HID lights): the colour to show at a moment, and when it next changes."""

from __future__ import annotations

from firmware_bridge.looks import BLACK, Color, Look

PULSE_STEPS = 16
"""Brightness steps per pulse cycle: smooth enough to read as a breathe, few enough that
a 9600-baud light keeps up."""


def frame_at(look: Look, t: float) -> tuple[Color, float | None]:
    """The colour of ``look`` at ``t`` seconds into the effect, and seconds until it
    changes (None: it never does)."""
    lit = look.color.scaled(look.brightness)
    if look.effect == "off" or look.dark:
        return BLACK, None
    if look.effect == "solid":
        return lit, None
    period = look.period_ms / 1000
    phase = t % period
    if look.effect == "blink":
        half = period / 2
        return (lit, half - phase) if phase < half else (BLACK, period - phase)
    step = period / PULSE_STEPS
    index = int(phase // step)
    # Triangle wave from dim to full and back, never fully dark (dark would read as off).
    level = 1 - abs(2 * (index + 0.5) / PULSE_STEPS - 1)
    level = 0.1 + 0.9 * level
    return look.color.scaled(round(look.brightness * level)), step * (index + 1) - phase
