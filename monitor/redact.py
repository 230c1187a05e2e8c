"""PII redaction: personal numbers and addresses are replaced by placeholder tokens before a
turn is scored, stored or published.

QA scorecard, caller style, PII redaction
-----------------------------------------
Every utterance passes through :func:`redact` first, so nothing past the monitor's edge
(classifier, store, MQTT) sees the raw number; dead-letter reasons and payloads and the
monitor's log lines go through it too (:func:`decode_escapes` first, so ``\\u0034``-escaped
digits are read as digits). Each hit is replaced by a token the classifier still sees as
text (its character n-grams learn that ``[card]`` was said):

======  ================================================================================
token   what is caught
======  ================================================================================
[CARD]  payment card numbers: 14-19 digits whose issuer prefix and length belong to a card
        scheme (Visa 4 with 16/19 digits, Mastercard 51-55/2221-2720, Amex 34/37, Diners,
        JCB, Discover, UnionPay 62, Maestro, Mir) and that pass Luhn (python-stdnum). A
        16-digit order number that fails either check is kept.
[PHONE] ``+CC`` / ``00CC`` international numbers (8-15 digits); mainland China mobiles
        (1[3-9] + 9 digits, valid per phonenumbers); Taiwan (09), UK (07) and Australian
        (04) mobiles; trunk-prefixed numbers laid out in groups (``02-2345-6789``, ``020
        7946 0018``, ``0755-1234 5678``: starts with 0, 9-12 digits, every group after the
        first has 3+ digits); North American numbers in 3-3-4 layout that phonenumbers
        accepts; and, only next to a phone word (phone, mobile, call, "my number", 電話,
        手機, 手提, 搵我, 联系, ...), bare numbers valid in one of US, GB, AU, IN, SG, HK,
        MO, TW, CN, and 7-8 digit local numbers (Hong Kong ``9123 4567``, US ``555 0148``).
        Toll-free, shared-cost, premium and universal-access numbers (``0800-000-123``,
        ``400-820-8820``) are a business's lines, not a person's: kept.
[EMAIL] e-mail addresses (``@``, full-width ``＠``, ``john @ example.com`` with a common
        top-level domain, internationalised names and domains: ``anna@müller.de``,
        ``kefu@例子.中国``); obfuscated ones (``john (at) example (dot) com``, ``[at]``);
        spoken ones (``j dot ellis at fastmail dot com``, ``小老鼠``/``艾特`` for at, 點/点
        for dot) - with the bare word "at" only after an e-mail word (email, mail, address,
        contact, 信箱, 邮箱, 電郵...), because "I looked at amazon dot com" is not one.
[ID]    mainland China resident ID (18 characters, python-stdnum ``cn.ric``: birth date and
        check digit, in any grouping or spaced out); Taiwan national ID (letter + 1/2/8/9 +
        8 digits, check digit); Hong Kong ID (1-2 letters + 6 digits + check character).
[IBAN]  IBANs (python-stdnum: the country's format and length, mod-97).
======  ================================================================================

How the text is read (:class:`_Fold`, one character for one, so a span found in the folded
copy is the same span in the original):

- any decimal digit is read as its ASCII digit (Arabic-Indic ``٤١١١``, Persian, Devanagari,
  full-width ``４１１１``, mathematical ``𝟒𝟏𝟏𝟏``: ``unicodedata.decimal``); other
  characters by their NFKC form when it is one character (full-width letters, ``＠``,
  ``（３）``), ASCII letters in lower case;
- zero-width characters, soft hyphens and every kind of space (thin, narrow no-break,
  ideographic) are read as a space, dashes as ``-``;
- Chinese digit characters (一二三…, 幺 for 1, 〇/零/洞 for 0, 两/兩 for 2) are read as
  digits, so spoken and mixed numbers (``幺三八 0013 5678``) go through the same rules;
- digit groups may be separated by space, ``-``, ``.``, ``()``; ``/``, ``_``, ``,`` and
  ``、`` also separate a card or ID, but a phone number written with them needs a phone word
  (``12/05/2024`` is a date);
- digits separated by single spaces, as speech recognition writes them (``4 1 1 1 …``),
  are one number: it is never split in the middle;
- dates (``2024-05-02``, ``12/05/2024``, ``03.11.2023``) are set aside before numbers are
  read, so a date next to a number does not join it.

English digit words (``four one one one …``, ``oh``, ``double five``, ``triple nine``, a
leading ``plus``) are read the same way: a run of 7 or more goes through the card, phone and
ID rules ("my number is four one five five five five zero one three four" is a phone).

Not caught, on purpose or for lack of a reliable signal: the last four digits of a card or ID
("card ending 2290": truncated numbers are not PII under PCI DSS); account, order, policy and
tracking numbers (no checksum, and supervisors need them); postcodes (they name an area, not
a person) and postal addresses; names; spoken numbers that mix digit words with tens ("forty
one"); numbers split across turns; national IDs of other countries; landlines written without
separators and without a phone word; phone numbers shorter than 7 digits. Already-masked
numbers (``4111 **** **** 1111``) are left alone. Redaction is idempotent: the tokens hold no
digits, so a second pass finds nothing new.

The hot path returns the input unchanged, without further work, when the text has fewer than
six digit-like characters and no ``@``/spoken-address hint, which is most turns. Quality on
the hand-written set in data/redaction/ and speed: benchmarks/redaction_quality.py and
benchmarks/redact_speed.py.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.cn import ric
from stdnum.iso7064 import mod_97_10

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
    spans: tuple[tuple[int, int, str], ...] = ()  # (start, end, kind) in the input, in order


# --- checksums python-stdnum does not have ---------------------------------------------------

# Letter values of the Taiwan ID (the order the letters were assigned to cities, not A-Z).
_TW_LETTERS = {c: v for v, c in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)}


def tw_national_id_ok(value: str) -> bool:
    value = re.sub(r"\s", "", value).upper()
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


def cn_resident_id_ok(value: str) -> bool:
    return ric.is_valid(re.sub(r"[\s\-_/.]", "", value).upper())


# Card schemes: (first digits from, to, lengths). Issuer prefixes per ISO/IEC 7812 as the
# schemes publish them; a number outside every row is not a card (most order numbers).
_CARD_SCHEMES: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (4, 4, (16, 19)),  # Visa (13-digit Visas are long retired; EAN-13 barcodes start with 4)
    (51, 55, (16,)), (2221, 2720, (16,)),  # Mastercard
    (34, 34, (15,)), (37, 37, (15,)),  # American Express
    (300, 305, (14, 15, 16, 17, 18, 19)), (36, 36, (14, 15, 16, 17, 18, 19)),  # Diners
    (38, 39, (14, 15, 16, 17, 18, 19)),
    (3528, 3589, (16, 17, 18, 19)),  # JCB
    (6011, 6011, (16, 17, 18, 19)), (644, 649, (16, 17, 18, 19)), (65, 65, (16, 17, 18, 19)),
    (62, 62, (16, 17, 18, 19)),  # UnionPay (and Discover's co-brand)
    (50, 50, (16, 17, 18, 19)), (56, 58, (16, 17, 18, 19)), (63, 63, (16, 17, 18, 19)),
    (67, 67, (16, 17, 18, 19)),  # Maestro
    (2200, 2204, (16, 17, 18, 19)),  # Mir
)


_CARD_FIRST_DIGITS = frozenset(str(low)[0] for low, _, _ in _CARD_SCHEMES)


def card_number_ok(digits: str) -> bool:
    """A scheme's issuer prefix and length, and Luhn."""
    if digits[:1] not in _CARD_FIRST_DIGITS:  # most numbers stop here
        return False
    n, prefixes = len(digits), {k: int(digits[:k]) for k in range(1, 5)}
    for low, high, lengths in _CARD_SCHEMES:
        if n in lengths and low <= prefixes[len(str(low))] <= high:
            return luhn.is_valid(digits)
    return False


