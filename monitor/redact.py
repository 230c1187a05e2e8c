"""PII redaction: personal numbers and addresses are replaced by placeholder tokens before a
turn is scored, stored or published.

QA scorecard, caller style, PII redaction
-----------------------------------------
Every utterance passes through :class:`Redactor` (or :func:`redact`) first, so nothing past
the monitor's edge (classifier, store, MQTT, dead letters) sees the raw number. Each hit is
replaced by a token the classifier still sees as text (its character n-grams learn that
``[card]`` was said):

======  ================================================================================
token   what is caught
======  ================================================================================
[CARD]  payment card numbers: 13-19 digits, optionally grouped by spaces/dashes, first digit
        2-6 (the ISO/IEC 7812 banking and travel ranges), Luhn-valid. A 16-digit order number
        that fails Luhn is kept.
[PHONE] ``+CC`` / ``00CC`` international numbers (8-15 digits); mainland China mobiles
        (1[3-9] + 9 digits); Taiwan mobiles (09 + 8 digits); UK mobiles (07 + 9 digits);
        trunk-prefixed landlines written with separators (``02-2345-6789``, ``020 7946
        0018``, ``0755-1234 5678``: starts with 0, 9-12 digits, every group after the area
        code has 3+ digits); North American numbers in 3-3-4 layout (``(415) 555-0134``,
        ``415-555-0134``); and, only next to a phone word (phone, mobile, call, 電話, 手機,
        手提, 联系, ...), bare 10-digit North American numbers and 7-8 digit local numbers
        (Hong Kong ``9123 4567``, US ``555 0148``).
[EMAIL] e-mail addresses (``@`` and full-width ``＠``), and spoken ones of the form
        ``j dot ellis at fastmail dot com`` (also ``小老鼠`` / ``艾特`` for at, 點/点 for dot).
[ID]    mainland China resident ID (18 characters, GB 11643 check digit, plausible birth
        date); Taiwan national ID (letter + 1/2/8/9 + 8 digits, check digit); Hong Kong ID
        (1-2 letters + 6 digits + check digit, with or without brackets).
[IBAN]  IBANs: country code, check digits, length per the country's registered length, mod-97.
======  ================================================================================

Spoken digits in ASR text are caught too: English digit words (``four one one one ...``,
``oh``, ``double five``, ``triple nine``, a leading ``plus``) and Chinese digit characters
(一二三…, 幺 for 1, 〇/零/洞 for 0, 两/兩 for 2); a run of 7 or more is checked with the same
card/phone/ID rules (bare 10-digit and 7-8 digit numbers still need a phone word nearby).
Full-width digits and letters (``４１１１…``) are read as their ASCII forms.

Not caught, on purpose or for lack of a reliable signal: the last four digits of a card or ID
("card ending 2290": truncated numbers are not PII under PCI DSS); account, order, policy and
tracking numbers (no checksum, and supervisors need them); spoken numbers that mix digit words
with tens ("forty one"), or ASCII digits with digit words; numbers split across turns; postal
addresses and names; national IDs of other countries; Taiwan/HK landlines written without
separators and without a phone word; phone numbers shorter than 7 digits. Already-masked
numbers (``4111 **** **** 1111``) are left alone. Redaction is idempotent: the tokens hold no
digits, so a second pass finds nothing new.

The hot path (:meth:`Redactor.redact`) returns the input unchanged, without further work, when
the text has fewer than six digit-like characters and no ``@``/spoken-address hint, which is
most turns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

KINDS = ("card", "phone", "email", "id", "iban")
TOKENS = {kind: f"[{kind.upper()}]" for kind in KINDS}
MIN_DIGITS = 7  # below this a run of digits is never one of the numbers above


@dataclass(frozen=True)
class RedactConfig:
    """Which kinds of PII are replaced (all by default); ``spoken`` also reads digits and
    addresses spoken as words."""

    card: bool = True
    phone: bool = True
    email: bool = True
    id: bool = True
    iban: bool = True
    spoken: bool = True

    def kinds(self) -> frozenset[str]:
        return frozenset(k for k in KINDS if getattr(self, k))


DEFAULT = RedactConfig()


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: tuple[str, ...]  # the kinds replaced, in order of first appearance, no repeats


# --- checksums -------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"


def cn_resident_id_ok(value: str) -> bool:
    """GB 11643-1999: 6-digit region, YYYYMMDD birth date, 3-digit sequence, mod 11-2 check."""
    value = value.upper()
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", value):
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _CN_WEIGHTS, strict=True))
    return _CN_CHECK[total % 11] == value[17]


# Letter values of the Taiwan ID (the order the letters were assigned to cities, not A-Z).
_TW_LETTERS = {c: v for v, c in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)}


def tw_national_id_ok(value: str) -> bool:
    value = value.upper()
    if not re.fullmatch(r"[A-Z][1289]\d{8}", value):
        return False
    letter = _TW_LETTERS[value[0]]
    total = letter // 10 + (letter % 10) * 9
    total += sum(int(c) * w for c, w in zip(value[1:9], range(8, 0, -1), strict=True))
    return (total + int(value[9])) % 10 == 0


def hk_id_ok(value: str) -> bool:
    """1-2 letters, 6 digits, check digit 0-9 or A (brackets and spaces ignored)."""
    value = re.sub(r"[\s()]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{1,2}\d{6}[\dA]", value):
        return False
    body, check = value[:-1].rjust(8), value[-1]  # one letter: a leading space worth 36
    values = [36 if c == " " else (ord(c) - 55 if c.isalpha() else int(c)) for c in body]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    expected = (11 - remainder) % 11
    return check == ("A" if expected == 10 else str(expected))


# Registered IBAN lengths per country (SWIFT IBAN registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_ok(value: str) -> bool:
    value = re.sub(r"[\s-]", "", value).upper()
    if _IBAN_LENGTHS.get(value[:2]) != len(value) or not value.isalnum():
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# --- number classification -----------------------------------------------------------------

_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_TW_MOBILE = re.compile(r"09\d{8}")
_UK_MOBILE = re.compile(r"07\d{9}")
_NANP = re.compile(r"1?[2-9]\d{2}[2-9]\d{6}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")


PhoneWord = bool | Callable[[], bool]


def classify_number(groups: list[str], *, plus: bool = False, spoken: bool = False,
                    phone_word: PhoneWord = False) -> str | None:
    """``card``, ``phone``, ``id`` or None for one number given as its digit groups (spoken
    numbers come as a single group: their layout is unknown). ``phone_word`` says whether a
    phone word is nearby (or a function that finds out, called only when a rule needs it)."""
    digits = "".join(groups)
    n = len(digits)
    if n == 18 and cn_resident_id_ok(digits):
        return "id"
    if plus or (digits.startswith("00") and n >= 10):
        national = digits[2:] if not plus else digits
        return "phone" if 8 <= len(national) <= 15 and national[0] != "0" else None
    if 13 <= n <= 19 and digits[0] in "23456" and luhn_ok(digits):
        return "card"
    if _is_phone(groups, digits, spoken=spoken, phone_word=phone_word):
        return "phone"
    return None


def _is_phone(groups: list[str], digits: str, *, spoken: bool, phone_word: PhoneWord) -> bool:
    n = len(digits)
    near = phone_word if callable(phone_word) else lambda: phone_word
    if any(p.fullmatch(digits) for p in (_CN_MOBILE, _TW_MOBILE, _UK_MOBILE)):
        return True
    if digits[0] == "0" and 9 <= n <= 12:
        laid_out = len(groups) >= 2 and all(len(g) >= 3 for g in groups[1:])
        if laid_out or (spoken and n >= 10) or near():
            return True
    if _NANP.fullmatch(digits):
        lengths = [len(g) for g in groups]
        if lengths in ([3, 3, 4], [1, 3, 3, 4]) or near():
            return True
    return bool(_LOCAL.fullmatch(digits)) and near()


# --- the text scan ---------------------------------------------------------------------------


def _scan_table() -> dict[int, str]:
    """Full-width digits, letters and signs to ASCII and ASCII letters to lower case, one
    character for one (so a span in the scan copy is the same span in the original)."""
    table = {code: chr(code - 0xFEE0).lower() for code in range(0xFF01, 0xFF5F)}
    table.update({code: chr(code).lower() for code in range(ord("A"), ord("Z") + 1)})
    table[0x3000] = " "
    table[0x00A0] = " "
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(dash)] = "-"
    return table


_SCAN = _scan_table()
_EN_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_EN_WORD = "(?:" + "|".join(_EN_DIGIT_WORDS) + ")"
_ZH_DIGIT = "[〇零一二三四五六七八九幺两兩洞]"
_ZH_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")}
_ZH_DIGITS.update({"〇": "0", "洞": "0", "幺": "1", "两": "2", "兩": "2"})

# Cheap hints, tried on every turn. They may over-count ("someone" holds "one"): a false
# hint only costs the full scan, which then finds nothing.
_DIGIT_HINT = re.compile(r"[0-9０-９〇零一二三四五六七八九幺两兩洞]")
_EN_HINT = re.compile(r"[zontfse](?:ero|h|ought|ne|wo|hree|our|ive|ix|even|ight|ine)\b")
HINT_DIGITS = 6  # a Hong Kong ID has 6 digits and a check character
_ASCII_DIGIT = re.compile(r"[0-9]")
_LETTER_DIGIT = re.compile(r"[a-z]\d")
_ZH_DIGIT_RE = re.compile(_ZH_DIGIT)

# The detectors run on the scan copy: ASCII, lower case.
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
)
_DOT = r"(?:\s*\bdot\b\s*|\s*[點点]\s*)"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![a-z0-9])[a-z0-9]+(?:(?:{_DOT}|[._-])[a-z0-9]+){{0,4}}"  # bounded: linear time
    rf"\s*(?:\bat\b|小老鼠|艾特)\s*[a-z0-9-]+(?:{_DOT}[a-z0-9-]+){{0,3}}"
    rf"{_DOT}(?:com|net|org|edu|gov|io|co|uk|cn|tw|hk|me|info)(?![a-z0-9])"
)
_CN_ID = re.compile(
    r"(?<![a-z0-9])[1-9]\d{5} ?(?:18|19|20)\d{2}[01]\d[0-3]\d ?\d{3}[\dx](?![a-z0-9])"
)
_TW_ID = re.compile(r"(?<![a-z0-9])[a-z][1289]\d{8}(?![a-z0-9])")
_HK_ID = re.compile(r"(?<![a-z0-9])[a-z]{1,2}\d{6} ?(?:\( ?[0-9a] ?\)|[0-9a](?![a-z0-9]))")
_IBAN = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[ -]?[a-z0-9]){11,30}")
_RUN = re.compile(r"(?<![a-z0-9])(?:\+ ?|\(\+?)?\d+(?:[ .()-]{1,3}\d+)*")
_GROUP = re.compile(r"\d+")
_EN_RUN = re.compile(
    rf"(?<![a-z])(?:plus\s+)?(?:(?:double|triple)\s+)?{_EN_WORD}\b"
    rf"(?:[\s,.-]+(?:(?:double|triple)\s+)?{_EN_WORD}\b)*"
)
_ZH_RUN = re.compile(rf"{_ZH_DIGIT}(?:[\s,，、-]*{_ZH_DIGIT})+")
_PHONE_WORD = re.compile(
    r"\b(?:phone|mobile|cell|tel\b|telephone|call|ring\b|reach me|contact|whats ?app"
    r"|text me|landline|fax)|電話|电话|手機|手机|手提|聯絡|联络|聯繫|联系|致電|致电|打給|打给"
    r"|回電|回电|傳真|传真|門號|门号|来电|來電"
)
_CONTEXT_BEFORE, _CONTEXT_AFTER = 30, 16
_MAX_GROUPS = 8


class _Scan:
    """A same-length folded copy of the text; spans found are masked out of it so later
    detectors do not see them again."""

    def __init__(self, text: str) -> None:
        self.text = text.translate(_SCAN)
        self.hits: list[tuple[int, int, str]] = []

    def claim(self, start: int, end: int, kind: str) -> None:
        self.hits.append((start, end, kind))
        self.text = self.text[:start] + "\x00" * (end - start) + self.text[end:]

    def phone_word_near(self, start: int, end: int) -> Callable[[], bool]:
        """Asked only by the rules that need a phone word (most numbers decide without)."""

        def near() -> bool:
            window = self.text[max(0, start - _CONTEXT_BEFORE) : end + _CONTEXT_AFTER]
            return _PHONE_WORD.search(window) is not None

        return near


def _find_emails(scan: _Scan) -> None:
    if "@" in scan.text:
        for m in list(_EMAIL.finditer(scan.text)):
            scan.claim(m.start(), m.end(), "email")


def _find_spoken_emails(scan: _Scan) -> None:
    text = scan.text
    if ("dot" in text or "點" in text or "点" in text) and (
        "at" in text or "小老鼠" in text or "艾特" in text
    ):
        for m in list(_SPOKEN_EMAIL.finditer(text)):
            scan.claim(m.start(), m.end(), "email")


def _find_ids(scan: _Scan, kinds: frozenset[str], digits: int) -> None:
    checks: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = []
    lettered = _LETTER_DIGIT.search(scan.text) is not None  # IBAN, TW and HK ids need one
    if "iban" in kinds and lettered:
        checks.append(("iban", _IBAN, lambda _: True))
    if "id" in kinds and digits >= 17:
        checks.append(("id", _CN_ID, lambda s: cn_resident_id_ok(s.replace(" ", ""))))
    if "id" in kinds and lettered:
        checks += [("id", _TW_ID, tw_national_id_ok), ("id", _HK_ID, hk_id_ok)]
    for kind, pattern, ok in checks:
        for m in list(pattern.finditer(scan.text)):
            span = _iban_span(scan.text, m) if kind == "iban" else (m.start(), m.end())
            if span is not None and ok(scan.text[span[0] : span[1]]):
                scan.claim(*span, kind)


def _iban_span(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """The candidate cut to its country's registered length (it may run into the next word)."""
    length = _IBAN_LENGTHS.get(m.group()[:2].upper())
    if length is None:
        return None
    count = 0
    for i in range(m.start(), m.end()):
        if text[i].isalnum():
            count += 1
            if count == length:
                return (m.start(), i + 1) if iban_ok(text[m.start() : i + 1]) else None
    return None


