import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.caller_style import APPROACH, STYLES, UI_LANGS, approach, estimate_style

CALLS = Path(__file__).resolve().parents[2] / "data" / "calls" / "calls.jsonl"


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    sentiment: str = "neutral"
    t: float | None = None
    t_end: float | None = None


def call(lines: list[tuple[str, str, str]], *, overlap_customer: bool = False) -> list[Turn]:
    """Alternating timed turns; with ``overlap_customer`` every customer turn starts 0.8 s
    before the agent has finished."""
    turns, t = [], 0.5
    for speaker, sentiment, text in lines:
        overlap = overlap_customer and speaker == "customer" and turns
        start = turns[-1].t_end - 0.8 if overlap else t
        duration = max(1.0, len(text) / 12)
        turns.append(Turn(speaker, text, sentiment, start, start + duration))
        t = start + duration + 0.6
    return turns


A, C = "agent", "customer"
CALLS_BY_STYLE = {
    ("en", "R"): [
        (A, "positive", "Thanks for calling Northline, this is Sam, how can I help?"),
        (C, "neutral", "Hi, sorry to bother you, I know you're busy. I'm a bit worried about my "
                       "order, I'm not sure if it was sent?"),
        (A, "neutral", "Of course, let me take a look for you."),
        (C, "neutral", "Thank you. Could you tell me when it might arrive?"),
    ],
    ("en", "I"): [
        (A, "positive", "Thanks for calling Northline, this is Sam, how can I help?"),
        (C, "neutral", "Order NL-40217 was placed on the 3rd at 14:20 and paid 89.90. Tracking "
                       "shows a scan in Leeds on the 5th at 06:12 and nothing since."),
        (A, "neutral", "Let me check that order."),
        (C, "neutral", "The guaranteed delivery was the 6th. I want the exact cause and the new "
                       "date in writing, with the reference."),
    ],
    ("en", "D"): [
        (A, "positive", "Thanks for calling Northline, this is Sam, how can I help?"),
        (C, "negative", "My parcel is late. Three days. Find it."),
        (A, "neutral", "I understand, can I first take your postcode so I can check?"),
        (C, "negative", "I need it today. Sort it."),
        (A, "neutral", "I'll look into it right away."),
        (C, "negative", "Just tell me when."),
    ],
    ("en", "E"): [
        (A, "positive", "Thanks for calling Northline, this is Sam, how can I help?"),
        (C, "negative", "It was my daughter's birthday present, I stayed home all day waiting and "
                        "nothing came, and now it says delivered! I'm so upset, honestly."),
        (A, "positive", "I'm so sorry, that must be really disappointing."),
        (C, "negative", "I can't believe it! She cried all evening, I'm at the end of my rope "
                        "with you people, I really am."),
    ],
    ("zh-Hant", "R"): [
        (A, "positive", "您好，很高興為您服務，請問有什麼可以幫您？"),
        (C, "neutral", "您好，不好意思打擾了，我的包裹好像還沒到，"
                       "我有點擔心，請問可以幫我查一下嗎？"),
        (A, "neutral", "好的，我幫您查詢。"),
        (C, "neutral", "好，麻煩您了，請問大概什麼時候會到呢？"),
    ],
    ("zh-Hant", "I"): [
        (A, "positive", "您好，很高興為您服務，請問有什麼可以幫您？"),
        (C, "neutral", "訂單編號 TW-55120，3 號 14:20 下單，付款 1,290 元。"
                       "物流紀錄 5 號 06:12 在桃園轉運中心之後就沒有更新。"),
        (A, "neutral", "好的，我幫您確認。"),
        (C, "neutral", "保證送達日是 6 號，請說明具體原因，並提供書面的處理記錄。"),
    ],
    ("zh-Hant", "D"): [
        (A, "positive", "您好，很高興為您服務，請問有什麼可以幫您？"),
        (C, "negative", "包裹晚三天了。馬上幫我找。"),
        (A, "neutral", "了解，我先跟您核對一下收件地址。"),
        (C, "negative", "不用核對，今天就要到。"),
        (A, "neutral", "我馬上幫您處理。"),
        (C, "negative", "給我一個時間。"),
    ],
    ("zh-Hant", "E"): [
        (A, "positive", "您好，很高興為您服務，請問有什麼可以幫您？"),
        (C, "negative", "那是我女兒的生日禮物，我在家等了一整天，結果竟然顯示已送達！"
                        "我真的快崩潰了，整個人都很難過。"),
        (A, "positive", "真的很抱歉，讓您這麼失望。"),
        (C, "negative", "我真的不敢相信！她哭了一整晚，我真的受夠了！"),
    ],
    ("zh-Hans", "R"): [
        (A, "positive", "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "neutral", "您好，不好意思打扰一下，我的快递好像还没到，"
                       "我有点着急，请问能不能帮我查一下？"),
        (A, "neutral", "好的，我帮您查询。"),
        (C, "neutral", "好的，麻烦您了，请问大概什么时候能到呢？"),
    ],
    ("zh-Hans", "I"): [
        (A, "positive", "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "neutral", "订单号 JD88120，3 号 14:20 下单，实付 129 元。物流显示 5 号 06:12 到达义乌"
                       "转运中心，之后一直没有更新。"),
        (A, "neutral", "好的，我帮您核实。"),
        (C, "neutral", "承诺 6 号送达，请说明具体原因，并给出确切的送达日期和书面记录。"),
    ],
    ("zh-Hans", "D"): [
        (A, "positive", "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "negative", "快递晚了三天。马上给我找。"),
        (A, "neutral", "理解，我先核对一下收件地址。"),
        (C, "negative", "别跟我核对，今天就要到。"),
        (A, "neutral", "我马上帮您处理。"),
        (C, "negative", "给我一个准确时间。"),
    ],
    ("zh-Hans", "E"): [
        (A, "positive", "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "negative", "那是我女儿的生日礼物，我在家等了一整天，结果显示已签收！我真的要崩溃了，"
                        "特别生气。"),
        (A, "positive", "非常抱歉，让您这么失望。"),
        (C, "negative", "我真的不敢相信！孩子哭了一晚上，我真的受够了！"),
    ],
}


@pytest.mark.parametrize(("lang", "style"), list(CALLS_BY_STYLE))
def test_estimates_each_style_in_each_language(lang: str, style: str) -> None:
    turns = call(CALLS_BY_STYLE[(lang, style)], overlap_customer=style == "D")
    estimate = estimate_style(turns)
    assert estimate.style == style, estimate
    assert abs(sum(estimate.scores.values()) - 1) < 0.01
    assert estimate.evidence[style], "the winning style says why"


def test_driver_style_is_found_from_interruptions_even_with_mild_words() -> None:
    lines = [(A, "neutral", "Let me explain the three options we have for the refund."),
             (C, "neutral", "Okay, which one is quickest.")] * 3
    estimate = estimate_style(call(lines, overlap_customer=True))
    assert estimate.style == "D"
    assert "interrupted the agent 3 times" in estimate.evidence["D"]


def test_fast_talk_is_a_driver_sign() -> None:
    lines = [(A, "neutral", "How can I help?"), (C, "neutral", "My order has not arrived yet.")]
    slow = [Turn(s, text, sent, 4.0 * i, 4.0 * i + 3.0) for i, (s, sent, text) in enumerate(lines)]
    fast = [Turn(s, text, sent, 4.0 * i, 4.0 * i + 1.5) for i, (s, sent, text) in enumerate(lines)]
    assert not any("talks fast" in e for e in estimate_style(slow).evidence.get("D", []))
    assert "talks fast (4.0 words/s)" in estimate_style(fast).evidence["D"]
    assert estimate_style(fast).scores["D"] > estimate_style(slow).scores["D"]


def test_untimed_turns_still_get_a_style_from_wording() -> None:
    lines = CALLS_BY_STYLE[("en", "D")]
    estimate = estimate_style([Turn(s, text, sent) for s, sent, text in lines])
    assert estimate.style == "D"
    assert not any("interrupted" in e for e in estimate.evidence.get("D", []))


def test_no_customer_words_means_no_style() -> None:
    estimate = estimate_style([Turn(A, "Hello, are you there?"), Turn(C, "   ")])
    assert estimate.style is None
    assert estimate.scores == dict.fromkeys(STYLES, 0.0)


def test_agrees_with_the_composed_corpus_on_most_calls() -> None:
    # The figure at tuning time was 75% (R 65/89, I 74/96, D 78/98, E 74/107); most misses are
    # calls whose composed lines carry no style at all. The bar leaves room for small changes.
    confusion: Counter[tuple[str, str | None]] = Counter()
    with CALLS.open(encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            turns = [Turn(u["speaker"], u["text"], u["sentiment"], u["t"], u["t_end"])
                     for u in c["utterances"]]
            confusion[(c["caller_style"], estimate_style(turns).style)] += 1
    total = sum(confusion.values())
    assert sum(v for (a, b), v in confusion.items() if a == b) / total >= 0.70
    for style in STYLES:  # every style is recognised, not one style for everything
        row = sum(v for (a, _), v in confusion.items() if a == style)
        assert confusion[(style, style)] / row >= 0.6


@pytest.mark.parametrize("lang", UI_LANGS)
def test_approach_text_in_every_interface_language(lang: str) -> None:
    texts = [approach(style, lang) for style in STYLES]
    assert all(texts) and len(set(texts)) == 4
    assert approach(None, lang) == ""


def test_approach_follows_domain_table() -> None:
    assert "CAN" in APPROACH["D"]["en"] and "vent" in APPROACH["E"]["en"]
    assert "事實" in APPROACH["I"]["zh-Hant"] and "事实" in APPROACH["I"]["zh-Hans"]


@pytest.mark.parametrize(("style", "lang"), [("X", "en"), ("R", "fr")])
def test_approach_rejects_unknown_values(style: str, lang: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        approach(style, lang)
