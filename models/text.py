"""Text normalisation and language detection for call turns.

Normalisation is character-for-character (the output has the same length as the input), so
a span found in normalised text is the same span in the original: that is what lets the
classifier quote the original words as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

LANGS = ("en", "zh-Hant", "zh-Hans")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# Characters no transcript can mean: lone UTF-16 surrogates (not encodable as UTF-8) and
# control characters other than tab and newlines (NUL is refused by PostgreSQL text).
_UNSPEAKABLE = re.compile(r"[\ud800-\udfff]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _read_opencc_table(name: str) -> dict[str, str]:
    """One-to-one character table from OpenCC's dictionary (first candidate wins)."""
    table: dict[str, str] = {}
    text = resources.files("opencc").joinpath("dictionary", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1:
            table[source] = target
    return table


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    return {ord(k): v for k, v in _read_opencc_table("TSCharacters.txt").items() if k != v}


@lru_cache(maxsize=1)
def _s2t_table() -> dict[int, str]:
    return {ord(k): v for k, v in _read_opencc_table("STCharacters.txt").items() if k != v}


@lru_cache(maxsize=1)
def _script_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Characters that only occur in Traditional, and only in Simplified, writing."""
    trad_only = {chr(k) for k in _t2s_table()}
    simp_only = {chr(k) for k in _s2t_table()}
    both = trad_only & simp_only
    return frozenset(trad_only - both), frozenset(simp_only - both)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    lower = folded.lower()
    folded = lower if len(lower) == 1 else folded
    if folded.isspace():
        return " "
    return folded


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Full-width forms, ideographic space and common punctuation variants to one form."""
    table = {code: _fold_char(chr(code)) for code in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "
    table.update({ord(c): " " for c in "\t\r\n\u00a0"})
    table.update({ord("，"): ",", ord("。"): ".", ord("！"): "!", ord("？"): "?"})
    table.update({ord("“"): '"', ord("”"): '"', ord("‘"): "'", ord("’"): "'"})
    table.update(_t2s_table())
    return table


def to_simplified(text: str) -> str:
    """Traditional to Simplified, character by character (length preserving)."""
    return text.translate(_t2s_table())


def to_traditional(text: str) -> str:
    """Simplified to Traditional, character by character (length preserving)."""
    return text.translate(_s2t_table())


def clean_text(text: str) -> str:
    """The one rule for text from outside: a lone surrogate becomes U+FFFD (the replacement
    character), other control characters except tab, CR and LF are dropped. Everything that
    reads turn text (events, scoring, training files) applies it before anything else."""
    if not _UNSPEAKABLE.search(text):
        return text
    return _UNSPEAKABLE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)


def normalize(text: str) -> str:
    """Fold width, case, whitespace and Traditional/Simplified so that one feature space covers
    all three languages. Same length as the input, character for character."""
    out = text.translate(_fold_table()).lower()
    if len(out) != len(text):  # a few characters lower-case to two; keep the 1:1 mapping
        out = "".join(_fold_char(c) for c in text.translate(_fold_table()))
    return out


def detect_lang(text: str) -> str:
    """``en`` unless the text has CJK characters; then Traditional or Simplified by which
    script-specific characters it uses (Simplified when it cannot tell)."""
    cjk = _CJK.findall(text)
    latin_letters = len(_LATIN.findall(text))
    if not cjk or latin_letters > 6 * len(cjk):  # an English sentence with a stray CJK name
        return "en"
    return _zh_script(cjk)


def _zh_script(chars: list[str]) -> str:
    trad_only, simp_only = _script_sets()
    trad = sum(c in trad_only for c in chars)
    simp = sum(c in simp_only for c in chars)
    return "zh-Hant" if trad > simp else "zh-Hans"