# --- phone numbers -----------------------------------------------------------------------------

REGIONS = ("US", "GB", "AU", "IN", "SG", "HK", "MO", "TW", "CN")
# A business's lines (toll-free, shared-cost, premium, universal access): not a person's.
_SERVICE = {phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE,
            phonenumbers.PhoneNumberType.SHARED_COST, phonenumbers.PhoneNumberType.UAN}


@lru_cache(maxsize=4096)
def phone_regions(digits: str) -> tuple[frozenset[str], bool]:
    """The regions of :data:`REGIONS` where ``digits`` (national form) is a valid number,
    and whether it is a service number in any of them."""
    valid, service = set(), False
    for region in REGIONS:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(number, region):
            if phonenumbers.number_type(number) in _SERVICE:
                service = True
            else:
                valid.add(region)
    return frozenset(valid), service


@lru_cache(maxsize=1024)
def _international_service(digits: str) -> bool:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in _SERVICE


_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_SHAPED_MOBILE = re.compile(r"09\d{8}|07[1-9]\d{8}|04\d{8}")  # TW, UK, AU: the shape says it
_NANP = re.compile(r"1?[2-9]\d{2}[2-9]\d{6}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")

PhoneWord = bool | Callable[[], bool]
SERVICE = "service"  # classify_number's answer for a business's line: kept as it is


