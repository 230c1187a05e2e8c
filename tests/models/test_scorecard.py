import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.caller_style import approach
from models.lexicon import load_lexicon
from models.scorecard import ITEMS, ScoredTurn, scorecard, turn_qa

ROOT = Path(__file__).resolve().parents[2]
LEXICON = ROOT / "data" / "lexicon" / "qa_lexicon.tsv"


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon([LEXICON])


def a(text: str, sentiment: str = "neutral", cue: str = "none", t=None, t_end=None):
    return ScoredTurn("agent", text, sentiment, cue, t, t_end)


def c(text: str, sentiment: str = "neutral", cue: str = "none", t=None, t_end=None):
    return ScoredTurn("customer", text, sentiment, cue, t, t_end)


GOOD_EN = [
    a("Thank you for calling Northline, this is Sam, how can I help?", "positive"),
    c("My parcel was marked delivered yesterday but it never arrived, and it was a gift.",
      "negative"),
    a("I'm so sorry this happened. I understand how frustrating that must be.", "positive"),
    c("It really is, I stayed home all day."),
    a("Thank you for your patience. Just to confirm, the parcel is order NL-4021?"),
    c("Yes, that's the one."),
    a("I've issued a full refund to your card and sent a replacement by express.", "positive"),
    c("Okay, that works, thank you.", "positive"),
    a("Thanks for calling Northline, have a great day.", "positive"),
]
GOOD_ZH_HANT = [
    a("您好，很高興為您服務，請問有什麼可以幫您？", "positive"),
    c("我的包裹顯示已送達，可是我根本沒收到，那是要送人的禮物。", "negative"),
    a("對於發生這樣的情形，我們感到很抱歉。我能了解您的感受。", "positive"),
    c("對啊，我在家等了一整天。"),
    a("非常感謝您的耐心，跟您確認一下，訂單編號是 HB20931 嗎？"),
    c("對，就是這筆。"),
    a("我這邊幫您全額退款，也會補寄一份，明天送到。", "positive"),
    c("好，謝謝。", "positive"),
    a("感謝您的來電，祝您有美好的一天。", "positive"),
]
GOOD_ZH_HANS = [
    a("您好，很高兴为您服务，请问有什么可以帮您？", "positive"),
    c("快递显示已签收，可是我根本没收到，那是给孩子的生日礼物。", "negative"),
    a("非常抱歉给您带来不便，我很理解您的心情。", "positive"),
    c("是啊，我在家等了一整天。"),
    a("谢谢您的耐心，跟您确认一下，订单号是 YP20931 吗？"),
    c("对，就是这个。"),
    a("我这边帮您全额退款，也给您补发一份，明天送到。", "positive"),
    c("好的，谢谢。", "positive"),
    a("感谢您的来电，祝您生活愉快，再见。", "positive"),
]


@pytest.mark.parametrize(("turns", "lang"), [(GOOD_EN, "en"), (GOOD_ZH_HANT, "zh-Hant"),
                                             (GOOD_ZH_HANS, "zh-Hans")])
def test_a_good_call_passes_every_item(lexicon, turns, lang) -> None:
    card = scorecard(turns, lexicon, lang)
    failed = [k for k, v in card["items"].items() if v["applicable"] and not v["passed"]]
    assert failed == []
    assert card["score"] == 100.0
    assert card["items"]["greeting"]["turns"] == [0]
    assert card["items"]["apology_before_thanks"]["turns"] == [2, 4]
    assert card["items"]["solution_after_heard"]["turns"] == [6]
    assert card["items"]["closing_thanks"]["turns"] == [8]


def test_shape_is_the_documented_json(lexicon) -> None:
    card = scorecard(GOOD_EN, lexicon, "en")
    assert json.loads(json.dumps(card)) == card
    assert set(card) == {"v", "score", "items", "timing", "caller_style"}
    assert card["v"] == 1
    assert list(card["items"]) == list(ITEMS)
    for name, item in card["items"].items():
        keys = {"applicable", "passed", "turns"} | ({"phrases"} if name == "taboo" else set())
        assert set(item) == keys
    assert set(card["timing"]) == {"longest_silence_s", "talk_speed", "interruptions"}
    assert set(card["timing"]["talk_speed"]) == {"agent", "customer", "unit"}
    assert set(card["caller_style"]) == {"style", "scores", "approach"}
    assert set(card["caller_style"]["scores"]) == {"R", "I", "D", "E"}