def _find_digit_runs(scan: _Scan, kinds: frozenset[str]) -> None:
    for m in list(_RUN.finditer(scan.text)):
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(scan.text, m.start(), m.end())]
        if sum(e - s for s, e in groups) < MIN_DIGITS:
            continue
        plus = "+" in m.group()[:2]
        for start, end, kind in _windows(scan, groups, m.start(), plus):
            if kind in kinds:
                scan.claim(start, end, kind)


def _windows(scan: _Scan, groups: list[tuple[int, int]], run_start: int,
             plus: bool) -> Iterator[tuple[int, int, str]]:
    """The longest valid numbers in a run of digit groups, left to right: a card number
    followed by an expiry date, or two phone numbers in a row, are found separately."""
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + _MAX_GROUPS) - 1, i - 1, -1):
            parts = [scan.text[s:e] for s, e in groups[i : j + 1]]
            if not MIN_DIGITS <= sum(map(len, parts)) <= 19:
                continue
            start = run_start if i == 0 else groups[i][0]
            kind = classify_number(parts, plus=plus and i == 0, spoken=False,
                                   phone_word=scan.phone_word_near(start, groups[j][1]))
            if kind is not None:
                yield start, groups[j][1], kind
                i = j
                break
        i += 1


def _find_spoken_numbers(scan: _Scan, kinds: frozenset[str]) -> None:
    passes = []
    if len(_EN_HINT.findall(scan.text)) >= MIN_DIGITS:
        passes.append((_EN_RUN, _en_digits))
    if len(_ZH_DIGIT_RE.findall(scan.text)) >= MIN_DIGITS:
        passes.append((_ZH_RUN, _zh_digits))
    for pattern, to_digits in passes:
        for m in list(pattern.finditer(scan.text)):
            digits = to_digits(m.group())
            if len(digits) < MIN_DIGITS:
                continue
            kind = classify_number([digits], plus=m.group().startswith("plus"), spoken=True,
                                   phone_word=scan.phone_word_near(m.start(), m.end()))
            if kind in kinds:
                scan.claim(m.start(), m.end(), kind)