def classify_number(groups: list[str], *, plus: bool = False, spoken: bool = False,
                    weak: bool = False, phone_word: PhoneWord = False) -> str | None:
    """``card``, ``phone``, ``id``, :data:`SERVICE` (a business's line, kept) or None for one
    number given as its digit groups (spoken numbers come as a single group: their layout is
    unknown). ``weak`` says a group was
    separated by ``/ _ ,``; ``phone_word`` whether a phone word is nearby (or a function
    that finds out, called only when a rule needs it)."""
    digits = "".join(groups)
    n = len(digits)
    if n == 18 and cn_resident_id_ok(digits):
        return "id"
    if not digits.isdigit():
        return None
    near = phone_word if callable(phone_word) else lambda: bool(phone_word)
    if plus or (digits.startswith("00") and n >= 10):
        national = digits if plus else digits[2:]
        if 8 <= len(national) <= 15 and national[0] != "0" and (not weak or near()):
            return SERVICE if _international_service(national) else "phone"
        return None
    if 14 <= n <= 19 and card_number_ok(digits):
        return "card"
    if not weak or near():
        return _phone(groups, digits, spoken=spoken, near=near)
    return None


def _phone(groups: list[str], digits: str, *, spoken: bool,
           near: Callable[[], bool]) -> str | None:
    """``phone``, :data:`SERVICE` (a business's line: kept, and not read again in parts) or
    None."""
    n = len(digits)
    lengths = [len(g) for g in groups]
    nanp_layout = lengths in ([3, 3, 4], [1, 3, 3, 4])
    if _CN_MOBILE.fullmatch(digits) and not nanp_layout:  # 1-800-555-0100 is not Chinese
        return "phone" if "CN" in phone_regions(digits)[0] else None
    if _SHAPED_MOBILE.fullmatch(digits):
        return "phone"
    if digits[0] == "0" and 9 <= n <= 12:
        laid_out = len(groups) >= 2 and all(len(g) >= 3 for g in groups[1:])
        if laid_out or (spoken and n >= 10) or near():
            return _valid(digits)
        return None
    if _NANP.fullmatch(digits) and (nanp_layout or near()):
        regions, service = phone_regions(digits)
        if service:
            return SERVICE
        if "US" in regions:
            return "phone"
    if not near():
        return None
    if _LOCAL.fullmatch(digits):
        return SERVICE if phone_regions(digits)[1] else "phone"
    return _valid(digits)


def _valid(digits: str) -> str | None:
    regions, service = phone_regions(digits)
    return SERVICE if service else ("phone" if regions else None)


# --- reading the text --------------------------------------------------------------------------

_ZH_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")}
_ZH_DIGITS.update({"〇": "0", "洞": "0", "幺": "1", "两": "2", "兩": "2"})
_ZH_DIGIT_CHARS = "".join(_ZH_DIGITS)
_SEPARATOR_CATEGORIES = {"Zs", "Cf"}  # every kind of space; zero-width and soft hyphen


class _Fold(dict):
    """A ``str.translate`` table, filled on first sight of each character: one character for
    one, so a span in the folded copy is the same span in the original."""

    def __init__(self, spoken: bool) -> None:
        super().__init__()
        self.spoken = spoken

    def __missing__(self, code: int) -> int | str:
        value = self._fold(chr(code))
        self[code] = value
        return value

    def _fold(self, char: str) -> int | str:
        if char.isascii():
            return char.lower()
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            return str(digit)
        if self.spoken and char in _ZH_DIGITS:
            return _ZH_DIGITS[char]
        if self.spoken and char == "叉":  # the X of a resident ID, read aloud
            return "x"
        category = unicodedata.category(char)
        if category in _SEPARATOR_CATEGORIES:
            return " "
        if category == "Pd" or char == "\u2212":
            return "-"
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded != char:
            return folded.lower() if folded.isascii() else folded
        return ord(char)