def test_thanks_before_apology_fails(lexicon) -> None:
    turns = [
        a("Thanks for calling, how can I help?"),
        c("I was charged twice and nobody answers my emails.", "negative"),
        a("Thank you for letting us know. Let me check."),
        c("Fine."),
        a("I'm sorry about that, I've refunded the second charge."),
    ]
    item = scorecard(turns, lexicon, "en")["items"]["apology_before_thanks"]
    assert item == {"applicable": True, "passed": False, "turns": [2, 4]}


def test_apology_first_within_the_same_turn_passes(lexicon) -> None:
    turns = [a("Hello, how can I help?"),
             c("This is the third time I call!", "negative", "repeat_contact"),
             a("I'm sorry, and thank you for telling us.")]
    item = scorecard(turns, lexicon, "en")["items"]["apology_before_thanks"]
    assert item == {"applicable": True, "passed": True, "turns": [2]}


def test_no_complaint_makes_apology_and_empathy_not_applicable(lexicon) -> None:
    turns = [a("您好，很高興為您服務。"), c("我想查一下帳單的繳費期限。"),
             a("我這邊幫您查，是 25 號，謝謝您。")]
    card = scorecard(turns, lexicon, "zh-Hant")
    for name in ("apology_before_thanks", "empathy"):
        assert card["items"][name] == {"applicable": False, "passed": False, "turns": []}
    assert card["score"] == 100.0  # greeting, taboo, solution, closing all pass


def test_a_cue_counts_as_a_complaint_even_when_calm(lexicon) -> None:
    turns = [a("Hello, how can I help?"),
             c("Could I speak to a supervisor please?", "neutral", "supervisor_request"),
             a("Of course, I'll transfer you now.")]
    card = scorecard(turns, lexicon, "en")
    assert card["items"]["apology_before_thanks"]["applicable"]
    assert not card["items"]["apology_before_thanks"]["passed"]
    assert not card["items"]["empathy"]["passed"]


def test_taboo_phrases_of_agent_turns_with_turns_and_phrases(lexicon) -> None:
    turns = [
        a("你好。"),
        c("你們根本沒在聽我說，我要投訴！", "negative", "complaint_threat"),
        a("你不明白，這不是我的責任。", "negative", "agent_misconduct"),
        c("你必須給我一個交代。", "negative"),  # a customer's words are not the agent's taboo
        a("規定就是這樣，你要投訴就去投訴。", "negative", "agent_misconduct"),
    ]
    item = scorecard(turns, lexicon, "zh-Hant")["items"]["taboo"]
    assert item["applicable"] and not item["passed"]
    assert item["turns"] == [2, 4]
    assert item["phrases"] == ["你不明白", "這不是我的責任", "規定就是這樣", "你要投訴就去投訴"]


def test_taboo_passes_when_none_used(lexicon) -> None:
    item = scorecard(GOOD_ZH_HANS, lexicon, "zh-Hans")["items"]["taboo"]
    assert item == {"applicable": True, "passed": True, "turns": [], "phrases": []}


def test_solution_as_first_reply_to_a_complaint_does_not_count(lexicon) -> None:
    turns = [
        a("Hi, how can I help?"),
        c("My internet has been down for three days and I work from home!", "negative"),
        a("I'll send an engineer."),
        c("That's what you said last time."),
    ]
    item = scorecard(turns, lexicon, "en")["items"]["solution_after_heard"]
    assert item == {"applicable": True, "passed": False, "turns": []}
    turns += [a("I'm sorry. I've booked an engineer for 8 tomorrow and credited three days.")]
    item = scorecard(turns, lexicon, "en")["items"]["solution_after_heard"]
    assert item == {"applicable": True, "passed": True, "turns": [4]}


def test_i_cant_is_not_a_solution(lexicon) -> None:
    turns = [a("Hello, how can I help?"), c("I need my card unblocked before I pay the hotel."),
             a("Okay."), c("Hello?"), a("I can't do that from here.")]
    assert not scorecard(turns, lexicon, "en")["items"]["solution_after_heard"]["passed"]
    assert turn_qa("I can't do that from here.", "agent", lexicon).get("solution") is None


def test_solution_needs_the_problem_described_first(lexicon) -> None:
    turns = [a("Hello, I can help you today."), c("嗯"), c("ok")]
    item = scorecard(turns, lexicon, "en")["items"]["solution_after_heard"]
    assert item == {"applicable": False, "passed": False, "turns": []}


