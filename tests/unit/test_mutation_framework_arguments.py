"""Edges of contracts/framework/arguments.py found by mutation testing (issue 19,
docs/mutation.md): every bound at its exact value, each reader's refusals by code, and the
formats built at import (``_pattern``, ``_id_format``, ``creating``, ``free_text``) built
again here, since a mutant is switched on only after import. No test reads a message text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from contracts.framework import arguments, formats, limits
from contracts.framework.errors import INVALID_ARGUMENT, ContractError
from contracts.framework.interface import ArgValue

ID_NUMBER = "11010519491231002X"
"""GB 11643's worked example: a resident ID number with a valid check character."""
MOBILE = "13800138000"
DIGEST = "ab" * 32


def refused(call: Callable[[], object]) -> str:
    """The code of the ContractError ``call`` raises."""
    with pytest.raises(ContractError) as info:
        call()
    return info.value.code


# --- names ---------------------------------------------------------------------------------


def test_the_argument_count_bound_is_exact() -> None:
    names = [f"a{i:02d}" for i in range(limits.ARGS_COUNT_MAX + 1)]
    full: dict[str, ArgValue] = {name: 1 for name in names[:-1]}
    arguments.check_arg_names(full, required=names[:-1])
    assert (
        refused(
            lambda: arguments.check_arg_names({**full, names[-1]: 1}, required=(), optional=names)
        )
        == INVALID_ARGUMENT
    )


def test_names_must_be_declared_strings_and_required_ones_present() -> None:
    arguments.check_arg_names({"a": 1}, required=("a",))
    arguments.check_arg_names({"b": 1}, required=(), optional=("b",))
    arguments.check_arg_names({"a": 1, "b": 2}, required=("a",), optional=("b",))
    arguments.check_arg_names({}, required=())
    assert (
        refused(lambda: arguments.check_arg_names({"c": 1}, required=("a",), optional=("b",)))
        == INVALID_ARGUMENT
    )
    odd: dict[Any, ArgValue] = {1: 1}
    assert refused(lambda: arguments.check_arg_names(odd, required=(), optional=("b",))) == (
        INVALID_ARGUMENT
    )
    assert (
        refused(lambda: arguments.check_arg_names({"b": 1}, required=("a",), optional=("b",)))
        == INVALID_ARGUMENT
    )


# --- numbers and flags ---------------------------------------------------------------------


def test_integers_at_their_bounds() -> None:
    args: dict[str, ArgValue] = {"n": 5}
    assert arguments.get_int(args, "n", minimum=5, maximum=5) == 5
    assert refused(lambda: arguments.get_int(args, "n", minimum=6, maximum=9)) == INVALID_ARGUMENT
    assert refused(lambda: arguments.get_int(args, "n", minimum=0, maximum=4)) == INVALID_ARGUMENT
    top: dict[str, ArgValue] = {"n": limits.INT_ARG_MAX}
    assert arguments.get_int(top, "n", minimum=0) == limits.INT_ARG_MAX
    assert (
        refused(lambda: arguments.get_int({"n": limits.INT_ARG_MAX + 1}, "n", minimum=0))
        == INVALID_ARGUMENT
    )
    assert refused(lambda: arguments.get_int({"n": True}, "n", minimum=0)) == INVALID_ARGUMENT
    assert refused(lambda: arguments.get_int({"n": "5"}, "n", minimum=0)) == INVALID_ARGUMENT
    assert refused(lambda: arguments.get_int({}, "n", minimum=0)) == INVALID_ARGUMENT


def test_optional_integers_and_the_list_limit() -> None:
    assert arguments.get_optional_int({}, "n", minimum=1) is None
    assert arguments.get_optional_int({"n": 1}, "n", minimum=1) == 1
    assert (
        refused(lambda: arguments.get_optional_int({"n": 3}, "n", minimum=1, maximum=2))
        == INVALID_ARGUMENT
    )
    assert arguments.get_list_limit({}) == limits.LIST_LIMIT_DEFAULT
    assert arguments.get_list_limit({"limit": 1}) == 1
    assert arguments.get_list_limit({"limit": limits.LIST_LIMIT_MAX}) == limits.LIST_LIMIT_MAX
    assert refused(lambda: arguments.get_list_limit({"limit": 0})) == INVALID_ARGUMENT
    assert (
        refused(lambda: arguments.get_list_limit({"limit": limits.LIST_LIMIT_MAX + 1}))
        == INVALID_ARGUMENT
    )