_FOLDS = {True: _Fold(spoken=True), False: _Fold(spoken=False)}

_EN_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_EN_WORD = "(?:" + "|".join(_EN_DIGIT_WORDS) + ")"

# Cheap hints, tried on every turn. They may over-count ("someone" holds "one"): a false
# hint only costs the full scan, which then finds nothing.

_DIGIT_HINT = re.compile(rf"[\d{_ZH_DIGIT_CHARS}]")  # any script's digits, Chinese digits
_PLAIN_DIGIT_HINT = re.compile(r"\d")
_EN_HINT = re.compile(r"[zontfse](?:ero|h|ought|ne|wo|hree|our|ive|ix|even|ight|ine)\b")
_AT_HINT = re.compile(r"\bat\b|小老鼠|艾特")
_DOT_HINT = re.compile(r"\bdot\b|[點点]|\.[a-z]{2}")
_DOMAIN_HINT = re.compile(r"\.[a-z]{2}")
HINT_DIGITS = 6  # a Hong Kong ID has 6 digits and a check character
_ASCII_DIGIT = re.compile(r"[0-9]")
_LETTER_DIGIT = re.compile(r"[a-z] ?\d")

# The detectors run on the folded copy: ASCII digits, ASCII letters in lower case.
_L = "a-z0-9\u00c0-\u024f"  # Latin letters, accented ones too (josé@, müller.de)
_LABEL = rf"[{_L}\u0370-\u03ff\u0400-\u04ff\u3400-\u9fff-]+"  # an internationalised label
_IDN_TLD = "中国|中國|香港|台灣|台湾|公司|网络|網絡|在线|商城|рф"
_COMMON_TLD = ("com|net|org|edu|gov|io|co|uk|cn|tw|hk|me|info|de|fr|es|it|nl|sg|au|in|jp|"
               "mo|biz|us|ca|at|ch|be|ie|nz|my|ph")
_EMAIL = re.compile(
    rf"(?<![{_L}._%+-])[{_L}][{_L}._%+-]*@{_LABEL}(?:\.{_LABEL})*"
    rf"\.(?:[a-z]{{2,}}(?![{_L}])|{_IDN_TLD})"
)
_SPACED_EMAIL = re.compile(  # "john @ example.com": only with a common top-level domain
    rf"(?<![{_L}._%+-])[{_L}][{_L}._%+-]* @ {_LABEL}(?:\.{_LABEL})*\.(?:{_COMMON_TLD})"
    rf"(?![{_L}])"
)
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_SAID_AT = rf"\s*(?:\bat\b|{_OPEN}\s*at\s*{_CLOSE}|小老鼠|艾特)\s*"
_SAID_DOT = rf"(?:\s*\bdot\b\s*|\s*{_OPEN}\s*dot\s*{_CLOSE}\s*|\s*[點点]\s*)"
_SAID_JOIN = (r"\s*(?:\bunderscore\b|\bdash\b|\bhyphen\b|下划线|下劃線|底线|底線|横杠|橫槓"
              r"|中划线|中劃線)\s*")
