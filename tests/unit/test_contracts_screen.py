"""The personal-data screen: generated disguises of personal data are refused, the values
the chain really carries pass (issue 16 item 3).

Each refused family is drawn by hypothesis from a generator of valid numbers (check digits
computed, not copied) and disguised as a person would: spaces, dashes, dots, full-width
forms, zero-width characters, ``+86`` prefixes, Chinese numerals, surrounding words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from contracts.framework import check_characters, screen
from contracts.framework.arguments import get_screening_problem

NEAR_MISSES_PATH = Path(__file__).parent / "testdata" / "screen_near_misses.txt"


def _near_misses() -> list[str]:
    lines = NEAR_MISSES_PATH.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


# --- Valid personal numbers ---------------------------------------------------------------

REGIONS = ("110105", "370102", "310115", "440305", "510104", "650102")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """An 18-character resident ID number with a valid GB 11643 check character."""
    region = draw(st.sampled_from(REGIONS))
    year = draw(st.integers(1930, 2020))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region}{year:04d}{month:02d}{day:02d}{sequence:03d}"
    return first17 + check_characters.get_gb11643_check(first17)


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(("130", "135", "138", "139", "150", "166", "177", "186", "199")))
    return prefix + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A UnionPay-style card number (16 to 19 digits) with a valid Luhn check digit."""
    length = draw(st.integers(16, 19))
    body = "62" + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=length - 3, max_size=length - 3))
    )
    for check in "0123456789":
        if check_characters.is_luhn_valid(body + check):
            return body + check
    raise AssertionError("a Luhn check digit always exists")


_USCC = check_characters.GB32100_ALPHABET


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """A unified social credit code with a valid GB 32100 check character."""
    head = draw(st.sampled_from(("91", "92", "12", "52", "93")))
    region = draw(st.sampled_from(REGIONS))
    org = "".join(draw(st.lists(st.sampled_from(_USCC), min_size=9, max_size=9)))
    first17 = head + region + org
    return first17 + check_characters.get_gb32100_check(first17)


# --- Disguises ----------------------------------------------------------------------------

SEPARATORS = (" ", "-", "  ", " - ", ".", "\u3000", "\u2014", "\uff0d", "\u00a0")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a")
_FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+@."}
_CHINESE = {ord(str(i)): c for i, c in enumerate("〇一二三四五六七八九")}


@st.composite
def disguised(draw: st.DrawFn, value: str) -> str:
    """``value`` split into groups by a separator, perhaps full-width, in Chinese numerals or
    sprinkled with invisible characters."""
    chars = list(value)
    cuts = sorted(draw(st.sets(st.integers(1, len(chars) - 1), max_size=4)))
    separator = draw(st.sampled_from(SEPARATORS))
    pieces, start = [], 0
    for cut in [*cuts, len(chars)]:
        pieces.append("".join(chars[start:cut]))
        start = cut
    text = separator.join(pieces)
    form = draw(st.sampled_from(("plain", "full-width", "chinese", "invisible")))
    if form == "full-width":
        text = text.translate(_FULL_WIDTH)
    elif form == "chinese":
        text = text.translate(_CHINESE)
    elif form == "invisible":
        mark = draw(st.sampled_from(INVISIBLE))
        text = mark.join(text)
    return text


SURROUNDINGS = st.sampled_from(
    (
        ("", ""),
        ("holder ", " moved"),
        ("身份证号：", "，请核实"),
        ("ID:", ";"),
        ("(", ")"),
        ("电话", "。"),
    )
)


def _refused(text: str) -> None:
    assert screen.find_personal_data(text) is not None, repr(text)


@given(id_numbers().flatmap(disguised), SURROUNDINGS)
def test_resident_id_numbers_are_refused_in_any_disguise(
    number: str, around: tuple[str, str]
) -> None:
    _refused(around[0] + number + around[1])


@given(mobile_numbers(), st.sampled_from(("", "+86", "+86 ", "0086", "0086-", "86", "+86-")))
def test_mobile_numbers_are_refused_with_or_without_a_country_code(
    number: str, prefix: str
) -> None:
    _refused(prefix + number)


@given(mobile_numbers().flatmap(disguised), SURROUNDINGS)
def test_mobile_numbers_are_refused_in_any_disguise(number: str, around: tuple[str, str]) -> None:
    _refused(around[0] + "+86 " + number + around[1])
    _refused(around[0] + number + around[1])