def test_flags_and_choices() -> None:
    assert arguments.get_bool({}, "f", default=True) is True
    assert arguments.get_bool({}, "f", default=False) is False
    assert arguments.get_bool({"f": False}, "f", default=True) is False
    assert refused(lambda: arguments.get_bool({"f": 1}, "f", default=False)) == INVALID_ARGUMENT
    assert arguments.get_choice({"c": "b"}, "c", ("a", "b")) == "b"
    assert refused(lambda: arguments.get_choice({"c": "z"}, "c", ("a", "b"))) == INVALID_ARGUMENT
    assert refused(lambda: arguments.get_choice({"c": 1}, "c", ("a", "b"))) == INVALID_ARGUMENT
    assert arguments.get_str({"s": ""}, "s") == ""
    assert refused(lambda: arguments.get_str({"s": b"x"}, "s")) == INVALID_ARGUMENT


# --- text formats --------------------------------------------------------------------------


def test_a_format_reads_valid_text_and_refuses_the_rest() -> None:
    assert arguments.CERT_ID.read({"id": "CERT-0001"}, "id") == "CERT-0001"
    assert refused(lambda: arguments.CERT_ID.read({"id": "CERT"}, "id")) == INVALID_ARGUMENT
    assert refused(lambda: arguments.CERT_ID.read({"id": 7}, "id")) == INVALID_ARGUMENT
    # An id that names an existing record may look like anything valid; one a call creates
    # may not look like personal data.
    assert arguments.OBJECT_ID.read({"id": ID_NUMBER}, "id") == ID_NUMBER
    assert (
        refused(lambda: arguments.NEW_OBJECT_ID.read({"id": ID_NUMBER}, "id")) == INVALID_ARGUMENT
    )


def test_formats_built_again_equal_the_shipped_ones() -> None:
    # Built at import (before a mutant is switched on): built again here, they must read as
    # the shipped ones do.
    created = arguments.OBJECT_ID.creating()
    assert created.personal_refused is True
    assert (created.summary, created.length_max) == (
        arguments.OBJECT_ID.summary,
        arguments.OBJECT_ID.length_max,
    )
    assert arguments.OBJECT_ID.personal_refused is False
    assert refused(lambda: created.read({"id": ID_NUMBER}, "id")) == INVALID_ARGUMENT
    assert created.read({"id": "REC-0001"}, "id") == "REC-0001"

    cert = arguments._id_format(
        formats.is_cert_id,
        "certificate id",
        limits.CERT_ID_LENGTH_MIN,
        limits.CERT_ID_LENGTH_MAX,
    )
    assert cert.summary == arguments.CERT_ID.summary == "certificate id: [A-Za-z0-9._:-]{8,96}"
    assert cert.length_max == limits.CERT_ID_LENGTH_MAX
    assert (cert.personal_refused, cert.free_text, cert.random_hex) == (False, False, False)
    assert cert.get_problem("CERT-0001") is None
    assert cert.get_problem("CERT") is not None
    org = arguments._id_format(formats.is_org_id, "organisation id", 2, 32, "[a-z0-9-]")
    assert org.summary == arguments.ORG_ID.summary == "organisation id: [a-z0-9-]{2,32}"

    check = arguments._pattern(lambda value: value == "ok", "must be ok")
    assert check("ok") is None
    assert check("no") == "must be ok"

    text = arguments.free_text(12)
    assert (text.length_max, text.free_text, text.personal_refused, text.random_hex) == (
        12,
        True,
        False,
        False,
    )
    assert text.summary == "free text of at most 12 characters"
    assert text.read({"t": "x" * 12}, "t") == "x" * 12
    assert refused(lambda: text.read({"t": "x" * 13}, "t")) == INVALID_ARGUMENT
    assert refused(lambda: text.read({"t": " "}, "t")) == INVALID_ARGUMENT


def test_personal_identifiers_are_refused_by_name_only() -> None:
    arguments.reject_personal_identifier("id", "REC-0001")  # accepted: no error
    assert (
        refused(lambda: arguments.reject_personal_identifier("id", ID_NUMBER)) == INVALID_ARGUMENT
    )


# --- JSON ----------------------------------------------------------------------------------