def test_greeting_must_be_in_the_first_two_agent_turns(lexicon) -> None:
    turns = [a("Account number?"), c("It's 4471."), a("Name?"), c("Lee."),
             a("Good morning, how can I help?")]
    item = scorecard(turns, lexicon, "en")["items"]["greeting"]
    assert item == {"applicable": True, "passed": False, "turns": []}


def test_closing_thanks_in_the_last_two_agent_turns(lexicon) -> None:
    turns = [a("您好，请问有什么可以帮您？"), c("我想改一下收货地址。"),
             a("好的，已经帮您改好了。"), c("好。"), a("还有其他可以帮您的吗？"),
             c("没有了。"), a("感谢您的来电，再见。")]
    item = scorecard(turns, lexicon, "zh-Hans")["items"]["closing_thanks"]
    assert item == {"applicable": True, "passed": True, "turns": [6]}
    turns[-1] = a("再见。")  # thanks only earlier in the call does not close with thanks
    turns[2] = a("好的，已经帮您改好了，谢谢您。")
    item = scorecard(turns, lexicon, "zh-Hans")["items"]["closing_thanks"]
    assert item == {"applicable": True, "passed": False, "turns": []}


def test_score_is_the_share_of_applicable_items_passed(lexicon) -> None:
    turns = [a("Account?"), c("My bill doubled this month and nobody told me why.", "negative"),
             a("You have to read the terms.", "negative", "agent_misconduct")]
    card = scorecard(turns, lexicon, "en")
    applicable = [v for v in card["items"].values() if v["applicable"]]
    assert len(applicable) == 6
    assert card["score"] == 0.0
    turns[0] = a("Good afternoon, how can I help?")
    assert scorecard(turns, lexicon, "en")["score"] == round(100 / 6, 1)


TIMED_EN = [
    a("Thanks for calling, this is Sam, how can I help?", t=0.0, t_end=3.0),  # 10 words
    c("My card was blocked abroad and the hotel wants payment now.", "negative",
      t=2.0, t_end=6.0),  # 11 words, starts 1.0 s before the agent ended: an interruption
    a("I'm sorry, let me check that for you right away.", t=9.0, t_end=12.0),  # 3.0 s silence
    c("Okay.", t=11.9, t_end=12.4),  # 0.1 s overlap: within the tolerance
    a("Please hold.", t=13.0, t_end=14.0),
    a("Thank you for holding, I've lifted the block, thanks for your patience.",
      t=30.0, t_end=35.0),  # 16 s on hold
]


def test_timing_measures(lexicon) -> None:
    timing = scorecard(TIMED_EN, lexicon, "en")["timing"]
    assert timing["longest_silence_s"] == 16.0
    assert timing["interruptions"] == {"agent": 0, "customer": 1}
    speed = timing["talk_speed"]
    assert speed["unit"] == "words_per_min"
    agent_words = 10 + 10 + 2 + 12
    assert speed["agent"] == round(agent_words / (3 + 3 + 1 + 5) * 60, 1)
    assert speed["customer"] == round(12 / 4.5 * 60, 1)


def test_agent_talking_over_the_customer_counts_for_the_agent(lexicon) -> None:
    turns = [c("我的卡被锁了，我现在人在国外，酒店等着我付钱。", t=0.0, t_end=5.0),
             a("好的先生我马上帮您查询。", t=3.0, t_end=6.0)]
    timing = scorecard(turns, lexicon, "zh-Hans")["timing"]
    assert timing["interruptions"] == {"agent": 1, "customer": 0}
    assert timing["talk_speed"]["unit"] == "chars_per_s"
    assert timing["talk_speed"]["customer"] == round(20 / 5.0, 2)
    assert timing["talk_speed"]["agent"] == round(11 / 3.0, 2)


def test_untimed_calls_have_null_timing(lexicon) -> None:
    timing = scorecard(GOOD_EN, lexicon, "en")["timing"]
    assert timing == {"longest_silence_s": None,
                      "talk_speed": {"agent": None, "customer": None, "unit": "words_per_min"},
                      "interruptions": None}


def test_partly_timed_calls_use_the_timed_turns(lexicon) -> None:
    turns = [a("Hello, how can I help?", t=0.0, t_end=2.0), c("Hi."),
             c("My order is late.", t=4.5, t_end=6.0)]
    timing = scorecard(turns, lexicon, "en")["timing"]
    assert timing["longest_silence_s"] == 2.5
    assert timing["interruptions"] == {"agent": 0, "customer": 0}


