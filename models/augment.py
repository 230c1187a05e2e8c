"""Honest augmentation of hand-written turns. Every copy is marked ``source="augmented:<kind>"``
and is made only from training-split lines, so evaluation never sees a copy of a test line."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from models.corpus import Turn

FILLERS = {
    "en": ["um", "uh", "like", "you know", "I mean", "so"],
    "zh-Hans": ["嗯", "那个", "就是", "呃", "然后"],
    "zh-Hant": ["嗯", "那個", "就是", "呃", "然後"],
}
_PUNCT = re.compile(r"[,.!?;:，。！？；：、\"'“”‘’()（）…-]+")


@lru_cache(maxsize=2)
def _converter(config: str):
    from opencc import OpenCC

    return OpenCC(config)


def script_swap(turn: Turn) -> Turn | None:
    """Traditional <-> Simplified with OpenCC's phrase tables (a faithful rewrite)."""
    if turn.lang == "zh-Hant":
        return replace(turn, text=_converter("t2s").convert(turn.text), lang="zh-Hans",
                       source="augmented:script")
    if turn.lang == "zh-Hans":
        return replace(turn, text=_converter("s2t").convert(turn.text), lang="zh-Hant",
                       source="augmented:script")
    return None


def asr_noise(turn: Turn, rng: random.Random) -> Turn:
    """What speech recognition does to a turn: no punctuation or case, fillers, a dropped
    word now and then."""
    text = _PUNCT.sub(" ", turn.text).lower()
    if turn.lang == "en":
        words = text.split()
        if len(words) > 4 and rng.random() < 0.3:
            del words[rng.randrange(len(words))]
        if words and rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS["en"]))
        text = " ".join(words)
    else:
        chunks = text.split()
        if chunks and rng.random() < 0.6:
            chunks.insert(rng.randrange(len(chunks) + 1), rng.choice(FILLERS[turn.lang]))
        text = "".join(chunks) if rng.random() < 0.5 else " ".join(chunks)
    text = text.strip() or turn.text
    return replace(turn, text=text, source="augmented:asr")


def augment(turns: Iterable[Turn], *, seed: int = 13) -> list[Turn]:
    rng = random.Random(seed)
    out: list[Turn] = []
    for turn in turns:
        swapped = script_swap(turn)
        if swapped is not None:
            out.append(swapped)
        noisy = asr_noise(turn, rng)
        if noisy.text != turn.text:
            out.append(noisy)
    return out
