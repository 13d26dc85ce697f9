"""Check characters: the standards' published examples, and generated codes.

Every system here detects any single changed character (MOD 11-2 and MOD 37,36 by ISO 7064's
design, GB 32100 because its weights are non-zero modulo the prime 31), so the properties
change one character and expect the code to stop being valid.
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from contracts.framework import check_characters as cc

ALNUM36 = cc.MOD37_36_ALPHABET


@pytest.mark.parametrize(
    "code",
    # ISO 7064's examples for MOD 37,36 (also used by other implementations' tests).
    ("A12425GABC1234002M", "B159D8FA01240000K", "188166C7342000003"),
)
def test_mod37_36_accepts_the_standards_examples(code: str) -> None:
    assert cc.is_mod37_36_valid(code)
    assert cc.get_mod37_36_check(code[:-1]) == code[-1]


def test_gb11643_and_gb32100_accept_the_standards_examples() -> None:
    # GB 11643-1999's worked example; a unified social credit code in GB 32100's layout.
    assert cc.get_gb11643_check("11010519491231002") == "X"
    assert cc.is_gb11643_valid("11010519491231002X")
    assert not cc.is_gb11643_valid("110105194912310021")
    assert not cc.is_gb11643_valid("11010519491231002x")  # callers upper-case first
    assert cc.get_gb32100_check("91350100M000100Y4") == "3"
    assert cc.is_gb32100_valid("91350100M000100Y43")
    assert not cc.is_gb32100_valid("91350100M000100Y44")
    assert not cc.is_gb32100_valid("91350100m000100Y43")


def test_luhn_accepts_a_card_number_and_refuses_a_changed_digit() -> None:
    assert cc.is_luhn_valid("4111111111111111")
    assert cc.is_luhn_valid("6222021234567890128") != cc.is_luhn_valid("6222021234567890129")
    assert not cc.is_luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    ("function", "text"),
    (
        (cc.get_gb11643_check, "1101051949123100"),
        (cc.get_gb11643_check, "1101051949123100A"),
        (cc.get_gb32100_check, "91350100M000100Y"),
        (cc.get_gb32100_check, "91350100M000100YI"),  # I is not in GB 32100's alphabet
        (cc.get_mod37_36_check, ""),
        (cc.get_mod37_36_check, "1.2.156"),
        (cc.get_mod37_36_check, "abc"),
    ),
)
def test_a_check_of_a_malformed_code_is_refused(function: object, text: str) -> None:
    assert callable(function)
    with pytest.raises(ValueError):
        function(text)


@pytest.mark.parametrize("text", ("", "M", "A12425GABC1234002m", "A12425GABC1234002.M"))
def test_mod37_36_refuses_what_is_not_a_checked_code(text: str) -> None:
    assert not cc.is_mod37_36_valid(text)


def _changed(text: str, index: int, alphabet: str, shift: int) -> str:
    char = alphabet[(alphabet.index(text[index]) + shift) % len(alphabet)]
    return text[:index] + char + text[index + 1 :]


@given(
    st.text(alphabet=ALNUM36, min_size=1, max_size=60),
    st.integers(0, 10_000),
    st.integers(1, 35),
)
def test_mod37_36_detects_any_single_changed_character(body: str, at: int, shift: int) -> None:
    code = body + cc.get_mod37_36_check(body)
    assert cc.is_mod37_36_valid(code)
    index = at % len(code)
    event("check character changed" if index == len(code) - 1 else "body changed")
    assert not cc.is_mod37_36_valid(_changed(code, index, ALNUM36, shift))


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.integers(0, 17),
    st.integers(1, 9),
)
def test_gb11643_detects_any_single_changed_digit(first17: str, at: int, shift: int) -> None:
    number = first17 + cc.get_gb11643_check(first17)
    assert cc.is_gb11643_valid(number)
    if at == 17:
        event("check character changed")
        changed = number[:17] + cc.GB11643_CHECK[(cc.GB11643_CHECK.index(number[17]) + shift) % 11]
    else:
        changed = _changed(number, at, "0123456789", shift)
    assert not cc.is_gb11643_valid(changed)


@given(
    st.text(alphabet=cc.GB32100_ALPHABET, min_size=17, max_size=17),
    st.integers(0, 17),
    st.integers(1, 30),
)
def test_gb32100_detects_any_single_changed_character(first17: str, at: int, shift: int) -> None:
    code = first17 + cc.get_gb32100_check(first17)
    assert cc.is_gb32100_valid(code)
    event("check character changed" if at == 17 else "body changed")
    assert not cc.is_gb32100_valid(_changed(code, at, cc.GB32100_ALPHABET, shift))


ARABIC_INDIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
"""Unicode decimal digits that are not ASCII: ``str.isdigit`` and ``int`` accept them."""


def test_gb11643_takes_ascii_digits_only() -> None:
    # int() would read these digits, so only the ASCII check keeps them out.
    other = ARABIC_INDIC_DIGITS[1] * 17
    with pytest.raises(ValueError):
        cc.get_gb11643_check(other)
    assert not cc.is_gb11643_valid(other + cc.get_gb11643_check("1" * 17))
    with pytest.raises(ValueError):
        cc.get_gb11643_check("1" * 16)
    with pytest.raises(ValueError):
        cc.get_gb11643_check("1" * 18)


@pytest.mark.parametrize(
    ("number", "valid"),
    (
        # A 5 in a doubled position counts 1 (10 - 9), a 4 counts 8: both edges of the rule.
        ("5500000000000004", True),
        ("5500000000000005", False),
        ("4000000000000002", True),
        ("0000000000000059", True),
    ),
)
def test_luhn_doubles_every_second_digit_from_the_right(number: str, valid: bool) -> None:
    assert cc.is_luhn_valid(number) is valid
