"""HTML for desk tiles and virtual lights (pure functions, no Streamlit).

A tile is painted in its light's default colour (``models/desk_states.py``, the same table the
bridge lights the desks from), so the floor on screen looks like the floor in the room. Colour
is never the only signal (architecture.md): each state also has its own icon, its name written
out and a fill pattern. The pattern frames the tile; the text sits on the plain colour in the
ink (near-black or white) with the higher WCAG contrast, at least 4.5:1 for every state.

A tile is a link to its desk's call on Call detail (``call?call=ID``, or ``call?desk=ID`` for
a desk between calls); the floor page turns a click into a page switch in the same session.
Desks and lights are listed in natural order (d-2 before d-10)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode

from dashboard.i18n import cue_name, state_name, t
from models.desk_states import ACKNOWLEDGED, ALERT, CALM, DEFAULT_LOOKS, OFF, STALE, WATCH


@dataclass(frozen=True)
class StateLook:
    colour: str
    icon: str
    pattern: str  # CSS background-image over the colour
    blink: bool = False

    @property
    def ink(self) -> str:
        """The text colour that reads best on ``colour`` (WCAG contrast ratio)."""
        return max(INKS, key=lambda ink: contrast(ink, self.colour))


INKS = ("#111111", "#FFFFFF")
AA_TEXT = 4.5  # WCAG 2 AA, normal-size text


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def natural_key(text: str) -> tuple:
    """Sort key that reads digit runs as numbers: d-2 before d-10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


def _lit(state: str) -> str:
    return DEFAULT_LOOKS[state].shown_colour


_STRIPES = "repeating-linear-gradient(45deg, rgba(255,255,255,.28) 0 6px, transparent 6px 12px)"
_CROSS = ("repeating-linear-gradient(45deg, rgba(0,0,0,.25) 0 4px, transparent 4px 10px),"
          "repeating-linear-gradient(-45deg, rgba(0,0,0,.25) 0 4px, transparent 4px 10px)")
_DOTS = "radial-gradient(rgba(255,255,255,.35) 2px, transparent 2.5px)"
LOOKS: dict[str, StateLook] = {
    OFF: StateLook(_lit(OFF), "○", "none"),
    CALM: StateLook(_lit(CALM), "●", "none"),
    WATCH: StateLook(_lit(WATCH), "▲", _STRIPES),
    ALERT: StateLook(_lit(ALERT), "‼", _CROSS, blink=True),
    ACKNOWLEDGED: StateLook(_lit(ACKNOWLEDGED), "✔", _DOTS),
    STALE: StateLook(_lit(STALE), "?", "none"),
}

CSS = """
<style>
.fl-grid{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start}
.fl-tile{display:block;width:150px;border-radius:6px;padding:5px;font-size:12px;
 line-height:1.3;border:3px solid transparent;box-sizing:border-box;background-size:auto,12px 12px;
 text-decoration:none;cursor:pointer}
.fl-tile:hover,.fl-tile:focus-visible{outline:3px solid #1565C0;outline-offset:1px}
.fl-tile .fl-text{border-radius:3px;padding:2px 4px}
.fl-tile b{font-size:13px}
.fl-tile .fl-state{font-weight:700;text-transform:uppercase;letter-spacing:.03em}
.fl-tile.fl-blink{animation:fl-blink 1s steps(2,start) infinite;border-color:#000}
.fl-tile .fl-spark{display:block;margin-top:2px;border-radius:2px}
@keyframes fl-blink{50%{border-color:#fff}}
.fl-lights{display:flex;flex-wrap:wrap;gap:8px}
.fl-light{display:flex;flex-direction:column;align-items:center;font-size:11px;width:58px}
.fl-bulb{width:26px;height:26px;border-radius:50%;border:2px solid #333}
.fl-fx-blink{animation:fl-on-off var(--p,400ms) steps(2,start) infinite}
.fl-fx-pulse{animation:fl-pulse var(--p,2000ms) ease-in-out infinite}
@keyframes fl-on-off{50%{opacity:.1}}
@keyframes fl-pulse{50%{opacity:.35}}
</style>
"""


def look(state: str | None) -> StateLook:
    return LOOKS.get(state or "off", LOOKS["stale"])


@lru_cache(maxsize=4096)  # a trail changes only when its call gets a new customer turn
def sparkline(values: tuple[float, ...], *, width: int = 120, height: int = 20,
              ink: str = "#FFFFFF", lang: str = "en") -> str:
    """An inline SVG polyline of values in [-1, 1] (customer sentiment), 0 as a faint line,
    as an <img> data URI (Streamlit's HTML sanitiser drops inline <svg>), drawn in the
    tile's ``ink`` so it reads on the tile's colour as the text does."""
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{(1 - (max(-1.0, min(1.0, v)) + 1) / 2) * height:.1f}"
        for i, v in enumerate(values)
    )
    mid = height / 2
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
           f'<rect width="100%" height="100%" fill="rgba(0,0,0,.15)"/>'
           f'<line x1="0" y1="{mid}" x2="{width}" y2="{mid}" stroke="{ink}" stroke-opacity=".5" '
           f'stroke-dasharray="2,2"/><polyline fill="none" stroke="{ink}" stroke-width="1.5" '
           f'points="{points}"/></svg>')
    data = base64.b64encode(svg.encode()).decode()
    alt = html.escape(t("sparkline_alt", lang))
    return (f'<img class="fl-spark" width="{width}" height="{height}" alt="{alt}" '
            f'src="data:image/svg+xml;base64,{data}">')


