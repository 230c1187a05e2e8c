"""Versioned model artifacts: skops files plus a model card, in a registry directory.

Layout of a registry::

    <registry>/<version>/utterance.skops   the utterance classifier
    <registry>/<version>/tracker.skops     the call risk tracker
    <registry>/<version>/card.json         model card (data, metrics, thresholds, hashes)
    <registry>/<version>/README.md         the same card for people
    <registry>/ACTIVE                      the promoted version's name (a directory directly
                                           inside the registry: never a path elsewhere)
    <registry>/promotions.jsonl            every promote / rollback, for the audit trail

A version directory is written under a temporary name and renamed into place only when
complete, so a failed training run never leaves a partial model over a good one. Loading
checks every file's SHA-256 against the card and refuses any type not named as trusted.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import skops.io as sio

from models.classifier import Prediction, TurnClassifier
from models.errors import ModelError
from models.tracker import CallRiskTracker, CallState

CARD = "card.json"
ACTIVE = "ACTIVE"
FILES = {"classifier": "utterance.skops", "tracker": "tracker.skops"}
TRUSTED_TYPES = [
    "models.classifier.TurnClassifier",
    "models.features.TurnFeaturizer",
    "models.tracker.CallRiskTracker",
    "models.context.ContextHead",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "builtins.slice",
]


@dataclass
class FloorlightModel:
    """A loaded, verified model version: the classifier, the tracker and their card."""

    classifier: TurnClassifier
    tracker: CallRiskTracker
    card: dict
    path: Path

    @property
    def version(self) -> str:
        return str(self.card["version"])

    def score(
        self, texts: Sequence[str], speakers: Sequence[str], *, explain: bool = True,
        in_call: bool = False,
    ) -> list[Prediction]:
        """``in_call``: the turns are read inside calls (monitor, replay), not on their own."""
        return self.classifier.score_turns(texts, speakers, explain=explain, in_call=in_call)

    def new_call(self) -> CallState:
        return self.tracker.new_call()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_version_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("v%Y%m%d-%H%M%S")


def save_version(
    registry: Path, classifier: TurnClassifier, tracker: CallRiskTracker, card: dict
) -> Path:
    """Write a new version atomically and return its directory."""
    registry.mkdir(parents=True, exist_ok=True)
    version = card.get("version") or new_version_name()
    while (registry / version).exists():
        version = _bump(version)
    staging = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=registry))
    try:
        sio.dump(classifier, staging / FILES["classifier"])
        sio.dump(tracker, staging / FILES["tracker"])
        card = dict(card, version=version)
        card["artifacts"] = {name: sha256(staging / name) for name in FILES.values()}
        (staging / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        (staging / "README.md").write_text(render_card(card), encoding="utf-8")
        staging.rename(registry / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return registry / version


def _bump(version: str) -> str:
    stem, _, n = version.rpartition(".")
    return f"{stem}.{int(n) + 1}" if stem and n.isdigit() else f"{version}.1"


def _inside(registry: Path, name: str) -> bool:
    """True when ``name`` is one directory name (no separator, not ``..``, not hidden) whose
    real path, symbolic links followed, is directly inside ``registry``."""
    if not name or name.startswith(".") or "\0" in name or Path(name).name != name \
            or "/" in name or "\\" in name:
        return False
    return (registry / name).resolve().parent == registry.resolve()


def version_dir(registry: Path, name: str, *, named_in: str | Path | None = None) -> Path:
    """``registry/name`` when ``name`` is a version directory inside the registry. Anything
    else (``../outside``, an absolute path, a link out, no model card) is refused: a
    registry file must never make Floorlight load a model from elsewhere."""
    registry = Path(registry)
    where = f"{named_in}: " if named_in else ""
    if not _inside(registry, name):
        raise ModelError(f"{where}{name!r} is not a version directory inside {registry} "
                         "(refusing a path that leads elsewhere)")
    if not (registry / name / CARD).exists():
        raise ModelError(f"{named_in}: names version {name!r}, which is not in {registry}"
                         if named_in else f"{registry}: no version {name!r}")
    return registry / name


def resolve(path: Path) -> Path:
    """A version directory, or a registry directory's promoted version."""
    path = Path(path)
    if (path / CARD).exists():
        return path
    active = path / ACTIVE
    if active.exists():
        return version_dir(path, active.read_text().strip(), named_in=active)
    raise ModelError(
        f"{path}: no model here. Train one with `floorlight train --out {path}` "
        "(or run the setup command, which trains the bundled default)."
    )


def registry_of(path: Path) -> Path | None:
    """The registry whose promotions a service given ``path`` should follow: ``path`` itself
    when it is a registry; None when it is one version directory (pinned on purpose)."""
    path = Path(path)
    return None if (path / CARD).exists() else path


def load_model(path: Path) -> FloorlightModel:
    """Load and verify a version (or a registry's promoted version)."""
    version_dir = resolve(path)
    card = read_card(version_dir)
    for name in FILES.values():
        file = version_dir / name
        if not file.exists():
            raise ModelError(f"{file}: missing model file")
        if sha256(file) != card.get("artifacts", {}).get(name):
            raise ModelError(f"{file}: does not match its model card (tampered or corrupt)")
    classifier = _load_trusted(version_dir / FILES["classifier"])
    tracker = _load_trusted(version_dir / FILES["tracker"])
    if not isinstance(classifier, TurnClassifier) or not isinstance(tracker, CallRiskTracker):
        raise ModelError(f"{version_dir}: model files hold unexpected objects")
    _return_freed_heap()
    return FloorlightModel(classifier, tracker, card, version_dir)


