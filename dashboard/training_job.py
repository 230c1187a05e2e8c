"""Retraining in a background thread, so the model page never blocks. One job per model
registry at a time, shared by every session (two analysts clicking Retrain start one run);
the page polls its progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.training import TrainConfig, train


@dataclass
class TrainingJob:
    registry: Path
    data: tuple[Path, ...]
    lexicon: tuple[Path, ...]
    config: TrainConfig = field(default_factory=TrainConfig)
    step: str = "starting"
    fraction: float = 0.0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    version_dir: Path | None = None
    error: str | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def progress(self, step: str, fraction: float) -> None:
        self.step, self.fraction = step, max(self.fraction, min(1.0, fraction))

    def run(self) -> None:
        try:
            # auto_promote only promotes into an empty registry: a new version otherwise
            # waits for an analyst to compare it and press Promote.
            self.version_dir = train(self.data, self.registry, lexicon=self.lexicon,
                                     config=self.config, progress=self.progress)
        except Exception as err:  # shown on the page; the thread must not die silently
            self.error = f"{type(err).__name__}: {err}"
        finally:
            self.finished = time.time()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


_LOCK = threading.Lock()
_JOBS: dict[Path, TrainingJob] = {}


def current(registry: Path) -> TrainingJob | None:
    """The registry's running or last finished job in this process."""
    with _LOCK:
        return _JOBS.get(Path(registry).resolve())


def start(registry: Path, data: Sequence[Path], lexicon: Sequence[Path], *,
          config: TrainConfig | None = None) -> TrainingJob:
    """Start training unless a job for this registry is already running (then return it)."""
    key = Path(registry).resolve()
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None and job.running:
            return job
        job = TrainingJob(key, tuple(data), tuple(lexicon), config or TrainConfig())
        job._thread = threading.Thread(target=job.run, name=f"train-{key.name}", daemon=True)
        _JOBS[key] = job
        job._thread.start()
        return job
