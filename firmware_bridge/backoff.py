"""A reconnect loop's delays under the one backoff policy (``store.retry.backoff``): the
driver threads wait on a condition they can be woken from, so they take the delays one by
one instead of handing their loop to tenacity."""

from __future__ import annotations

from tenacity import RetryCallState

from store.retry import backoff


class Backoff:
    """``next()`` gives ``initial``, then doubles up to ``cap`` (plus the policy's jitter,
    which keeps lights that failed together from retrying in lockstep); ``reset()`` after a
    success."""

    def __init__(self, initial: float = 0.5, cap: float = 30.0, *, jitter: bool = True) -> None:
        if not 0 < initial <= cap:
            raise ValueError("need 0 < initial <= cap")
        self._wait = backoff(cap_s=cap, initial_s=initial, jitter=jitter)
        self._attempt = RetryCallState(None, None, (), {})  # type: ignore[arg-type]

    def next(self) -> float:
        delay = float(self._wait(self._attempt))
        self._attempt.attempt_number += 1
        return delay

    def reset(self) -> None:
        self._attempt.attempt_number = 1