def test_json_length_and_bracket_bounds_are_exact() -> None:
    longest = json.dumps("x" * (limits.JSON_ARG_LENGTH_MAX - 2))
    assert len(longest) == limits.JSON_ARG_LENGTH_MAX
    assert arguments.parse_json_text(longest, "j") == "x" * (limits.JSON_ARG_LENGTH_MAX - 2)
    assert refused(lambda: arguments.parse_json_text(longest + " ", "j")) == INVALID_ARGUMENT
    half = limits.JSON_ARG_BRACKETS_MAX // 2
    nested = "[" * half + ",".join(["{}"] * (limits.JSON_ARG_BRACKETS_MAX - half)) + "]" * half
    assert nested.count("[") + nested.count("{") == limits.JSON_ARG_BRACKETS_MAX
    assert arguments.parse_json_text(nested, "j") is not None
    assert refused(lambda: arguments.parse_json_text("[" + nested + "]", "j")) == INVALID_ARGUMENT
    assert refused(lambda: arguments.parse_json_text("[{}," + nested[1:], "j")) == INVALID_ARGUMENT


@pytest.mark.parametrize(
    "text", ['{"a":1,"a":2}', "1.5", "[1e3]", "NaN", "[Infinity]", "-Infinity", "{", ""]
)
def test_json_that_validators_could_read_differently_is_refused(text: str) -> None:
    assert refused(lambda: arguments.parse_json_text(text, "j")) == INVALID_ARGUMENT


def test_json_values_are_read_exactly() -> None:
    assert arguments.parse_json_text('{"b":[1,"x",true,null],"a":{}}', "j") == {
        "b": [1, "x", True, None],
        "a": {},
    }
    assert arguments.get_json({"j": "[]"}, "j") == []
    assert refused(lambda: arguments.get_json({"j": 1}, "j")) == INVALID_ARGUMENT


def test_name_lists() -> None:
    allowed = ("a", "b", "c")
    assert arguments.get_name_list({"n": '["c","a"]'}, "n", allowed=allowed) == ("a", "c")
    assert arguments.get_name_list({"n": "[]"}, "n", allowed=allowed) == ()
    assert (
        refused(
            lambda: arguments.get_name_list({"n": "[]"}, "n", allowed=allowed, allow_empty=False)
        )
        == INVALID_ARGUMENT
    )
    assert arguments.get_name_list({"n": '["b"]'}, "n", allowed=allowed, allow_empty=False) == (
        "b",
    )
    for bad in ('["a","a"]', '["d"]', "[1]", '{"a":1}', '"a"'):
        with pytest.raises(ContractError) as info:
            arguments.get_name_list({"n": bad}, "n", allowed=allowed)
        assert info.value.code == INVALID_ARGUMENT
    many = [f"n{i:03d}" for i in range(limits.NAME_LIST_LENGTH_MAX + 1)]
    assert len(arguments.check_name_list(many[:-1], "n", allowed=many)) == len(many) - 1
    assert refused(lambda: arguments.check_name_list(many, "n", allowed=many)) == INVALID_ARGUMENT


# --- the screen over a transaction's arguments ---------------------------------------------


def screened(args: dict[str, Any]) -> bool:
    return arguments.get_screening_problem(args) is not None


def test_screening_skips_digests_and_non_text_and_reads_around_digests() -> None:
    assert not screened({"h": DIGEST, "k": "hd" + "12" * 20, "p": "13" * 32, "n": 5})
    assert not screened({"b": True, "n": 13800138000})  # integers are the node's concern
    assert screened({"t": MOBILE})
    # A digest removed from a longer value leaves a gap, not a letter glued to the number.
    assert screened({"t": MOBILE + "hd" + "ab" * 20})
    assert screened({"t": DIGEST + MOBILE})
    assert screened({"a": "fine", "z": f"call {MOBILE}"})
    assert not screened({"a": "fine", "z": "also fine"})


def test_screening_goes_on_past_skipped_arguments() -> None:
    # A digest, a holder id, a key or a non-text value is skipped; the arguments after it
    # (in name order) are still read.
    assert screened({"a": DIGEST, "b": MOBILE})
    assert screened({"a": "hd" + "12" * 20, "b": MOBILE})
    assert screened({"a": 5, "b": MOBILE})
    assert screened({"a": True, "b": MOBILE})


def test_screening_takes_names_of_any_type() -> None:
    # Names are not checked before the screen runs (the contract checks them), so they are
    # ordered by their repr: a mapping with a non-text name is screened, not a crash.
    odd: dict[Any, Any] = {1: "x", "b": MOBILE}
    assert screened(odd)
    assert not screened({**odd, "b": "fine"})


def test_an_empty_name_list_is_allowed_unless_the_caller_says_otherwise() -> None:
    assert arguments.check_name_list([], "n", allowed=("a",)) == ()
    assert (
        refused(lambda: arguments.check_name_list([], "n", allowed=("a",), allow_empty=False))
        == INVALID_ARGUMENT
    )
