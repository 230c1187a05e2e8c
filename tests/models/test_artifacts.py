"""skops round trip, refusal of tampered or untrusted files, the registry's promote and
rollback, and that a failed save never leaves a partial version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from models.artifacts import (
    ACTIVE,
    active_version,
    list_versions,
    load_model,
    promote,
    resolve,
    rollback,
    rollback_target,
    save_version,
)
from models.errors import ModelError


def copy_version(registry: Path, tmp_path: Path) -> Path:
    version = resolve(registry)
    target = tmp_path / version.name
    shutil.copytree(version, target)
    return target


def test_round_trip_gives_the_same_predictions(trained_registry: Path) -> None:
    model = load_model(trained_registry)
    again = load_model(model.path)
    texts = ["叫你們經理出來", "Thanks, that fixed it", "you don't understand"]
    speakers = ["customer", "customer", "agent"]
    assert [p.as_dict() for p in model.score(texts, speakers)] == [
        p.as_dict() for p in again.score(texts, speakers)
    ]
    assert model.card["artifacts"].keys() == {"utterance.skops", "tracker.skops"}


def test_tampered_file_is_refused(trained_registry: Path, tmp_path: Path) -> None:
    version = copy_version(trained_registry, tmp_path)
    with open(version / "tracker.skops", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="does not match its model card"):
        load_model(version)


def test_untrusted_type_is_refused_even_with_a_matching_card(
    trained_registry: Path, tmp_path: Path
) -> None:
    version = copy_version(trained_registry, tmp_path)
    evil = Pipeline([("f", FunctionTransformer(func=shutil.rmtree))])
    sio.dump(evil, version / "tracker.skops")
    card = json.loads((version / "card.json").read_text())
    from models.artifacts import sha256

    card["artifacts"]["tracker.skops"] = sha256(version / "tracker.skops")
    (version / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="untrusted types"):
        load_model(version)


def test_corrupt_card_and_missing_model_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no model here\. Train one"):
        load_model(tmp_path)
    (tmp_path / "card.json").write_text("{not json")
    with pytest.raises(ModelError, match="unreadable model card"):
        load_model(tmp_path)


def test_failed_save_leaves_no_partial_version(trained_registry: Path, tmp_path: Path) -> None:
    model = load_model(trained_registry)
    registry = tmp_path / "reg"

    unserialisable_card = {"version": "v1", "oops": {1, 2}}  # fails after the .skops files
    with pytest.raises(TypeError):
        save_version(registry, model.classifier, model.tracker, unserialisable_card)
    assert [p.name for p in registry.iterdir()] == []


def test_promote_and_rollback(trained_registry: Path, tmp_path: Path) -> None:
    model = load_model(trained_registry)
    registry = tmp_path / "reg"
    first = save_version(registry, model.classifier, model.tracker, {"version": "v1"})
    second = save_version(registry, model.classifier, model.tracker, {"version": "v2"})
    assert not (registry / ACTIVE).exists()
    assert rollback_target(registry) is None
    promote(registry, first.name)
    assert rollback_target(registry) is None, "nothing was promoted before the first"
    with pytest.raises(ModelError, match="no earlier promoted version"):
        rollback(registry)
    promote(registry, second.name)
    assert resolve(registry) == second
    assert rollback_target(registry) == first.name, "said before, done after"
    assert rollback(registry) == first.name
    assert resolve(registry) == first
    assert rollback_target(registry) is None
    assert [v["active"] for v in list_versions(registry)] == [True, False]
    with pytest.raises(ModelError, match="no version"):
        promote(registry, "v9")


def test_versions_are_never_overwritten(trained_registry: Path, tmp_path: Path) -> None:
    model = load_model(trained_registry)
    registry = tmp_path / "reg"
    a = save_version(registry, model.classifier, model.tracker, {"version": "v1"})
    b = save_version(registry, model.classifier, model.tracker, {"version": "v1"})
    assert a != b and a.exists() and b.exists()


@pytest.mark.parametrize("named", ["../outside", "{outside}", "outside/../../outside",
                                   ".", "..", "v1/../../outside", "link-out"])
def test_active_naming_anything_but_a_version_inside_is_refused(
        trained_registry: Path, tmp_path: Path, named: str) -> None:
    """A real, loadable model sits outside the registry; ACTIVE pointing at it by a relative
    path, an absolute path or a symbolic link must not load it."""
    outside = copy_version(trained_registry, tmp_path)
    outside = outside.rename(tmp_path / "outside")
    registry = tmp_path / "registry"
    shutil.copytree(resolve(trained_registry), registry / "v1")
    (registry / "link-out").symlink_to(outside, target_is_directory=True)
    (registry / ACTIVE).write_text(named.format(outside=outside) + "\n")
    with pytest.raises(ModelError, match="not a version directory inside"):
        load_model(registry)
    with pytest.raises(ModelError, match="not a version directory inside"):
        active_version(registry)
    with pytest.raises(ModelError, match="not a version directory inside"):
        promote(registry, named.format(outside=outside))
    promote(registry, "v1")  # a good promotion repairs the registry
    assert load_model(registry).path == registry / "v1"


def test_rollback_skips_a_logged_version_outside(trained_registry: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(resolve(trained_registry), registry / "v1")
    shutil.copytree(resolve(trained_registry), registry / "v2")
    shutil.copytree(resolve(trained_registry), tmp_path / "outside")
    promote(registry, "v1")
    with open(registry / "promotions.jsonl", "a") as log:
        log.write(json.dumps({"action": "promote", "version": "../outside"}) + "\n")
    promote(registry, "v2")
    assert rollback(registry) == "v1"


def test_rolling_back_twice_goes_two_steps_back_not_forth(trained_registry: Path,
                                                          tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    for name in ("v1", "v2", "v3"):
        shutil.copytree(resolve(trained_registry), registry / name)
        promote(registry, name)
    assert rollback(registry) == "v2"
    assert rollback(registry) == "v1"  # not v3 again: a history, not a toggle
    with pytest.raises(ModelError, match="no earlier promoted version"):
        rollback(registry)
    promote(registry, "v3")  # a new promotion after rollbacks: back goes to v1
    assert rollback(registry) == "v1"


def test_library_versions_name_what_is_installed_and_skip_the_rest(monkeypatch) -> None:
    import sklearn

    from models import training

    versions = training.library_versions()
    assert versions["scikit-learn"] == sklearn.__version__ and "python" in versions
    monkeypatch.setattr(training, "LIBRARIES", ("numpy", "no-such-library-installed"))
    assert set(training.library_versions()) == {"python", "numpy"}
