"""Desk states: the one vocabulary the tracker, the monitor, the bridge, the dashboard and the
firmware share (architecture.md, "Desk states"), with each state's default look.

Here, in the lowest layer, because the call-risk tracker already needs the names; it imports
nothing, so the bridge reads it without knowing any classifier. The bridge turns the default
looks into its own ``Look`` objects (``firmware_bridge/looks.py``), and the dashboard paints
its tiles and virtual lights in the same colours, so a supervisor sees what the desk sees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

OFF, CALM, WATCH, ALERT, ACKNOWLEDGED = "off", "calm", "watch", "alert", "acknowledged"
STATES: tuple[str, ...] = (OFF, CALM, WATCH, ALERT, ACKNOWLEDGED)
STALE = "stale"
"""Not a desk state: what a light shows when it has heard nothing within its timeout."""

# "Worst unacknowledged" (a supervisor's floor or team light): an acknowledged desk is being
# handled, so it does not raise the floor.
_RANK: Mapping[str, int] = MappingProxyType(
    {OFF: 0, ACKNOWLEDGED: 0, CALM: 1, WATCH: 2, ALERT: 3})


def worst_unacknowledged(states: Iterable[str]) -> str:
    """The state a supervisor's light shows for these desks (``off`` when none is busy)."""
    worst = max(states, key=lambda s: _RANK.get(s, 0), default=OFF)
    return worst if _RANK.get(worst, 0) > 0 else OFF


@dataclass(frozen=True)
class DefaultLook:
    """What a light shows for a state unless the site configures otherwise. ``period_ms``
    is a whole blink or pulse cycle; ``effect`` is solid, blink, pulse or off."""

    colour: str  # "#RRGGBB"
    effect: str = "solid"
    period_ms: int = 1000
    brightness: int = 255

    @property
    def shown_colour(self) -> str:
        """The colour as it looks at this brightness (black when the light is dark)."""
        if self.effect == "off":
            return "#000000"
        rgb = (int(self.colour[i:i + 2], 16) * self.brightness // 255 for i in (1, 3, 5))
        return "#" + "".join(f"{c:02X}" for c in rgb)


# Colour is never the only signal (architecture.md): each lit state also has its own
# rhythm — calm steady, watch a slow breathe, alert a fast blink, acknowledged a slow
# blink, stale a very slow dim breathe — so a colour-blind agent can tell them apart.
DEFAULT_LOOKS: Mapping[str, DefaultLook] = MappingProxyType({
    OFF: DefaultLook("#000000", "off"),
    CALM: DefaultLook("#00FF00", "solid"),
    WATCH: DefaultLook("#FFB000", "pulse", period_ms=2000),
    ALERT: DefaultLook("#FF0000", "blink", period_ms=400),
    ACKNOWLEDGED: DefaultLook("#0000FF", "blink", period_ms=1200),
    STALE: DefaultLook("#FFFFFF", "pulse", period_ms=4000, brightness=40),
})
