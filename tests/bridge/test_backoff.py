"""The bridge's reconnect delays follow the one backoff policy (store/retry.py)."""

from __future__ import annotations

import pytest

from firmware_bridge.backoff import Backoff
from store.retry import JITTER


def test_delays_double_up_to_the_cap_and_start_again_after_a_success() -> None:
    backoff = Backoff(0.5, 30.0, jitter=False)
    assert [backoff.next() for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    backoff.reset()
    assert backoff.next() == 0.5


def test_jitter_stays_within_the_policy_and_spreads_lights_apart() -> None:
    delays = [Backoff(0.5, 30.0).next() for _ in range(200)]
    assert all(0.5 <= d <= 0.5 * (1 + JITTER) for d in delays)
    assert len(set(delays)) > 100, "lights that failed together must not retry in lockstep"


@pytest.mark.parametrize(("initial", "cap"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_a_policy_that_cannot_work_is_refused(initial: float, cap: float) -> None:
    with pytest.raises(ValueError, match="initial"):
        Backoff(initial, cap)