_SPOKEN_EMAIL = re.compile(
    rf"(?<![a-z0-9])[a-z0-9]+(?:(?:{_SAID_DOT}|{_SAID_JOIN}|[._-])[a-z0-9]+){{0,4}}"  # linear
    rf"{_SAID_AT}[a-z0-9-]+(?:(?:{_SAID_DOT}|\.)[a-z0-9-]+){{0,3}}"
    rf"(?:{_SAID_DOT}|\.)(?:{_COMMON_TLD})(?![a-z0-9])"
)
_UNAMBIGUOUS_AT = re.compile(rf"{_OPEN}\s*at\s*{_CLOSE}|{_OPEN}\s*dot\s*{_CLOSE}|小老鼠|艾特")
_EMAIL_WORD = re.compile(
    r"e-?mail|\bmail|address|\bcontact|reach me|write to|send (?:it|them|this|that) to"
    r"|郵|邮|信箱|電郵|电邮"
)
_DATE = re.compile(  # set aside before numbers are read (they are not PII, and join numbers)
    r"(?<![0-9])(?:(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|1[0-2]|[12]\d|3[01])\2(?:19|20)?\d{2})"
    r"(?![0-9])"
)
_CN_ID = re.compile(r"(?<![a-z0-9])[1-9](?:[ \-_/.]?\d){16}[ \-_/.]?[\dx](?![a-z0-9])")
_TW_ID = re.compile(r"(?<![a-z0-9])[a-z] ?[1289](?: ?\d){8}(?![a-z0-9])")
_HK_ID = re.compile(r"(?<![a-z0-9])[a-z]{1,2}\d{6} ?(?:\( ?[0-9a] ?\)|[0-9a](?![a-z0-9]))")
_IBAN = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[ -]?[a-z0-9]){11,30}")
_SEPARATORS = r"[ .()\-/_,、]"
_WEAK = re.compile(r"[/_,、]")
_RUN = re.compile(rf"(?<![a-z0-9])(?:\+ ?|\(\+?)?\d+(?:{_SEPARATORS}{{1,3}}\d+)*")
_GROUP = re.compile(r"\d(?: \d(?![0-9]))+(?![0-9])|\d+")  # spaced single digits are one group
_EN_RUN = re.compile(
    rf"(?<![a-z])(?:plus\s+)?(?:(?:double|triple)\s+)?{_EN_WORD}\b"
    rf"(?:[\s,.-]+(?:(?:double|triple)\s+)?{_EN_WORD}\b)*"
)
_ZH_PHONE_WORDS = [
    "電話", "电话", "手機", "手机", "手提", "聯絡", "联络", "聯繫", "联系", "致電", "致电", "打給",
    "打给", "打俾", "打畀", "搵我", "回電", "回电", "傳真", "传真", "門號", "门号", "来电", "來電",
    "座機", "座机", "固話", "固话", "我的號碼", "我的号码", "我嘅號碼", "微信",
]
_PHONE_WORD = re.compile(
    r"\b(?:phone|mobile|cell|cellphone|handphone|tel|telephone|call(?:ed|ing)?|ring|reach me"
    r"|contact|whats ?app|text me|landline|fax|my number|number to call)\b|"
    # speech recognition spaces Chinese words out: 打 俾 我
    + "|".join(" ?".join(word) for word in _ZH_PHONE_WORDS)
)
_ID_WORD = re.compile(r"身份證|身分證|身份证|證件|证件|\bhkid\b|\bid\b|identity")
_CONTEXT_BEFORE, _CONTEXT_AFTER = 30, 16
_EMAIL_CONTEXT = _ID_CONTEXT = 40
_MAX_GROUPS = 8
_MAX_CARD_DIGITS = 19


class _Scan:
    """A same-length folded copy of the text; spans found are masked out of it so later
    detectors do not see them again."""

    def __init__(self, text: str, spoken: bool) -> None:
        # ASCII text folds to its lower case (the common case, and 20 times faster)
        self.text = text.lower() if text.isascii() else text.translate(_FOLDS[spoken])
        self.hits: list[tuple[int, int, str]] = []
        self._phone_words: list[tuple[int, int]] | None = None

    def claim(self, start: int, end: int, kind: str) -> None:
        self.hits.append((start, end, kind))
        self.mask(start, end, "\x00")

    def mask(self, start: int, end: int, fill: str = "\x01") -> None:
        self.text = self.text[:start] + fill * (end - start) + self.text[end:]

    def phone_word_near(self, start: int, end: int) -> Callable[[], bool]:
        """Asked only by the rules that need a phone word (most numbers decide without)."""

        def near() -> bool:
            if self._phone_words is None:
                self._phone_words = _phone_words(self.text)
            low, high = max(0, start - _CONTEXT_BEFORE), end + _CONTEXT_AFTER
            words = self._phone_words
            for k in range(bisect_left(words, (low, -1)), len(words)):
                if words[k][0] >= high:
                    return False
                if words[k][1] <= high:
                    return True
            return False

        return near


