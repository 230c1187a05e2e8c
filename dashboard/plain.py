"""Text the dashboard did not write — ids, team names, transcripts, evidence, dead letters,
model notes, file contents, error messages, names people type — shown as plain text.

Streamlit renders markdown in ``st.markdown``, captions, alerts (``st.info`` …), toasts,
metric labels and values, headers and widget labels, so an agent id like
``![t](https://host/pixel)`` would make every browser fetch that address. Plotly reads a
subset of HTML in labels, tick text and hover text (``<a href>`` makes a link). The code
writes its own markup around values passed through :func:`md` or :func:`plotly`; nothing
inside a value is ever read as markup."""

from __future__ import annotations

import html
import re
from numbers import Number

# Invisible, and no line break: splits the patterns Streamlit matches in already-parsed
# text, where backslash escapes no longer count (emoji and icon shortcodes ``:name:``,
# ``:material/…:``, GFM autolinks ``https://…``, ``www.…`` and e-mail addresses).
WORD_JOINER = "\u2060"

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AFTER_MARK = re.compile(r"([:@])(?=\S)")  # ``:`` of a shortcode or URL, ``@`` of an e-mail
_WWW = re.compile(r"(w)(ww\\\.)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\v\f\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as plain text inside Streamlit markdown. CommonMark lets any ASCII
    punctuation be backslash-escaped, which disarms emphasis, links, images, HTML, ``$``
    math, ``:colour[…]`` directives, tables and headings; a word joiner after ``:`` and
    ``@`` and inside ``www.`` disarms the text-level plugins. Line breaks become spaces (a
    value never starts a block of its own). ``None`` is the empty string."""
    if value is None:
        return ""
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = _AFTER_MARK.sub(r"\1" + WORD_JOINER, text)
    return _WWW.sub(r"\1" + WORD_JOINER + r"\2", text)


def md_values(values: dict[str, object]) -> dict[str, object]:
    """Values for a translated message: text escaped with :func:`md`, numbers kept as
    numbers (messages format them, e.g. ``{age:.0f}``)."""
    return {k: v if isinstance(v, Number) and not isinstance(v, bool) else md(v)
            for k, v in values.items()}


def plotly(value: object) -> str:
    """``value`` as plain text in a Plotly label, tick, annotation or hover text (Plotly
    decodes ``&lt;`` ``&gt;`` ``&amp;`` back to the characters)."""
    return "" if value is None else html.escape(str(value), quote=False)