def _return_freed_heap() -> None:
    """Give the free pages of the C heap back to the OS (glibc; elsewhere nothing to do).

    skops reads every array of a model file into memory before building any. Once glibc
    frees the first of those large buffers it raises its mmap threshold to that size
    (documented in mallopt(3)), so the next buffers and arrays of up to ~18 MB come from the
    heap instead, under the vocabularies built after them: freed, they stay resident (about
    70 MB after loading the full model) because only the top of a heap shrinks by itself.
    ``malloc_trim`` releases them in a few milliseconds and changes no data."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # a C library without it (musl)
        return
    trim(0)


def read_card(version_dir: Path) -> dict:
    try:
        card = json.loads((version_dir / CARD).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelError(f"{version_dir / CARD}: unreadable model card: {err}") from err
    if not isinstance(card, dict) or "version" not in card:
        raise ModelError(f"{version_dir / CARD}: not a Floorlight model card")
    return card


def _load_trusted(file: Path) -> object:
    try:
        untrusted = set(sio.get_untrusted_types(file=file))
    except Exception as err:  # skops raises many kinds on a corrupt zip
        raise ModelError(f"{file}: not a readable skops file ({err})") from err
    refused = sorted(untrusted - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(f"{file}: refuses untrusted types: {', '.join(refused)}")
    try:
        return sio.load(file, trusted=sorted(untrusted))
    except Exception as err:
        raise ModelError(f"{file}: cannot load ({err})") from err


# --- the registry ------------------------------------------------------------------------


def list_versions(registry: Path) -> list[dict]:
    """Every complete version, oldest first, with whether it is the promoted one."""
    active = active_version(registry)
    versions = []
    for child in sorted(Path(registry).glob("v*")):
        if _inside(Path(registry), child.name) and (child / CARD).exists():
            card = read_card(child)
            versions.append({**card, "active": child.name == active, "path": str(child)})
    return versions


def active_version(registry: Path) -> str | None:
    """The promoted version's name; ModelError when ACTIVE names anything but a version
    directory inside the registry."""
    active = Path(registry) / ACTIVE
    if not active.exists():
        return None
    return version_dir(registry, active.read_text().strip(), named_in=active).name


def promote(registry: Path, version: str, *, who: str = "cli", action: str = "promote") -> None:
    registry = Path(registry)
    version_dir(registry, version)
    try:
        previous = active_version(registry)
    except ModelError:  # promoting a good version is how a bad ACTIVE gets repaired
        previous = None
    tmp = registry / f".{ACTIVE}.tmp"
    tmp.write_text(version + "\n")
    os.replace(tmp, registry / ACTIVE)
    entry = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
        "version": version,
        "previous": previous,
        "who": who,
    }
    with open(registry / "promotions.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def rollback_target(registry: Path) -> str | None:
    """The version a rollback would go back to: the one promoted before the current one,
    the promotion log read as a history (a rollback undoes a promotion), so rolling back
    twice goes two steps back and never returns to the version just rolled back from.
    None when there is none (the dashboard says so before anyone clicks)."""
    registry = Path(registry)
    log = registry / "promotions.jsonl"
    history = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    current = active_version(registry)
    stack = _promotion_stack(history)
    if current in stack:  # ACTIVE may have been written by hand: start from what it says
        stack = stack[: len(stack) - stack[::-1].index(current) - 1]
    earlier = [v for v in stack if v != current and _inside(registry, v)
               and (registry / v / CARD).exists()]
    return earlier[-1] if earlier else None


def rollback(registry: Path, *, who: str = "cli") -> str:
    """Go back to :func:`rollback_target`; ModelError when there is nothing to go back to."""
    target = rollback_target(registry)
    if target is None:
        raise ModelError(f"{registry}: no earlier promoted version to roll back to")
    promote(registry, target, who=who, action="rollback")
    return target


def _promotion_stack(history: list[dict]) -> list[str]:
    """The versions promoted in turn, each rollback taking the stack back to its target."""
    stack: list[str] = []
    for entry in history:
        version = entry.get("version")
        if entry.get("action") == "rollback" and version in stack:
            del stack[len(stack) - stack[::-1].index(version):]
        elif version is not None:
            stack.append(version)
    return stack


# --- the card for people -----------------------------------------------------------------


def render_card(card: dict) -> str:
    lines = [
        f"# Floorlight model {card['version']}",
        "",
        f"Created {card.get('created', '?')}. Training data SHA-256 "
        f"`{card.get('data', {}).get('sha256', '?')}`.",
        "",
        "## Data",
        "",
        "```json",
        json.dumps(card.get("data", {}), indent=2, ensure_ascii=False),
        "```",
        "",
        "## Thresholds",
        "",
        "```json",
        json.dumps(card.get("thresholds", {}), indent=2),
        "```",
        "",
        "## Metrics",
    ]
    for split, metrics in card.get("metrics", {}).items():
        lines += ["", f"### {split}", "", "```json", json.dumps(metrics, indent=2), "```"]
    lines += [
        "",
        "## Libraries",
        "",
        *(f"- {k} {v}" for k, v in card.get("libraries", {}).items()),
        "",
    ]
    return "\n".join(lines)