def test_language_is_detected_when_not_given(lexicon) -> None:
    assert scorecard(GOOD_ZH_HANT, lexicon)["timing"]["talk_speed"]["unit"] == "chars_per_s"
    assert scorecard(GOOD_EN, lexicon)["timing"]["talk_speed"]["unit"] == "words_per_min"


def test_caller_style_and_approach(lexicon) -> None:
    card = scorecard(GOOD_ZH_HANS, lexicon, "zh-Hans")
    style = card["caller_style"]["style"]
    assert style in "RIDE"
    assert card["caller_style"]["approach"] == approach(style, "zh-Hans")
    card = scorecard(GOOD_ZH_HANS, lexicon, "zh-Hans", approach_lang="en")
    assert card["caller_style"]["approach"] == approach(style, "en")


def test_an_unknown_call_language_falls_back_to_english_text(lexicon) -> None:
    card = scorecard(GOOD_EN, lexicon, "fr")
    assert card["caller_style"]["approach"] == approach(card["caller_style"]["style"], "en")


def test_a_call_without_customer_turns(lexicon) -> None:
    card = scorecard([a("Hello? Anyone there?")], lexicon, "en")
    assert card["caller_style"] == {"style": None, "scores": dict.fromkeys("RIDE", 0.0),
                                    "approach": ""}
    assert card["items"]["solution_after_heard"]["applicable"] is False


def test_accepts_any_turn_with_the_same_fields(lexicon) -> None:
    @dataclass(frozen=True)
    class MonitorTurn:  # what the monitor keeps per open call
        speaker: str
        text: str
        sentiment: str
        cue: str
        t: float | None = None
        t_end: float | None = None

    turns = [MonitorTurn(t.speaker, t.text, t.sentiment, t.cue) for t in GOOD_EN]
    assert scorecard(turns, lexicon, "en") == scorecard(GOOD_EN, lexicon, "en")


@pytest.mark.parametrize(
    ("text", "speaker", "expected"),
    [
        ("I'm sorry, you have to restart the router.", "agent",
         {"apology": ["I'm sorry"], "taboo": ["you have to"]}),
        ("我很理解，我這邊幫您處理。", "agent",
         {"empathy": ["我很理解"], "solution": ["我這邊幫您"]}),
        ("叫你们领导出来，我要投诉！", "customer",
         {"ask_supervisor": ["你们领导"], "complaint": ["投诉"]}),
        ("I'm sorry, I want to cancel my plan", "customer", {"churn": ["cancel my"]}),
        ("Okay.", "agent", {}),
    ],
)
def test_turn_qa(lexicon, text: str, speaker: str, expected: dict) -> None:
    assert turn_qa(text, speaker, lexicon) == expected


def test_corpus_good_calls_score_higher_than_bad_ones(lexicon) -> None:
    by_flow: dict[str, list[float]] = defaultdict(list)
    taboo_by_flow: dict[str, list[bool]] = defaultdict(list)
    with (ROOT / "data" / "calls" / "calls.jsonl").open(encoding="utf-8") as f:
        for line in f:
            call = json.loads(line)
            if call["flow"] not in ("smooth", "rough_recovered", "agent_misconduct"):
                continue
            turns = [ScoredTurn(u["speaker"], u["text"], u["sentiment"], u["cue"], u["t"],
                                u["t_end"]) for u in call["utterances"]]
            card = scorecard(turns, lexicon, call["lang"])
            by_flow[call["flow"]].append(card["score"])
            taboo_by_flow[call["flow"]].append(card["items"]["taboo"]["passed"])
    mean = {flow: sum(v) / len(v) for flow, v in by_flow.items()}
    assert mean["smooth"] > 90 and mean["rough_recovered"] > 80
    assert mean["agent_misconduct"] < 50
    assert sum(taboo_by_flow["agent_misconduct"]) / 30 < 0.4  # most misconduct is caught
    assert all(taboo_by_flow["smooth"])


def test_precomputed_turn_matches_give_the_same_scorecard(lexicon):
    from models.scorecard import turn_matches

    lines = (ROOT / "data" / "calls" / "calls.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[:60]:
        call = json.loads(line)
        turns = [ScoredTurn(u["speaker"], u["text"], "negative" if i % 4 == 1 else "neutral",
                            "none", u.get("t"), u.get("t_end"))
                 for i, u in enumerate(call["utterances"])]
        hits = [turn_matches(t.text, t.speaker, lexicon) for t in turns]
        assert scorecard(turns, lexicon, call["lang"], hits=hits) == \
            scorecard(turns, lexicon, call["lang"])
