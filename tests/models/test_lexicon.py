from pathlib import Path

import pytest

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