def _phone_words(text: str) -> list[tuple[int, int]]:
    """Where the phone words are, found once per turn (a hostile turn holds thousands of
    number windows, each asking)."""
    return [m.span() for m in _PHONE_WORD.finditer(text)]


def _find_emails(scan: _Scan, spoken: bool) -> None:
    if "@" in scan.text:
        for pattern in (_EMAIL, _SPACED_EMAIL):
            for m in list(pattern.finditer(scan.text)):
                scan.claim(m.start(), m.end(), "email")
    if spoken and _AT_HINT.search(scan.text) and _DOT_HINT.search(scan.text):
        for m in list(_SPOKEN_EMAIL.finditer(scan.text)):
            before = scan.text[max(0, m.start() - _EMAIL_CONTEXT) : m.start()]
            if _UNAMBIGUOUS_AT.search(m.group()) or _EMAIL_WORD.search(before):
                scan.claim(m.start(), m.end(), "email")


def _find_ids(scan: _Scan, kinds: frozenset[str], digits: int) -> None:
    checks: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = []
    lettered = _LETTER_DIGIT.search(scan.text) is not None  # IBAN, TW and HK ids need one
    if "iban" in kinds and lettered:
        checks.append(("iban", _IBAN, lambda _: True))
    if "id" in kinds and digits >= 17:
        checks.append(("id", _CN_ID, cn_resident_id_ok))
    if "id" in kinds and lettered:
        checks += [("id", _TW_ID, tw_national_id_ok), ("id", _HK_ID, hk_id_ok)]
    for kind, pattern, ok in checks:
        for m in list(pattern.finditer(scan.text)):
            span = _iban_span(scan.text, m) if kind == "iban" else (m.start(), m.end())
            if span is None or not ok(scan.text[span[0] : span[1]]):
                continue
            if pattern is _HK_ID and ")" not in m.group() and not _id_word_near(scan, m):
                continue  # "F1234567" passes the check one time in 11: a pick-up code
            scan.claim(*span, kind)


def _id_word_near(scan: _Scan, m: re.Match[str]) -> bool:
    window = scan.text[max(0, m.start() - _ID_CONTEXT) : m.end() + _CONTEXT_AFTER]
    return _ID_WORD.search(window) is not None


def _iban_span(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """The longest valid IBAN the candidate starts with (it may run into the next word);
    python-stdnum knows each country's length, so at most one cut is valid. Only cuts at
    the end of a group are tried: an IBAN ends where a group of characters ends."""
    count, ends = 0, []
    for i in range(m.start(), m.end()):
        if text[i].isalnum():
            count += 1
            # the shortest IBANs have 15 characters
            if count >= 15 and (i + 1 == len(text) or not text[i + 1].isalnum()):
                ends.append(i + 1)
    for end in reversed(ends):
        compact = "".join(c for c in text[m.start() : end] if c.isalnum()).upper()
        # the check digits first (cheap), the country's registered format only then (slow)
        if mod_97_10.is_valid(compact[4:] + compact[:4]) and stdnum_iban.is_valid(compact):
            return m.start(), end
    return None


def _find_digit_runs(scan: _Scan, kinds: frozenset[str]) -> None:
    for m in list(_RUN.finditer(scan.text)):
        run = m.group()
        if len(run) < MIN_DIGITS or len(_ASCII_DIGIT.findall(run)) < MIN_DIGITS:
            continue
        dated = False
        if "-" in run or "/" in run or "." in run:  # dates are set aside, and split the run
            for d in _DATE.finditer(scan.text, m.start(), m.end()):
                scan.mask(d.start(), d.end())
                dated = True
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(scan.text, m.start(), m.end())]
        plus = "+" in run[:2]
        for part in _split_at_masks(scan.text, groups) if dated else [groups]:
            run_start = m.start() if part[0] is groups[0] else part[0][0]
            first = run_start == m.start()
            for start, end, kind in _windows(scan, part, run_start, plus and first):
                if kind in kinds:
                    scan.claim(start, end, kind)


