"""Post-call survey scores for simulated calls, drawn from how the call went.

The weights are judgement, not measurement: contact-center CSAT is typically skewed to 4-5 on
calls that were resolved, and escalated calls (a supervisor asked for, a threat, misconduct)
score far lower. Each row is P(1), …, P(5)."""

from __future__ import annotations

import random

from simulator.scripts import Script

SCORES = (1, 2, 3, 4, 5)
BY_FLOW: dict[str, tuple[float, ...]] = {
    "smooth": (0.02, 0.03, 0.10, 0.35, 0.50),
    "mild_grumble": (0.03, 0.07, 0.25, 0.40, 0.25),
    "rough_recovered": (0.05, 0.10, 0.25, 0.35, 0.25),
    "sudden_cue": (0.15, 0.25, 0.30, 0.20, 0.10),
    "remedy_rejected": (0.35, 0.30, 0.20, 0.10, 0.05),
    "slow_burn_then_cue": (0.45, 0.30, 0.15, 0.07, 0.03),
    "sustained_negative_no_cue": (0.50, 0.30, 0.12, 0.05, 0.03),
    "agent_misconduct": (0.60, 0.25, 0.10, 0.04, 0.01),
}
ESCALATED = (0.40, 0.30, 0.17, 0.09, 0.04)
NOT_ESCALATED = (0.03, 0.06, 0.16, 0.37, 0.38)
UNKNOWN = (0.10, 0.12, 0.23, 0.30, 0.25)


def draw_csat(script: Script, rng: random.Random) -> int:
    """A 1-5 score; the call's flow when the corpus names a known one, else its outcome."""
    weights = BY_FLOW.get(script.flow or "")
    if weights is None:
        weights = UNKNOWN if script.escalated is None else \
            ESCALATED if script.escalated else NOT_ESCALATED
    return rng.choices(SCORES, weights)[0]
