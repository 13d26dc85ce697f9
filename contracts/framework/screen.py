"""The personal-data screen: does a text or a number carry what identifies a person?

A transaction is stored in its block even when its contract refuses it, so the node runs
this screen on every argument before a transaction reaches the mempool (see
:mod:`contracts.framework.declarations`), and on the text of every transaction of a proposed
block (``arguments.get_screening_problem``). It is not part of the state transition:
contracts never call it, so tightening it changes no state root. Validators must agree on
proposals, so it depends only on the text and on the Unicode database of the one Python
version every validator runs.

A value is first normalised the way a person would read it, so disguises do not help:

- NFKC (full-width digits and letters, ``＠``, ``＋``, circled digits become ASCII);
- every Unicode decimal digit and the Chinese numerals 〇一二三四五六七八九零 become 0-9;
- invisible characters (zero-width spaces and joiners, bidirectional controls, the BOM, soft
  hyphens: Unicode category Cf) are removed;
- separators (spaces of any kind, dashes, dots, slashes, brackets) between two digits are
  removed, so ``138 0013-8000`` reads ``13800138000``.

It then recognises (:func:`find_personal_data` returns which):

- resident ID numbers (居民身份证号码): 18 characters with a birth date, or 17 digits and a
  valid GB 11643 check character; the 15-digit first generation;
- unified social credit codes (统一社会信用代码): the GB 32100 layout, or any 18-character token of
  its alphabet with a valid GB 32100 check character;
- mainland mobile numbers, with or without ``+86``/``0086``/``86``; landline numbers with an
  area code (``010 1234 5678``, ``+86 755 8888 8888``);
- bank card numbers: 16 to 19 digits passing the Luhn check;
- e-mail addresses (also ``[at]`` and ``(at)`` spellings);
- passport and travel permit numbers (``E12345678``, ``EA1234567``, ``G12345678``);
- a Chinese personal name together with a street address down to the house number.

Digits inside a longer run of digits are not matched (a 31-digit certificate serial holds no
phone number), which keeps random tokens from being refused by chance; SHA-256 digests and
holder ids inside a longer value are blanked first (:func:`find_personal_data_past_digests`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from contracts.framework import formats
from contracts.framework.check_characters import (
    is_gb11643_valid,
    is_gb32100_valid,
    is_luhn_valid,
)

# --- Normalisation ------------------------------------------------------------------------

_CHINESE_DIGITS: Final = {ord(c): str(i) for i, c in enumerate("〇一二三四五六七八九")} | {
    ord("零"): "0"
}
_SEPARATOR: Final = r"[\s\-\u2010-\u2015\u2212\u30fc\ufe58\ufe63.\u00b7\u30fb/()\[\]]"
_BETWEEN_DIGITS_RE: Final = re.compile(f"(?<=[0-9]){_SEPARATOR}+(?=[0-9]|[Xx](?![0-9A-Za-z]))")
"""Separators between two digits, or before a lone X (a resident ID number's check
character)."""


def _is_invisible(char: str) -> bool:
    # Cf: zero-width space/joiners, bidi controls, BOM, soft hyphen, word joiner. The Hangul
    # fillers and Mongolian vowel separator render as nothing too.
    return unicodedata.category(char) == "Cf" or char in "\u115f\u1160\u3164\uffa0\u180e"


def clean(text: str) -> str:
    """``text`` in NFKC with every decimal digit as ASCII and invisible characters removed."""
    if text.isascii():
        # Exactly what the walk gives (tested), without it: ASCII is its own NFKC form and
        # holds no Chinese numeral, no format (Cf) character and no decimal digit but 0-9.
        return text
    return walk_clean(text)


def walk_clean(text: str) -> str:
    """:func:`clean` the long way, character by character."""
    text = unicodedata.normalize("NFKC", text).translate(_CHINESE_DIGITS)
    out: list[str] = []
    for char in text:
        if _is_invisible(char):
            continue
        if not "0" <= char <= "9":
            digit = unicodedata.decimal(char, None)
            if digit is not None:
                char = str(digit)
        out.append(char)
    return "".join(out)


def normalise(text: str) -> str:
    """:func:`clean`, then separators between two digits removed."""
    return _BETWEEN_DIGITS_RE.sub("", clean(text))


# --- Recognisers --------------------------------------------------------------------------

# Numbers are recognised as whole tokens: a digit run glued to letters is part of a random
# token (a UUID's groups, base64), whose digits would match by chance. (The dated ID number
# layouts of ``formats.contains_personal_identifier`` are matched inside tokens too.)
_NOT_DIGIT_BEFORE: Final = "(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER: Final = "(?![0-9A-Za-z])"
_NOT_ALNUM_BEFORE: Final = "(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER: Final = "(?![0-9A-Za-z])"

_ID18_RE: Final = re.compile(f"{_NOT_DIGIT_BEFORE}[0-9]{{17}}[0-9Xx]{_NOT_ALNUM_AFTER}")
_USCC_TOKEN_RE: Final = re.compile(
    f"{_NOT_ALNUM_BEFORE}[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{{18}}{_NOT_ALNUM_AFTER}"
)
_MOBILE_RE: Final = re.compile(
    f"{_NOT_DIGIT_BEFORE}(?:\\+?86|0086)?1[3-9][0-9]{{9}}{_NOT_DIGIT_AFTER}"
)
_AREA: Final = "(?:10|2[0-9]|[3-9][0-9]{2})"
_LANDLINE_RE: Final = re.compile(
    f"(?:(?:\\+|00)860?|{_NOT_DIGIT_BEFORE}0){_AREA}[2-9][0-9]{{6,7}}{_NOT_DIGIT_AFTER}"
)
_CARD_RE: Final = re.compile(f"{_NOT_DIGIT_BEFORE}[1-9][0-9]{{15,18}}{_NOT_DIGIT_AFTER}")
_EMAIL_RE: Final = re.compile(
    "[A-Za-z0-9._%+\\-]+\\s*(?:@|[\\[(]\\s*(?:at|AT)\\s*[\\])])\\s*"
    "[A-Za-z0-9\\-]+(?:\\s*(?:\\.|[\\[(]\\s*(?:dot|DOT)\\s*[\\])])\\s*[A-Za-z0-9\\-]+)+"
)
_PASSPORT_RE: Final = re.compile(
    f"{_NOT_ALNUM_BEFORE}[CDEGHMPS](?:[A-Z][0-9]{{7}}|[\\s\\-]?[0-9]{{8}}){_NOT_ALNUM_AFTER}",
    re.IGNORECASE,
)

_HAN: Final = "\u4e00-\u9fff"
_NUMBER: Final = "[0-9十百]+"
_ADDRESS_RE: Final = re.compile(
    f"(?:[{_HAN}]{{1,12}}(?:路|街|道|巷|弄|胡同|村|组|小区|社区|花园|苑|公寓|大厦|里)"
    f"\\s*{_NUMBER}\\s*(?:号|弄|栋|幢|座)|{_NUMBER}\\s*(?:号楼|栋|幢|单元|室))"
)
"""A street address down to the house (or flat) number: a department's or a city's name alone
is not an address of a person."""

_NAME_MARKER_RE: Final = re.compile(
    "姓名|名字|收件人|联系人|户主|本人|持证人|申请人|家住|住址|住在|居住|现住|家庭地址|户籍地"
)
_SURNAMES: Final = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳"
    "甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES: Final = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟")
_HAN_TOKEN_RE: Final = re.compile(f"[{_HAN}]+")


def _has_name_token(text: str) -> bool:
    """Whether ``text`` has a 2-4 character run of Han characters on its own (between
    non-Han characters) that starts with a common surname: how a name is written beside an
    address (``张伟, 北京市…``)."""
    for token in _HAN_TOKEN_RE.findall(text):
        if 2 <= len(token) <= 4 and (
            token[0] in _SURNAMES or (len(token) >= 3 and token[:2] in _COMPOUND_SURNAMES)
        ):
            return True
    return False


def _find_id_number(text: str) -> bool:
    return any(is_gb11643_valid(match.group().upper()) for match in _ID18_RE.finditer(text))


def _find_credit_code(text: str) -> bool:
    return any(is_gb32100_valid(m.group().upper()) for m in _USCC_TOKEN_RE.finditer(text))


def _find_card(text: str) -> bool:
    return any(is_luhn_valid(m.group()) for m in _CARD_RE.finditer(text))


def find_personal_data(text: str) -> str | None:
    """What personal data ``text`` holds (e.g. ``"a mobile number"``), or None.

    The layouts already refused inside ids (``formats.contains_personal_identifier``) are
    covered too, so anything a contract would refuse as personal, this screen refuses first.
    """
    cleaned = clean(text)
    joined = _BETWEEN_DIGITS_RE.sub("", cleaned)
    if _MOBILE_RE.search(joined) is not None:
        return "a mobile number"
    if _find_id_number(joined):
        return "a resident ID number"
    if formats.contains_personal_identifier(joined) or _find_credit_code(joined):
        return "a resident ID number or a unified social credit code"
    if _LANDLINE_RE.search(joined) is not None:
        return "a telephone number"
    if _find_card(joined):
        return "a bank card number"
    if _EMAIL_RE.search(cleaned) is not None:
        return "an e-mail address"
    if _PASSPORT_RE.search(joined) is not None:
        return "a passport number"
    if _ADDRESS_RE.search(joined) is not None and (
        _NAME_MARKER_RE.search(joined) is not None or _has_name_token(joined)
    ):
        return "a name with an address"
    return None


_DIGEST_OR_HOLDER_RE: Final = re.compile(r"hd[0-9a-f]{40}|[0-9a-f]{64}")
"""A SHA-256 digest (64 hex digits) or a holder id (``hd`` and 40 hex digits)."""


def find_personal_data_past_digests(text: str) -> str | None:
    """:func:`find_personal_data` of ``text`` with its digests and holder ids blanked: inside
    a longer value (JSON of field commitments, a scope) they are random hex, whose digit runs
    could look like a phone number by chance."""
    return find_personal_data(_DIGEST_OR_HOLDER_RE.sub(" ", text))


def find_personal_number(value: int) -> str | None:
    """What personal data an integer argument's decimal digits hold, or None (an ID number,
    a mobile or bank card number sent as a number instead of text)."""
    if value < 0:
        value = -value
    return find_personal_data(str(value))