def _split_at_masks(text: str, groups: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The groups on either side of a set-aside date are separate runs."""
    parts = [[groups[0]]] if groups else []
    for before, group in pairwise(groups):
        if "\x01" in text[before[1] : group[0]]:
            parts.append([group])
        else:
            parts[-1].append(group)
    return parts


def _windows(scan: _Scan, groups: list[tuple[int, int]], run_start: int,
             plus: bool) -> Iterator[tuple[int, int, str]]:
    """The longest valid numbers in a run of digit groups, left to right: a card number
    followed by an expiry date, or two phone numbers in a row, are found separately."""
    parts = [scan.text[s:e].replace(" ", "") for s, e in groups]
    digits = list(accumulate((len(p) for p in parts), initial=0))  # digits before group k
    weak = list(accumulate((_WEAK.search(scan.text, groups[k][1], groups[k + 1][0]) is not None
                            for k in range(len(groups) - 1)), initial=0))  # weak gaps before k
    i = 0
    while i < len(groups):
        last = i
        while last < len(groups) and last - i < _MAX_GROUPS \
                and digits[last + 1] - digits[i] <= _MAX_CARD_DIGITS:
            last += 1
        for j in range(last - 1, i - 1, -1):
            if digits[j + 1] - digits[i] < MIN_DIGITS:
                break
            start = run_start if i == 0 else groups[i][0]
            kind = classify_number(parts[i : j + 1], plus=plus and i == 0,
                                   weak=weak[j] > weak[i],
                                   phone_word=scan.phone_word_near(start, groups[j][1]))
            if kind is not None:
                if kind != SERVICE:  # a service line is kept whole, not re-read in parts
                    yield start, groups[j][1], kind
                i = j
                break
        i += 1


def _find_spoken_numbers(scan: _Scan, kinds: frozenset[str]) -> None:
    if len(_EN_HINT.findall(scan.text)) < MIN_DIGITS:
        return
    for m in list(_EN_RUN.finditer(scan.text)):
        digits = _en_digits(m.group())
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


def _worth_scanning(text: str, spoken: bool) -> bool:
    """False for the turns that cannot hold anything redact() replaces (most of them)."""
    if "@" in text or "＠" in text or "﹫" in text:
        return True
    # most turns are ASCII, and a plain [0-9] count is twice as fast as \d
    digit_hint = _ASCII_DIGIT if text.isascii() else (_DIGIT_HINT if spoken else _PLAIN_DIGIT_HINT)
    if len(digit_hint.findall(text)) >= HINT_DIGITS:
        return True
    if not spoken:
        return False
    low = text.lower()
    return (
        "dot" in low or "小老鼠" in text or "艾特" in text
        or (("點" in text or "点" in text) and "at" in low)
        or (" at " in low and _DOMAIN_HINT.search(low) is not None)  # "sarah at yahoo.co.uk"
        or len(_EN_HINT.findall(low)) >= MIN_DIGITS
    )


def redact(text: str, config: RedactConfig = DEFAULT) -> Redacted:
    """Replace the PII in ``text`` by tokens; ``kinds`` says which kinds were found. The one
    entry point: turns, dead letters and log lines all come through here."""
    kinds = _kinds(config)
    if not kinds or not _worth_scanning(text, config.spoken):
        return Redacted(text, ())
    scan = _Scan(text, config.spoken)
    if "email" in kinds:
        _find_emails(scan, config.spoken)
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
    return Redacted("".join(pieces), tuple(found), tuple(sorted(hits)))


# --- text that quotes a payload: dead letters and log lines ----------------------------------

_ESCAPE = re.compile(
    r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})|\\U([0-9a-f]{8})"
    r"|\\x([0-9a-f]{2})",
    re.IGNORECASE,
)


def decode_escapes(text: str) -> str:
    """``\\u0034``, ``\\U0001d7d2`` and ``\\x34`` escapes (JSON and Python ``repr``) read as the
    characters they stand for, so redaction sees the digits. Lone surrogates become U+FFFD."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescape, text)


def _unescape(m: re.Match[str]) -> str:
    high, low, four, eight, two = m.groups()
    if high:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    code = int(four or eight or two, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return "\ufffd"
    return chr(code)


class RedactLogs(logging.Filter):
    """A handler filter: the message (and a traceback's text) of every record redacted, so a
    log line that quotes a rejected field does not carry the number on."""

    def filter(self, record: logging.LogRecord) -> bool:
        result = redact(decode_escapes(record.getMessage()))
        if result.kinds:
            record.msg, record.args = result.text, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(decode_escapes(
                logging.Formatter().formatException(record.exc_info))).text
        return True