def duration_text(started_at: datetime | None, now: datetime) -> str:
    if started_at is None:
        return ""
    seconds = max(0, int((now - started_at).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def tile_link(tile) -> str:
    """Where a tile leads: its call on Call detail, or the desk's last call."""
    if tile.call_id:
        return "call?" + urlencode({"call": tile.call_id})
    return "call?" + urlencode({"desk": tile.desk_id})


def tile_html(tile, now: datetime, lang: str = "en") -> str:
    """One desk tile (``tile`` is a :class:`store.queries.DeskTile`), a link to its call."""
    lk = look(tile.state)
    esc = html.escape
    who = f" · {esc(tile.agent_id)}" if tile.agent_id else ""  # no dangling dot off shift
    lines = [f"<b>{esc(tile.desk_id)}</b>{who}",
             f'<span class="fl-state">{lk.icon} {esc(state_name(tile.state, lang))}</span>']
    if tile.call_id:
        risk = f"{tile.risk:.0%}" if tile.risk is not None else "–"
        lines.append(f"⏱ {duration_text(tile.started_at, now)} · ⚑ {risk}")
        if tile.reason:
            lines.append(esc(cue_name(tile.reason, lang)))
        spark = sparkline(tuple(tile.sentiment_trail), ink=lk.ink, lang=lang)
        if spark:
            lines.append(spark)
    classes = "fl-tile fl-blink" if lk.blink else "fl-tile"
    title = esc(f"{tile.desk_id} {state_name(tile.state, lang)} {tile.team or ''}".strip())
    call = f' data-call="{esc(tile.call_id)}"' if tile.call_id else ""
    return (f'<a class="{classes}" href="{esc(tile_link(tile))}" data-desk="{esc(tile.desk_id)}"'
            f'{call} data-state="{esc(tile.state)}" title="{title}" '
            f'style="background-color:{lk.colour};background-image:{lk.pattern}">'
            f'<div class="fl-text" style="color:{lk.ink};background-color:{lk.colour}">'
            + "<br>".join(lines) + "</div></a>")


def tiles_html(tiles: Iterable, now: datetime, lang: str = "en") -> str:
    ordered = sorted(tiles, key=lambda t: natural_key(t.desk_id))
    return CSS + '<div class="fl-grid">' + "".join(tile_html(t, now, lang) for t in ordered) \
        + "</div>"


@dataclass(frozen=True)
class VirtualLight:
    name: str
    state: str
    colour: str
    effect: str  # solid | blink | pulse | off
    period_ms: int | None = None


def lights_from_states(tiles: Iterable) -> list[VirtualLight]:
    """Lights drawn from desk states, for when no bridge writes virtual lights: each in its
    state's default look, as the bridge would show it."""
    out = []
    for tile in sorted(tiles, key=lambda t: natural_key(t.desk_id)):
        d = DEFAULT_LOOKS.get(tile.state) or DEFAULT_LOOKS[STALE]
        period = d.period_ms if d.effect in ("blink", "pulse") else None
        out.append(VirtualLight(tile.desk_id, tile.state, d.colour, d.effect, period))
    return out


_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def lights_from_bridge(data: dict) -> list[VirtualLight]:
    """Lights from the bridge's virtual.json (``{"lights": {name: {"state", "look"}}}``)."""
    out = []
    for name, entry in sorted((data.get("lights") or {}).items(),
                              key=lambda item: natural_key(str(item[0]))):
        if not isinstance(entry, dict):
            continue
        lk = entry.get("look") if isinstance(entry.get("look"), dict) else {}
        colour = str(lk.get("color") or "")
        if not _HEX.fullmatch(colour):  # the file is outside input: never let it into CSS raw
            colour = look(entry.get("state")).colour
        out.append(VirtualLight(str(name), str(entry.get("state", "stale")), colour,
                                str(lk.get("effect") or "solid"),
                                _period(lk.get("period_ms"))))
    return out


def lights_for_team(lights: Iterable[VirtualLight], desks: Iterable[str],
                    team: str | None) -> list[VirtualLight]:
    """The lights a team filter leaves: its desks' lights and the team's own light
    (``team/<name>``, the bridge's subject label); without a filter, every light."""
    lights = list(lights)
    if not team:
        return lights
    shown = set(desks) | {f"team/{team}"}
    return [light for light in lights if light.name in shown]


def _period(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and 50 <= value <= 60_000 else None


def lights_html(lights: Iterable[VirtualLight], lang: str = "en") -> str:
    esc = html.escape
    cells = []
    for light in lights:
        lit = light.effect != "off"
        fx = f" fl-fx-{light.effect}" if light.effect in ("blink", "pulse") else ""
        period = f"--p:{int(light.period_ms)}ms;" if light.period_ms else ""
        colour = esc(light.colour) if lit else "#222"
        cells.append(
            f'<div class="fl-light" data-light="{esc(light.name)}" '
            f'data-state="{esc(light.state)}"><div class="fl-bulb{fx}" '
            f'style="{period}background:{colour}"></div>{esc(light.name)}<br>'
            f'{look(light.state).icon} {esc(state_name(light.state, lang))}</div>')
    return CSS + '<div class="fl-lights">' + "".join(cells) + "</div>"
