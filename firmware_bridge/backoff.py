"""Capped exponential backoff with optional jitter, for reconnect loops."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``next()`` gives ``initial``, then doubles up to ``cap``; ``reset()`` after success.
    Jitter (a fraction of each delay, drawn from ``rng``) keeps many lights that failed
    together from retrying in lockstep."""

    initial: float = 0.5
    cap: float = 30.0
    jitter: float = 0.1
    rng: random.Random = field(default_factory=random.Random)
    _next: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.cap:
            raise ValueError("need 0 < initial <= cap")
        self._next = self.initial

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * (1 + self.jitter * self.rng.random())

    def reset(self) -> None:
        self._next = self.initial