@given(card_numbers().flatmap(disguised), SURROUNDINGS)
def test_bank_card_numbers_are_refused_in_any_disguise(
    number: str, around: tuple[str, str]
) -> None:
    _refused(around[0] + number + around[1])


@given(credit_codes(), st.sampled_from(("", "代码", "USCC ", "统一社会信用代码：")))
def test_credit_codes_are_refused(code: str, prefix: str) -> None:
    _refused(prefix + code)
    _refused(prefix + code.lower())
    _refused(prefix + code.translate(_FULL_WIDTH))
    _refused(prefix + "\u200b".join(code))


@given(
    st.sampled_from(("010", "021", "0531", "0755", "0631")),
    st.integers(2_000_000, 8_999_999),
    st.sampled_from(("{a}-{n}", "({a}) {n}", "{a} {n}", "+86 {b} {n}", "0086-{b}-{n}")),
)
def test_landline_numbers_are_refused(area: str, local: int, layout: str) -> None:
    digits = str(local) if area in ("010", "021") else str(local)[:7]
    _refused(layout.format(a=area, b=area[1:], n=digits))


@given(
    st.from_regex(r"[a-z][a-z0-9._]{0,10}", fullmatch=True),
    st.sampled_from(("@", "＠", " @ ", "[at]", "(at)", " [at] ")),
    st.sampled_from(("example.cn", "qq.com", "163.com", "mail.gov.cn")),
)
def test_email_addresses_are_refused(user: str, at: str, domain: str) -> None:
    _refused(f"write to {user}{at}{domain}")
    _refused(f"{user}\u200b{at}{domain}")


@given(
    st.sampled_from(("E", "G", "EA", "EB", "P", "S", "D")),
    st.integers(0, 99_999_999),
    st.sampled_from(("", " ", "-")),
)
def test_passport_numbers_are_refused(letters: str, number: int, separator: str) -> None:
    digits = f"{number:08d}" if len(letters) == 1 else f"{number % 10_000_000:07d}"
    sep = separator if len(letters) == 1 else ""
    _refused(f"passport {letters}{sep}{digits}")
    _refused(f"护照{letters.lower()}{sep}{digits}。")


@given(
    st.sampled_from(("张伟", "李娜", "王建国", "欧阳娜娜", "陈静")),
    st.sampled_from(
        (
            "山东省济南市历下区泉城路188号3单元502室",
            "北京市朝阳区建国路88号",
            "上海市浦东新区世纪大道 100 号",
            "深圳市南山区科技园12栋",
        )
    ),
    st.sampled_from(("{n} {a}", "{n}，{a}", "收件人：{n} 地址：{a}", "{n}家住{a}", "{a} {n}")),
)
def test_a_name_with_an_address_is_refused(name: str, address: str, layout: str) -> None:
    _refused(layout.format(n=name, a=address))


@pytest.mark.parametrize("value", _near_misses())
def test_near_misses_pass(value: str) -> None:
    """As every validator screens every argument (digests and holder ids skipped whole)."""
    assert get_screening_problem({"value": value}) is None


def test_the_near_miss_list_is_not_empty() -> None:
    assert len(_near_misses()) >= 50


@given(id_numbers(), mobile_numbers(), card_numbers())
def test_numbers_sent_as_integers_are_refused(id_number: str, mobile: str, card: str) -> None:
    event(f"ID number ends in X (no integer form): {id_number[-1] == 'X'}")
    if id_number[-1] != "X":
        assert screen.find_personal_number(int(id_number)) is not None
    assert screen.find_personal_number(int(mobile)) is not None
    assert screen.find_personal_number(int("86" + mobile)) is not None
    assert screen.find_personal_number(int(card)) is not None


@pytest.mark.parametrize("value", (0, 1, 1000, 1_732_233_600_000, 253_402_300_799_999, 2**31))
def test_counts_and_times_pass_as_integers(value: int) -> None:
    assert screen.find_personal_number(value) is None


def test_normalisation_reads_as_a_person_reads() -> None:
    assert screen.normalise("１３８\u200b0013 8000") == "13800138000"
    assert screen.normalise("一三八-〇〇一三-八〇〇〇") == "13800138000"
    assert screen.normalise("2024-11-22 10:30") == "2024112210:30"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_the_ascii_fast_path_cleans_exactly_as_the_walk(text: str) -> None:
    assert screen.clean(text) == screen.walk_clean(text)


def test_every_ascii_character_cleans_to_itself() -> None:
    every = "".join(chr(code) for code in range(128))
    assert screen.walk_clean(every) == every == screen.clean(every)
