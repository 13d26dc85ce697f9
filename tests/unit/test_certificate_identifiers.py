"""The GB/T 36904 certificate identifier: building, parsing, versions, and every refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from contracts.framework import identifiers as ids
from contracts.framework.check_characters import (
    GB32100_ALPHABET,
    MOD37_36_ALPHABET,
    get_gb32100_check,
    get_mod37_36_check,
)

# The type code from ../shared/CONVENTIONS.md (a defining body's credit code + 032) and a
# issuing bureau's credit code with a valid GB 32100 check character.
TYPE_CODE = "11100000000013338W032"
ISSUER = "11330100002489765" + get_gb32100_check("11330100002489765")


def test_an_identifier_is_written_in_the_provincial_structure() -> None:
    identifier = ids.CertificateIdentifier(TYPE_CODE, ISSUER, ids.issued_serial(42), 1)
    body = f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.0000000042.001"
    assert identifier.text == body + "." + get_mod37_36_check(body.replace(".", ""))
    assert ids.parse_identifier(identifier.text) == identifier


def test_a_renewal_keeps_the_identifier_and_takes_the_next_version() -> None:
    first = ids.CertificateIdentifier(TYPE_CODE, ISSUER, "0000000001", 1)
    second = first.next_version()
    assert (second.type_code, second.issuer_code, second.serial) == (
        first.type_code,
        first.issuer_code,
        first.serial,
    )
    assert second.version == 2
    assert second.text.split(".")[-2] == "002"
    assert second.text.split(".")[-1] == get_mod37_36_check(second.text[:-2].replace(".", ""))
    last = ids.CertificateIdentifier(TYPE_CODE, ISSUER, "0000000001", ids.VERSION_MAX)
    with pytest.raises(ids.IdentifierError) as error:
        last.next_version()
    assert error.value.problem == ids.Problem.VERSION
    assert ids.CertificateIdentifier(TYPE_CODE, ISSUER, "1", 998).next_version().version == 999


def _valid_text() -> str:
    return ids.CertificateIdentifier(TYPE_CODE, ISSUER, "0000000007", 3).text


def _rechecked(body: str) -> str:
    """``body`` with its right check character, so only the part under test is wrong."""
    return f"{body}.{get_mod37_36_check(body.replace('.', ''))}"


@pytest.mark.parametrize(
    ("text", "problem"),
    (
        (123, ids.Problem.FORMAT),
        ("1.2.156.3005.2." + "A" * 200, ids.Problem.FORMAT),
        ("证照" + _valid_text(), ids.Problem.FORMAT),
        ("1.2.156.3005.3" + _valid_text()[14:], ids.Problem.PREFIX),
        ("cert-0001", ids.Problem.PREFIX),
        (_valid_text().rsplit(".", 1)[0], ids.Problem.FORMAT),
        (_valid_text()[:-1] + ("0" if _valid_text()[-1] != "0" else "1"), ids.Problem.CHECK),
        (_valid_text()[:-1] + "a", ids.Problem.CHECK),
        (_valid_text()[:-1] + "AB", ids.Problem.CHECK),
        (_valid_text().replace(".003.", ".03."), ids.Problem.VERSION),
        (_valid_text().replace(".003.", ".0x3."), ids.Problem.VERSION),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.0000000007.000"), ids.Problem.VERSION),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE[:17]}X032.{ISSUER}.7.001"), ids.Problem.TYPE_CODE),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE[:18]}32.{ISSUER}.7.001"), ids.Problem.TYPE_CODE),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE[:18]}03A.{ISSUER}.7.001"), ids.Problem.TYPE_CODE),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER[:17]}0.7.001"), ids.Problem.ISSUER_CODE),
        (_rechecked(f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}..001"), ids.Problem.SERIAL),
        (f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.AB-1.001.0", ids.Problem.SERIAL),
        (f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.ab1.001.0", ids.Problem.SERIAL),
        (f"1.2.156.3005.2.{TYPE_CODE}.{ISSUER}.{'1' * 33}.001.0", ids.Problem.FORMAT),
    ),
)
def test_a_wrong_identifier_is_refused_with_its_reason(text: object, problem: str) -> None:
    with pytest.raises(ids.IdentifierError) as error:
        ids.parse_identifier(text)  # type: ignore[arg-type]
    assert error.value.problem == problem


def test_a_serial_of_the_longest_length_is_accepted() -> None:
    identifier = ids.CertificateIdentifier(TYPE_CODE, ISSUER, "Z" * ids.SERIAL_LENGTH_MAX, 999)
    assert len(identifier.text) == ids.IDENTIFIER_LENGTH_MAX
    assert ids.parse_identifier(identifier.text) == identifier


def test_issued_serials_are_ten_digits_and_run_out_with_an_error() -> None:
    assert ids.issued_serial(0) == "0000000000"
    assert ids.issued_serial(10**10 - 1) == "9999999999"
    for number in (-1, 10**10):
        with pytest.raises(ids.IdentifierError) as error:
            ids.issued_serial(number)
        assert error.value.problem == ids.Problem.SERIAL


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    first17 = draw(st.text(alphabet=GB32100_ALPHABET, min_size=17, max_size=17))
    return first17 + get_gb32100_check(first17)


@given(
    credit_codes(),
    st.integers(0, 999),
    credit_codes(),
    st.text(alphabet=MOD37_36_ALPHABET, min_size=1, max_size=ids.SERIAL_LENGTH_MAX),
    st.integers(1, 999),
    st.data(),
)
def test_generated_identifiers_round_trip_and_a_changed_character_is_caught(
    body: str, number: int, issuer: str, serial: str, version: int, data: st.DataObject
) -> None:
    identifier = ids.CertificateIdentifier(f"{body}{number:03d}", issuer, serial, version)
    text = identifier.text
    assert ids.parse_identifier(text) == identifier
    # Change one character that is not a dot: the identifier is refused. A change inside a
    # credit code is caught by that code's own GB 32100 check; one in the serial or in the
    # check character, which carry no check of their own, by the MOD 37,36 check.
    index = data.draw(st.sampled_from([i for i, c in enumerate(text) if c != "."]))
    old = text[index]
    new = data.draw(st.sampled_from([c for c in MOD37_36_ALPHABET if c != old]))
    changed = text[:index] + new + text[index + 1 :]
    with pytest.raises(ids.IdentifierError) as error:
        ids.parse_identifier(changed)
    event(f"refused: {error.value.problem}")
    serial_start = len(ids.PREFIX) + 1 + 21 + 1 + 18 + 1
    if serial_start <= index < serial_start + len(serial) or index == len(text) - 1:
        assert error.value.problem == ids.Problem.CHECK


# --- edges found by mutation testing (issue 19, docs/mutation.md) ---------------------------


def _refused_part(build: Callable[[], object]) -> ids.Problem:
    """The problem of the IdentifierError that calling ``build`` raises."""
    with pytest.raises(ids.IdentifierError) as error:
        build()
    return error.value.problem


@pytest.mark.parametrize(
    ("type_code", "issuer", "serial", "version", "problem"),
    (
        # a letter where the type code's three digits start, the two after it digits
        (TYPE_CODE[:18] + "A32", ISSUER, "1", 1, ids.Problem.TYPE_CODE),
        # digits, but not ASCII ones (full-width): str.isdigit alone would take them
        (TYPE_CODE[:18] + "０３２", ISSUER, "1", 1, ids.Problem.TYPE_CODE),
        (TYPE_CODE[:18] + "０32", ISSUER, "1", 1, ids.Problem.TYPE_CODE),  # the first one only
        (TYPE_CODE, ISSUER, "1" * (ids.SERIAL_LENGTH_MAX + 1), 1, ids.Problem.SERIAL),
        (TYPE_CODE, ISSUER, "", 1, ids.Problem.SERIAL),
        (TYPE_CODE, ISSUER, "1", 0, ids.Problem.VERSION),
        (TYPE_CODE, ISSUER, "1", ids.VERSION_MAX + 1, ids.Problem.VERSION),
    ),
)
def test_building_an_identifier_checks_each_part_at_its_edge(
    type_code: str, issuer: str, serial: str, version: int, problem: ids.Problem
) -> None:
    def build() -> ids.CertificateIdentifier:
        return ids.CertificateIdentifier(type_code, issuer, serial, version)

    assert _refused_part(build) == problem


def test_the_edges_of_each_part_are_accepted() -> None:
    for serial, version in (("1", ids.FIRST_VERSION), ("Z" * ids.SERIAL_LENGTH_MAX, 999)):
        identifier = ids.CertificateIdentifier(TYPE_CODE, ISSUER, serial, version)
        assert ids.parse_identifier(identifier.text) == identifier


def test_an_identifier_error_carries_its_problem_and_is_a_value_error() -> None:
    error = ids.IdentifierError(ids.Problem.SERIAL, "why")
    assert isinstance(error, ValueError)
    assert error.problem is ids.Problem.SERIAL
    assert str(error) == "why"


def test_only_the_codes_of_well_formed_identifiers_are_masked() -> None:
    good = ids.CertificateIdentifier("11100000000013338W032", "11330100002489765L", "42", 1).text
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    masked = ids.mask_organisation_codes(f'["{good}", "{bad}"]')
    assert masked == f'["1.2.156.3005.2.#.#.42.001.{good[-1]}", "{bad}"]'
    assert ids.mask_organisation_codes("no identifier 11330100002489765L") == (
        "no identifier 11330100002489765L"
    )


def test_what_claims_to_be_an_identifier_and_what_is_a_type_code() -> None:
    assert ids.is_identifier_like("1.2.156.3005.2.x")
    assert not ids.is_identifier_like("1.2.156.3005.20")
    assert not ids.is_identifier_like("DIP-2012-000001")
    assert ids.is_type_code("11100000000013338W032")
    assert not ids.is_type_code("11100000000013338W03")
    assert not ids.is_type_code("11100000000013338X032")


def test_a_code_repeated_in_the_serial_is_still_screened() -> None:
    # A serial may hold 32 characters: a credit code hidden there is no organisation's code
    # in its place, so only the type and issuer positions are masked.
    issuer = "11330100002489765L"
    type_code = "11100000000013338W032"
    for serial in (issuer, type_code):
        text = ids.CertificateIdentifier(type_code, issuer, serial, 1).text
        masked = ids.mask_organisation_codes(text)
        assert masked.startswith("1.2.156.3005.2.#.#.")
        assert serial in masked
