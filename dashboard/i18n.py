"""Interface labels in English, Traditional and Simplified Chinese, from the gettext catalogs
``dashboard/locale/<lang>/LC_MESSAGES/dashboard.po`` (read with Babel, once per process). A
msgid is the key pages pass to ``tr``; the English catalog holds the English wording.
Transcripts are shown as spoken; only the dashboard's own words are translated. A missing key
falls back to English, then to the key itself, so a new label never breaks a page (and
tests/dashboard/test_translations.py fails until all three catalogs have it).

Vocabularies owned elsewhere (desk states, cues, sentiments, speakers, caller styles, roles,
actions…) are translated per value: the msgid is ``<prefix><value>``, e.g. ``state_alert``,
so the values themselves come from their owner and only the words live here."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
LOCALE_DIR = Path(__file__).resolve().with_name("locale")
DOMAIN = "dashboard"
# the interface's language codes (BCP 47, as in the sidebar) -> gettext's locale folders
CATALOG_LOCALES = {"en": "en", "zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / CATALOG_LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """msgid -> msgstr of ``lang``'s catalog (fuzzy and empty entries left out: they are not
    translations yet)."""
    with catalog_path(lang).open("rb") as fh:
        po = read_po(fh, locale=CATALOG_LOCALES[lang], domain=DOMAIN)
    return MappingProxyType({m.id: m.string for m in po
                             if m.id and isinstance(m.string, str) and m.string
                             and not m.fuzzy})


def has(key: str) -> bool:
    """Whether ``key`` is an interface string (a msgid of the English catalog)."""
    return key in catalog("en")


def t(key: str, lang: str = "en", **values: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``values``."""
    own = catalog(lang).get(key) if lang in CATALOG_LOCALES else None
    text = own or catalog("en").get(key) or key
    return text.format(**values) if values else text


def word(prefix: str, value: str | None, lang: str) -> str:
    """A vocabulary value's name (``prefix + value`` in the catalogs), or the value itself
    when it is not one the dashboard knows (data from outside, shown as it is)."""
    if value is None:
        return "–"
    return t(prefix + value, lang) if has(prefix + value) else value


def state_name(state: str | None, lang: str = "en") -> str:
    """A desk state (``models/desk_states.py``) or ``stale``."""
    return word("state_", state, lang)


def cue_name(cue: str | None, lang: str = "en") -> str:
    """A cue or reason (cue names plus signals like ``negative_trend``)."""
    return word("cue_", cue, lang)


def sentiment_name(sentiment: str | None, lang: str = "en") -> str:
    return word("sentiment_", sentiment, lang)


def speaker_name(speaker: str | None, lang: str = "en") -> str:
    return word("speaker_", speaker, lang)


def label_keys() -> set[str]:
    return set(catalog("en"))


def class_name(label: str | None, lang: str = "en") -> str:
    """A classifier class: a sentiment or a cue (the model card's per-class rows and
    confusion matrices hold both kinds)."""
    return word("sentiment_", label, lang) if has(f"sentiment_{label}") else cue_name(label, lang)


def review_value(field: str, value: str | None, lang: str = "en") -> str:
    """A reviewed field's value in words: a sentiment, a cue, or the call's escalated flag
    (``true``/``false``)."""
    prefix = {"sentiment": "sentiment_", "cue": "cue_", "escalated": "bool_"}.get(field, "")
    return word(prefix, value, lang) if prefix else (value or "–")
