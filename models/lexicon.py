"""The domain lexicon: QA phrases (good practice and taboo) and escalation signal words, as data.

Lexicon files are tab-separated ``category<TAB>lang<TAB>phrase`` lines (``#`` starts a
comment). The bundled file is ``data/lexicon/qa_lexicon.tsv``; a site extends it by passing
more files, without code. Matching runs on normalised text, so a Traditional phrase also
matches Simplified text and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import numpy as np

from models.errors import ModelError
from models.text import LANGS, normalize

GOOD_PRACTICE = ("greeting", "apology", "thanks", "empathy", "solution", "closing")
BAD_PRACTICE = ("taboo", "hedge", "caution")
SIGNALS = (
    "ask_supervisor",
    "complaint",
    "legal_media",
    "churn",
    "abuse",
    "repeat",
    "compensation",
)
CATEGORIES = GOOD_PRACTICE + BAD_PRACTICE + SIGNALS


@dataclass(frozen=True)
class Match:
    category: str
    phrase: str
    start: int
    end: int


class Lexicon:
    """Phrases per category, compiled once per distinct set of entries."""

    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        self.entries = tuple(sorted({tuple(e) for e in entries}))
        self._patterns = _compile(self.entries)
        # Live, one turn is looked up by the evidence, the context stage, the tracker and the
        # scorecard in turn, each for its own categories: this makes every category one scan
        # per turn, not four. Keyed by strings: hashing a compiled pattern hashes its code.
        self._spans = lru_cache(maxsize=4096)(self._scan)

    def phrases(self, category: str) -> list[str]:
        return sorted({p for c, _, p in self.entries if c == category})

    def find(self, text: str, categories: Iterable[str] | None = None) -> list[Match]:
        """All phrase matches in ``text`` (original text spans), longest phrase first on ties."""
        norm = normalize(text)
        wanted = self._patterns if categories is None else {
            c: self._patterns[c] for c in categories if c in self._patterns
        }
        matches = [
            Match(category, text[start:end], start, end)
            for category in wanted
            for start, end in self._spans(category, norm)
        ]
        return sorted(matches, key=lambda m: (m.start, -(m.end - m.start)))

    def _scan(self, category: str, norm: str) -> tuple[tuple[int, int], ...]:
        return tuple(m.span() for m in self._patterns[category].finditer(norm))

    def batch_counts(self, normalized_texts: Sequence[str], categories: Sequence[str]
                     ) -> np.ndarray:
        """Matches per (text, category) for a batch of normalised texts: one regex scan per
        category over the whole batch instead of one per text (the scoring hot path).
        Texts are joined with NUL, which no phrase contains and which, like a text's edge,
        is not a word character, so every text matches exactly as it would alone."""
        out = np.zeros((len(normalized_texts), len(categories)), dtype=np.int32)
        if not normalized_texts:
            return out
        joined = "\0".join(normalized_texts)
        ends = np.cumsum([len(t) + 1 for t in normalized_texts])
        for column, category in enumerate(categories):
            pattern = self._patterns.get(category)
            if pattern is None:
                continue
            starts = [m.start() for m in pattern.finditer(joined)]
            if starts:
                rows = np.searchsorted(ends, starts, side="right")
                np.add.at(out[:, column], rows, 1)
        return out

    def counts(self, normalized_text: str) -> dict[str, int]:
        """Matches per category in already-normalised text (the classifier's hot path)."""
        return {c: len(p.findall(normalized_text)) for c, p in self._patterns.items()}


@lru_cache(maxsize=8)
def lexicon_of(entries: tuple[tuple[str, str, str], ...]) -> Lexicon:
    """One shared :class:`Lexicon` per distinct set of entries (models keep plain entries so
    their files stay simple; this keeps the compiled form off their hot paths)."""
    return Lexicon(entries)


_OWNED: WeakKeyDictionary[object, tuple[int, Lexicon]] = WeakKeyDictionary()


def lexicon_for(owner: object, entries: Iterable[Iterable[str]]) -> Lexicon:
    """The compiled lexicon of a model part that stores plain ``entries``, cached per part
    (outside its state, so saved models hold only the entries)."""
    cached = _OWNED.get(owner)
    if cached is None or cached[0] != id(entries):
        cached = (id(entries), lexicon_of(tuple(tuple(e) for e in entries)))
        _OWNED[owner] = cached
    return cached[1]


_WORD = re.compile(r"[a-z0-9]")


@lru_cache(maxsize=8)
def _compile(entries: tuple[tuple[str, str, str], ...]) -> dict[str, re.Pattern[str]]:
    """One regex per category. Phrases are folded into a trie first: Python's ``re`` tries
    a plain alternation phrase by phrase at every position, a trie one character at a time,
    which is what keeps lexicon matching off the scoring hot path."""
    by_category: dict[str, set[str]] = {}
    for category, _lang, phrase in entries:
        norm = normalize(phrase).strip()
        if norm:
            by_category.setdefault(category, set()).add(norm)
    return {category: re.compile(_category_regex(phrases))
            for category, phrases in sorted(by_category.items())}


def _category_regex(phrases: set[str]) -> str:
    """English-like phrases match whole words only (not "cancel" in "cancellation").

    One trie for the whole category, so the pattern starts with a plain choice of first
    characters, which lets ``re`` skip ahead to them instead of trying the pattern at every
    position (2.7 times faster on call text). That is why a worded phrase's guard against a
    word character before it sits after its first character, looking two characters back."""
    branches = []
    for ch, child in sorted(_trie(phrases).items()):
        guard = r"(?<![a-z0-9'][\s\S])" if _WORD.match(ch) else ""
        branches.append(re.escape(ch) + guard + _trie_regex(child))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _trie(phrases: set[str]) -> dict:
    root: dict = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = phrase
    return root


def _trie_regex(node: dict) -> str:
    """Longer continuations are tried before a phrase ends here: longest match first."""
    branches = [re.escape(ch) + _trie_regex(child)
                for ch, child in sorted(node.items()) if ch]
    if "" in node:
        branches.append(r"(?![a-z0-9])" if _WORD.match(node[""][-1]) else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def parse_lexicon(text: str, *, source: str = "<lexicon>") -> list[tuple[str, str, str]]:
    """Parse lexicon lines; a bad line raises :class:`ModelError` naming the file and line."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip():
            raise ModelError(f"{source}:{number}: expected category<TAB>lang<TAB>phrase")
        category, lang, phrase = (p.strip() for p in parts)
        if category not in CATEGORIES:
            raise ModelError(
                f"{source}:{number}: unknown category {category!r} "
                f"(one of {', '.join(CATEGORIES)})"
            )
        if lang not in LANGS:
            raise ModelError(f"{source}:{number}: unknown lang {lang!r} (one of {LANGS})")
        entries.append((category, lang, phrase))
    return entries


def load_lexicon(paths: Iterable[Path]) -> Lexicon:
    entries: list[tuple[str, str, str]] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelError(f"{path}: cannot read lexicon: {err}") from err
        entries.extend(parse_lexicon(text, source=str(path)))
    return Lexicon(entries)
