"""Looks: what a light shows for a state (colour, effect, period, brightness), the
site-wide defaults, per-subject overrides and quiet hours."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from types import MappingProxyType

from firmware_bridge.errors import ConfigError
from firmware_bridge.states import STALE, STATES, Subject
from models import desk_states

EFFECTS: tuple[str, ...] = ("solid", "blink", "pulse", "off")
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Color:
    r: int
    g: int
    b: int

    def __post_init__(self) -> None:
        for part in (self.r, self.g, self.b):
            if not isinstance(part, int) or not 0 <= part <= 255:
                raise ValueError(f"colour components must be 0..255, got {part!r}")

    @classmethod
    def parse(cls, text: str) -> Color:
        """``#RRGGBB`` (either case)."""
        if not isinstance(text, str) or not _HEX.fullmatch(text):
            raise ValueError(f"colour must look like #RRGGBB, got {text!r}")
        return cls(int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))

    @property
    def hex(self) -> str:
        return f"#{self.r:02X}{self.g:02X}{self.b:02X}"

    def scaled(self, brightness: int) -> Color:
        """The colour at ``brightness``/255, for lights that have no brightness of their own."""
        return Color(*(round(c * brightness / 255) for c in (self.r, self.g, self.b)))

    def rgb(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)


BLACK = Color(0, 0, 0)


@dataclass(frozen=True)
class Look:
    """Colour + effect. ``period_ms`` is a whole blink or pulse cycle."""

    color: Color = BLACK
    effect: str = "solid"
    period_ms: int = 1000
    brightness: int = 255

    def __post_init__(self) -> None:
        if self.effect not in EFFECTS:
            raise ValueError(f"effect must be one of {', '.join(EFFECTS)}, got {self.effect!r}")
        if not isinstance(self.period_ms, int) or not 100 <= self.period_ms <= 10_000:
            raise ValueError(f"period_ms must be 100..10000, got {self.period_ms!r}")
        if not isinstance(self.brightness, int) or not 0 <= self.brightness <= 255:
            raise ValueError(f"brightness must be 0..255, got {self.brightness!r}")

    @property
    def dark(self) -> bool:
        return self.effect == "off" or self.brightness == 0 or self.color == BLACK

    def to_json(self) -> dict[str, object]:
        return {"color": self.color.hex, "effect": self.effect, "period_ms": self.period_ms,
                "brightness": self.brightness}


OFF_LOOK = Look(BLACK, "off")
# The defaults are the vocabulary's own (models/desk_states.py), so the dashboard shows the
# very colours the lights do.
DEFAULT_LOOKS: Mapping[str, Look] = MappingProxyType({
    state: Look(Color.parse(d.colour), d.effect, d.period_ms, d.brightness)
    for state, d in desk_states.DEFAULT_LOOKS.items()})
LOOK_KEYS = ("color", "effect", "period_ms", "brightness")


def look_from_mapping(data: Mapping[str, object], base: Look) -> Look:
    """A look from a TOML table; keys left out are taken from ``base``. Raises ValueError."""
    values: dict[str, object] = {}
    for key, value in data.items():
        values[key] = Color.parse(value) if key == "color" else value  # type: ignore[arg-type]
    return replace(base, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class QuietHours:
    """Between ``start`` and ``end`` (local time, may wrap midnight) brightness is capped,
    except for the ``exempt`` states (an alert is never dimmed by default)."""

    start: time
    end: time
    brightness: int = 40
    exempt: frozenset[str] = frozenset({"alert"})

    def __post_init__(self) -> None:
        if not 0 <= self.brightness <= 255:
            raise ValueError("quiet brightness must be 0..255")
        unknown = self.exempt - set(STATES) - {STALE}
        if unknown:
            raise ValueError(f"unknown state(s) in exempt: {', '.join(sorted(unknown))}")

    def active(self, now: time) -> bool:
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def apply(self, state: str, look: Look, now: datetime) -> Look:
        if state in self.exempt or not self.active(now.time()):
            return look
        return replace(look, brightness=min(look.brightness, self.brightness))


@dataclass(frozen=True)
class LookBook:
    """Looks for every state: site defaults, per-subject overrides, quiet hours."""

    defaults: Mapping[str, Look] = field(default_factory=lambda: DEFAULT_LOOKS)
    overrides: Mapping[Subject, Mapping[str, Look]] = field(default_factory=dict)
    quiet: QuietHours | None = None

    def __post_init__(self) -> None:
        missing = (set(STATES) | {STALE}) - set(self.defaults)
        if missing:
            raise ConfigError(f"looks missing for: {', '.join(sorted(missing))}")

    def look_for(self, subject: Subject, state: str, now: datetime) -> Look:
        look = self.overrides.get(subject, {}).get(state) or self.defaults[state]
        return self.quiet.apply(state, look, now) if self.quiet else look
