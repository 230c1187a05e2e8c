from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import ModelError
from models.lexicon import load_lexicon, parse_lexicon

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "qa_lexicon.tsv"


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon([LEXICON])


@pytest.mark.parametrize(
    ("text", "category", "phrase"),
    [
        ("I'm so sorry about that, let me fix it", "apology", "I'm so sorry"),
        ("Well, you don't understand how this works", "taboo", "you don't understand"),
        ("你不明白我的意思", "taboo", "你不明白"),
        ("这不是我的工作范围", "taboo", "这不是我的工作范围"),
        ("對於發生這樣的情形，我們感到很抱歉", "apology", "我們感到很抱歉"),
        ("我能理解您的感受", "empathy", "我能理解您的感受"),
        ("叫你們經理出來", "ask_supervisor", "經理"),
        ("我要打12315", "legal_media", "12315"),
    ],
)
def test_finds_phrases_in_all_three_languages(lexicon, text, category, phrase) -> None:
    found = [(m.category, m.phrase) for m in lexicon.find(text)]
    assert (category, phrase) in found


def test_traditional_phrase_matches_simplified_text(lexicon) -> None:
    # 這不是我的工作範圍 is listed in Traditional; the Simplified spelling must match too
    matches = lexicon.find("这不是我的工作範圍", ["taboo"])
    assert matches and matches[0].start == 0


def test_english_phrases_respect_word_boundaries(lexicon) -> None:
    assert not lexicon.find("I know the snow is nice", ["caution"])
    assert lexicon.find("no, that is not it", ["caution"])


def test_match_spans_point_into_the_original_text(lexicon) -> None:
    text = "ＹＯＵ ＤＯＮ'Ｔ ＵＮＤＥＲＳＴＡＮＤ me"
    match = lexicon.find(text, ["taboo"])[0]
    assert text[match.start : match.end] == match.phrase


def test_site_extension_is_data(tmp_path) -> None:
    extra = tmp_path / "site.tsv"
    extra.write_text("taboo\ten\twhatever dude\n", encoding="utf-8")
    lexicon = load_lexicon([LEXICON, extra])
    assert lexicon.find("whatever dude, not my issue", ["taboo"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("taboo\ten", "expected category<TAB>lang<TAB>phrase"),
        ("tabu\ten\tsomething", "unknown category 'tabu'"),
        ("taboo\tfr\tsomething", "unknown lang 'fr'"),
    ],
)
def test_bad_lines_name_file_and_line(line: str, message: str) -> None:
    with pytest.raises(ModelError, match=rf"site\.tsv:2: {message}"):
        parse_lexicon("# header\n" + line + "\n", source="site.tsv")


def _reference_count(phrases: set[str], text: str) -> int:
    """The matching rule written the plain way: longest phrase first at the leftmost place,
    a worded phrase not glued to a word character on either side."""
    import re

    def one(p: str) -> str:
        head = r"(?<![a-z0-9'])" if re.match(r"[a-z0-9]", p[0]) else ""
        tail = r"(?![a-z0-9])" if re.match(r"[a-z0-9]", p[-1]) else ""
        return head + re.escape(p) + tail

    pattern = "|".join(one(p) for p in sorted(phrases, key=lambda p: (-len(p), p)))
    return len(re.findall(pattern, text))


@given(phrases=st.sets(st.text("ab '中文", min_size=1, max_size=4).map(str.strip)
                       .filter(bool), min_size=1, max_size=6),
       texts=st.lists(st.text("ab '中文.", max_size=30), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_counts_follow_the_plain_matching_rule(phrases, texts) -> None:
    """The compiled trie (first characters up front, the word guard after them) counts
    exactly what the plain longest-first rule counts, alone and in a batch."""
    from models.lexicon import Lexicon
    from models.text import normalize

    lexicon = Lexicon([("taboo", "en", p) for p in phrases])
    folded = {normalize(p).strip() for p in phrases} - {""}
    normalized = [normalize(t) for t in texts]
    expected = [_reference_count(folded, t) for t in normalized]
    assert [lexicon.counts(t).get("taboo", 0) for t in normalized] == expected
    assert lexicon.batch_counts(normalized, ["taboo"])[:, 0].tolist() == expected


@given(text=st.text("abcdeilmnorstuy '.經理投訴律師取消退款我要", max_size=40),
       first=st.lists(st.sampled_from(["ask_supervisor", "complaint", "churn", "solution",
                                        "apology", "taboo"]), max_size=3))
@settings(max_examples=200, deadline=None)
def test_find_answers_the_same_whatever_was_asked_before(lexicon, text, first) -> None:
    """The monitor asks one turn for several category sets in turn (evidence, context,
    tracker, scorecard) and each scan is remembered: a later question gets exactly what a
    fresh lexicon gives, and a subset is the whole answer filtered."""
    from models.lexicon import Lexicon
    from models.text import normalize

    lexicon.find(text, first)
    fresh = Lexicon(lexicon.entries)
    assert lexicon.find(text) == fresh.find(text)
    assert lexicon.find(text, first) == [m for m in fresh.find(text) if m.category in first]
    assert len(lexicon.find(text, ["churn"])) == lexicon.counts(normalize(text))["churn"]