def _en_digits(spoken: str) -> str:
    out, repeat = [], 1
    for word in re.findall(r"[a-z]+", spoken):
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
        elif word in _EN_DIGIT_WORDS:
            out.append(_EN_DIGIT_WORDS[word] * repeat)
            repeat = 1
    return "".join(out)


def _zh_digits(spoken: str) -> str:
    return "".join(_ZH_DIGITS[c] for c in spoken if c in _ZH_DIGITS)


def _worth_scanning(text: str, spoken: bool) -> bool:
    """False for the turns that cannot hold anything redact() replaces (most of them)."""
    if "@" in text or "＠" in text or len(_DIGIT_HINT.findall(text)) >= HINT_DIGITS:
        return True
    if not spoken:
        return False
    low = text.lower()
    return (
        "dot" in low or "小老鼠" in text or "艾特" in text
        or (("點" in text or "点" in text) and "at" in low)
        or len(_EN_HINT.findall(low)) >= MIN_DIGITS
    )


def redact(text: str, config: RedactConfig = DEFAULT) -> Redacted:
    """Replace the PII in ``text`` by tokens; ``kinds`` says which kinds were found."""
    kinds = _kinds(config)
    if not kinds or not _worth_scanning(text, config.spoken):
        return Redacted(text, ())
    scan = _Scan(text)
    if "email" in kinds:
        _find_emails(scan)
        if config.spoken:
            _find_spoken_emails(scan)
    digits = len(_ASCII_DIGIT.findall(scan.text))
    if digits >= HINT_DIGITS:
        _find_ids(scan, kinds, digits)
        _find_digit_runs(scan, kinds)
    if config.spoken:
        _find_spoken_numbers(scan, kinds)
    if not scan.hits:
        return Redacted(text, ())
    return _replace(text, scan.hits)


@lru_cache(maxsize=64)
def _kinds(config: RedactConfig) -> frozenset[str]:
    return config.kinds()


def _replace(text: str, hits: list[tuple[int, int, str]]) -> Redacted:
    pieces, found, pos = [], [], 0
    for start, end, kind in sorted(hits):
        pieces += [text[pos:start], TOKENS[kind]]
        pos = end
        if kind not in found:
            found.append(kind)
    pieces.append(text[pos:])
    return Redacted("".join(pieces), tuple(found))


class Redactor:
    """The monitor's hot-path object: ``Redactor(enabled=config.redact).redact(text)`` returns
    the text to score and store (the same string object when there is nothing to replace)."""

    def __init__(self, config: RedactConfig = DEFAULT, *, enabled: bool = True) -> None:
        self.config = config
        self.enabled = enabled

    def redact(self, text: str) -> str:
        return redact(text, self.config).text if self.enabled else text

    def details(self, text: str) -> Redacted:
        return redact(text, self.config) if self.enabled else Redacted(text, ())
