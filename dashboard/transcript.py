"""The call transcript as HTML (pure functions): a bubble per turn coloured by sentiment,
with its sentiment and cue written out, the classifier's evidence phrases highlighted and,
in agent turns, the taboo phrases the QA lexicon found."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from dashboard.i18n import cue_name, sentiment_name, speaker_name

SENTIMENT_COLOURS = {"negative": "#D55E00", "neutral": "#999999", "positive": "#009E73"}
SENTIMENT_ICONS = {"negative": "☹", "neutral": "◦", "positive": "☺"}


def highlight(text: str, evidence: Iterable[str] = (), taboo: Iterable[str] = ()) -> str:
    """``text`` escaped, with evidence in <mark> and taboo phrases in <mark class=taboo>.
    Matching is case-insensitive; overlapping spans keep the earlier, longer one."""
    spans: list[tuple[int, int, str]] = []
    for kind, phrases in (("taboo", taboo), ("evidence", evidence)):
        for phrase in phrases:
            if not phrase or not phrase.strip():
                continue
            for m in re.finditer(re.escape(phrase.strip()), text, flags=re.IGNORECASE):
                spans.append((m.start(), m.end(), kind))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out, pos = [], 0
    for start, end, kind in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        css = ' class="fl-taboo"' if kind == "taboo" else ""
        out.append(f"<mark{css}>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


# (text, background) of the cue badge and the highlights: dark text where white would fall
# below WCAG AA's 4.5:1 on these Okabe-Ito colours (white on vermilion is 3.9:1, on
# reddish purple 3.1:1)
BADGE = ("#111111", "#D55E00")
EVIDENCE = ("#000000", "#F0E442")
TABOO = ("#111111", "#CC79A7")

CSS = f"""
<style>
.fl-turns{{display:flex;flex-direction:column;gap:6px}}
.fl-turn{{max-width:78%;padding:6px 10px;border-radius:8px;border-left:6px solid;font-size:14px;
 background:rgba(127,127,127,.08)}}
.fl-turn.agent{{align-self:flex-start}}
.fl-turn.customer{{align-self:flex-end;border-left:none;border-right:6px solid}}
.fl-meta{{font-size:11px;opacity:.8;margin-bottom:2px}}
.fl-badge{{display:inline-block;padding:0 6px;border-radius:8px;background:{BADGE[1]};
 color:{BADGE[0]};font-size:11px;margin-left:4px}}
mark{{background:{EVIDENCE[1]};color:{EVIDENCE[0]};padding:0 2px}}
mark.fl-taboo{{background:{TABOO[1]};color:{TABOO[0]};text-decoration:underline wavy}}
</style>
"""


def turn_html(turn, lang: str = "en") -> str:
    """One bubble (``turn`` is a :class:`store.rows.UtteranceRow`)."""
    colour = SENTIMENT_COLOURS.get(turn.sentiment, "#999999")
    taboo: Sequence[str] = turn.qa.get("taboo", []) if turn.speaker == "agent" else []
    badge = (f'<span class="fl-badge">⚑ {html.escape(cue_name(turn.cue, lang))}</span>'
             if turn.cue and turn.cue != "none" else "")
    when = f" · {turn.t:.0f}s" if turn.t is not None else ""
    meta = (f"#{turn.seq} {html.escape(speaker_name(turn.speaker, lang))}{when} · "
            f"{SENTIMENT_ICONS.get(turn.sentiment, '')} "
            f"{html.escape(sentiment_name(turn.sentiment, lang))} · "
            f"{turn.risk:.0%}{badge}")
    side = "agent" if turn.speaker == "agent" else "customer"
    return (f'<div class="fl-turn {side}" data-seq="{turn.seq}" '
            f'data-sentiment="{html.escape(turn.sentiment)}" style="border-color:{colour}">'
            f'<div class="fl-meta">{meta}</div>{highlight(turn.text, turn.evidence, taboo)}'
            f"</div>")


def transcript_html(turns: Iterable, lang: str = "en") -> str:
    return CSS + '<div class="fl-turns">' + "".join(turn_html(t, lang) for t in turns) + "</div>"
