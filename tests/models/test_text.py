import pytest

from models.text import detect_lang, normalize, to_simplified, to_traditional


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＨＥＬＬＯ　Ｗｏｒｌｄ！", "hello world!"),
        ("我們的經理", "我们的经理"),
        ("請問，這個帳單？", "请问,这个帐单?"),
        ("Cancel ＭＹ plan", "cancel my plan"),
        ("tab\tand\nnewline", "tab and newline"),
    ],
)
def test_normalize_folds_width_case_and_script(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["İstanbul ﬁne", "混合 MIXED ｆｕｌｌ", "", "🙂 ok"])
def test_normalize_keeps_length_so_spans_map_back(raw: str) -> None:
    assert len(normalize(raw)) == len(raw)


def test_traditional_and_simplified_meet_in_one_form() -> None:
    assert normalize("我要找你們經理") == normalize("我要找你们经理")
    assert to_simplified("這個") == "这个"
    assert to_traditional("这个") == "這個"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I want to cancel my plan", "en"),
        ("我要取消这个套餐，太贵了", "zh-Hans"),
        ("我要取消這個方案，太貴了", "zh-Hant"),
        ("我要 cancel 這個 plan", "zh-Hant"),
        ("我要 cancel 这个 plan", "zh-Hans"),
        ("Please ask for Mr Wang 王 at the desk tomorrow morning", "en"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang
