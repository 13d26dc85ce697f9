"""Edges of the personal-data screen found by mutation testing (issue 19, docs/mutation.md):
a credit code outside the GB 32100 layout found by its check character alone, a compound
surname beside an address, decimal digits that NFKC leaves alone, and negative numbers.
Checked by whether something is found, never by the description returned.
"""

from __future__ import annotations

from contracts.framework import check_characters, formats, screen

ARABIC_INDIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"


def _arabic_indic(digits: str) -> str:
    return "".join(ARABIC_INDIC_DIGITS[int(d)] for d in digits)


def test_a_credit_code_outside_the_layout_is_found_by_its_check_character() -> None:
    body = "ABCDEFGHJKLMNPQRT"  # letters where the layout has the region's digits
    code = body + check_characters.get_gb32100_check(body)
    assert not formats.contains_personal_identifier(code)  # only the check finds it
    assert screen.find_personal_data(f"code {code}") is not None
    assert screen.find_personal_data(f"code {code.lower()}") is not None
    wrong = body + ("A" if code[-1] != "A" else "B")
    assert screen.find_personal_data(f"code {wrong}") is None


def test_a_compound_surname_beside_an_address_is_a_name() -> None:
    address = "北京市朝阳区建国路88号"
    assert "诸" not in screen._SURNAMES  # found by the compound list only
    assert screen.find_personal_data(f"诸葛亮，{address}") is not None
    assert screen.find_personal_data(f"诸葛孔明，{address}") is not None
    assert screen.find_personal_data(f"诸葛，{address}") is None  # a surname alone
    assert screen.find_personal_data(address) is None


def test_decimal_digits_of_any_script_are_read_as_digits() -> None:
    # NFKC maps full-width digits to ASCII but leaves Arabic-Indic digits as they are: the
    # walk reads their decimal values.
    assert screen.walk_clean(_arabic_indic("0123456789")) == "0123456789"
    assert screen.clean("tel " + _arabic_indic("13800138000")) == "tel 13800138000"
    assert screen.find_personal_data(_arabic_indic("13800138000")) is not None
    assert screen.find_personal_data("room " + _arabic_indic("12")) is None


def test_a_negative_number_is_screened_by_its_digits() -> None:
    assert screen.find_personal_number(-13800138000) is not None
    assert screen.find_personal_number(13800138000) is not None
    assert screen.find_personal_number(-7) is None
    assert screen.find_personal_number(0) is None


def test_digests_and_holder_ids_are_blanked_as_separators_between_digits() -> None:
    digest = "0123456789abcdef" * 4
    holder = "hd" + "0123456789" * 4
    assert screen.find_personal_data_past_digests(f'{{"a":"{digest}","h":"{holder}"}}') is None
    # A number split by a holder id is read across the blank, as a person would read it.
    assert screen.find_personal_data(f"138{holder}00138000") is None
    assert screen.find_personal_data_past_digests(f"138{holder}00138000") == "a mobile number"
