"""Following the model registry while the monitor runs: a promotion or a rollback (the
registry's ``ACTIVE`` pointer moving) reaches the live floor without a restart.

A background thread looks at the pointer every ``model_poll_s`` seconds, loads and checks the
version it names (hashes, trusted types, then a few probe turns through the classifier and a
tracker), and leaves the checked model for the service loop, which swaps it in between two
batches (:meth:`monitor.service.MonitorService.step`). Loading never happens on the loop: a
batch is never slowed or split by a swap. A version that fails to load or check is refused
with its reason (logged, and in the monitor's heartbeat) and the running one stays; it is
tried again only when the pointer is written again.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from models.artifacts import ACTIVE, CARD, FloorlightModel, load_model
from models.errors import ModelError

log = logging.getLogger("floorlight.monitor")

# Probe turns a new version must score before it goes live: both speakers, the three
# languages the floor speaks (labels.md), a calm and an upset turn.
PROBES = (
    ("agent", "Thank you for calling, how can I help you today?"),
    ("customer", "This is the third time I call, I want to speak to your manager now!"),
    ("customer", "我已經打了三次電話，我要投訴！"),
    ("agent", "好的，我帮您查一下，请稍等。"),
)


@dataclass(frozen=True)
class SwapRefused:
    """A promoted version the monitor would not run, and why."""

    version: str
    reason: str
    at: datetime


def check_model(model: FloorlightModel) -> None:
    """What the monitor needs of a version beyond loading: it scores turns to finite
    probabilities with the fields the engine reads, and its tracker steps through a call.
    Raises :class:`ModelError` naming what is wrong. Also builds the model's lazy lookup
    tables, so its first live turn is not the slow one."""
    speakers = [s for s, _ in PROBES]
    try:
        predictions = model.score([t for _, t in PROBES], speakers)
        call = model.new_call()
        for speaker, prediction in zip(speakers, predictions, strict=True):
            scores = prediction.sentiment_scores
            values = [scores["negative"], scores["positive"], prediction.escalation,
                      *prediction.cue_scores.values()]
            if not all(math.isfinite(v) for v in values):
                raise ModelError("scores a probe turn as NaN or infinite")
            step = call.update(speaker, prediction, "probe")
            if not math.isfinite(step.risk):
                raise ModelError("its tracker gives a non-finite risk")
    except ModelError:
        raise
    except Exception as err:  # a version trained by other code may fail in any way here
        raise ModelError(f"fails on probe turns: {type(err).__name__}: {err}") from err


class ModelWatcher:
    """Watches ``registry`` for the monitor; the service loop calls :meth:`take` between
    batches. Thread-safe: the watcher thread writes, the loop and the heartbeat read."""

    def __init__(self, registry: Path, running: FloorlightModel, *, poll_s: float = 2.0) -> None:
        self.registry, self.poll_s = Path(registry), poll_s
        self._lock = threading.Lock()
        self._running = running.path.name  # as the pointer names it: the version's directory
        self._ready: FloorlightModel | None = None
        self._refused: SwapRefused | None = None
        self._tried: tuple[str, int] | None = None  # (version, pointer mtime) last loaded
        self._promoted: str | None = self._running
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the loop's side ---------------------------------------------------------------------

    def take(self) -> FloorlightModel | None:
        """A checked version waiting to go live (once), or None."""
        if self._ready is None:  # every step asks: no lock for the usual answer
            return None
        with self._lock:
            model, self._ready = self._ready, None
            if model is not None:
                self._running = model.path.name
            return model

    @property
    def refused(self) -> SwapRefused | None:
        """The promoted version the monitor refused, while the registry still promotes it."""
        return self._refused

    @property
    def promoted(self) -> str | None:
        """What the registry's pointer named at the last look."""
        return self._promoted

    # --- the thread --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="model-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)  # a load in progress finishes; it is small

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll()
            except Exception:  # the watcher must outlive anything odd in the registry
                log.exception("model registry check failed; trying again")

    def poll(self) -> None:
        """One look at the pointer; loads and checks a newly named version (here, on the
        calling thread: the watcher thread, or a test)."""
        pointer = _read_pointer(self.registry)
        if pointer is None:
            return
        version, stamp = pointer
        with self._lock:
            self._promoted = version
            waiting = self._ready.path.name if self._ready is not None else None
            if version == self._running:  # a rollback to what runs: nothing to load
                self._ready, self._refused = None, None
                return
            if version == waiting or (version, stamp) == self._tried:
                return
            self._tried = (version, stamp)
        log.info("model %s promoted in %s: loading it in the background", version,
                 self.registry)
        try:
            if not (self.registry / version / CARD).is_file():
                raise ModelError(f"{self.registry / ACTIVE} names version {version!r}, which "
                                 f"is not in {self.registry}")
            model = load_model(self.registry / version)
            check_model(model)
        except ModelError as err:
            refused = SwapRefused(version, str(err), datetime.now(UTC))
            log.error("model %s refused, still running %s: %s", version, self._running,
                      err)
            with self._lock:
                self._refused, self._ready = refused, None
            return
        with self._lock:
            self._ready, self._refused = model, None
        log.info("model %s loaded and checked: it goes live after the current batch", version)


def _read_pointer(registry: Path) -> tuple[str, int] | None:
    """The version ``ACTIVE`` names and when it was written; None when it cannot be read
    (a registry being set up: the running version simply stays)."""
    path = registry / ACTIVE
    try:
        stamp = os.stat(path).st_mtime_ns
        version = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        log.debug("model pointer %s unreadable (%s)", path, err)
        return None
    return (version, stamp) if version else None
