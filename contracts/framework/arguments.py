"""Reading and checking call arguments; every failure is an ``invalid_argument`` error.

Error messages name the argument and the rule it broke but never echo a rejected value:
a caller's mistake must not put personal data into logs or the audit index.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from contracts.framework import check_characters, formats, identifiers, limits, screen
from contracts.framework.errors import INVALID_ARGUMENT, ContractError
from contracts.framework.identity import is_holder_id
from contracts.framework.interface import ArgValue

Args = Mapping[str, ArgValue]
"""The arguments of one call, by name."""

NO_ARGS: Final[frozenset[str]] = frozenset()


def invalid(message: str) -> ContractError:
    """Return an ``invalid_argument`` error (for the caller to raise)."""
    return ContractError(INVALID_ARGUMENT, message)


def check_arg_names(
    args: Args, required: Collection[str], optional: Collection[str] = NO_ARGS
) -> None:
    """Check that ``args`` has every required name, and no name outside required/optional."""
    if len(args) > limits.ARGS_COUNT_MAX:
        raise invalid(f"too many arguments (at most {limits.ARGS_COUNT_MAX})")
    # The message names no argument, so the order the names are checked in does not matter.
    for name in args:
        if not isinstance(name, str) or (name not in required and name not in optional):
            allowed = ", ".join(sorted([*required, *optional])) or "none"
            raise invalid(f"unexpected argument (allowed: {allowed})")
    missing = [name for name in required if name not in args]
    if missing:
        raise invalid(f"missing argument {min(missing)!r}")  # the first in name order


def get_str(args: Args, name: str) -> str:
    """Return the string argument ``name``."""
    value = args.get(name)
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    return value


def get_int(args: Args, name: str, *, minimum: int, maximum: int = limits.INT_ARG_MAX) -> int:
    """Return the integer argument ``name``, checked to lie in ``minimum..maximum``."""
    value = args.get(name)
    # bool is a subclass of int in Python; True is not a number of uses.
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(f"{name} must be an integer")
    if not minimum <= value <= maximum:
        raise invalid(f"{name} must be between {minimum} and {maximum}")
    return value


def get_optional_int(
    args: Args, name: str, *, minimum: int, maximum: int = limits.INT_ARG_MAX
) -> int | None:
    """Return the integer argument ``name`` if present (see :func:`get_int`), else None."""
    if name not in args:
        return None
    return get_int(args, name, minimum=minimum, maximum=maximum)


def get_list_limit(args: Args) -> int:
    """Return the optional ``limit`` argument of a list query."""
    limit = get_optional_int(args, "limit", minimum=1, maximum=limits.LIST_LIMIT_MAX)
    return limits.LIST_LIMIT_DEFAULT if limit is None else limit


def reject_personal_identifier(name: str, value: str) -> None:
    """Refuse an id that contains what looks like an ID number, phone number or credit code."""
    if formats.contains_personal_identifier(value):
        raise invalid(
            f"{name} must not contain an ID number, mobile number or unified social credit"
            " code: subjects are named by pseudonymous holder ids only"
        )


def get_choice(args: Args, name: str, choices: Collection[str]) -> str:
    """Return a string argument that must be one of ``choices``."""
    value = get_str(args, name)
    if value not in choices:
        raise invalid(f"{name} must be one of {', '.join(sorted(choices))}")
    return value


def get_bool(args: Args, name: str, *, default: bool) -> bool:
    """Return the optional boolean argument ``name``."""
    if name not in args:
        return default
    value = args.get(name)
    if not isinstance(value, bool):
        raise invalid(f"{name} must be a boolean")
    return value


# --- Text formats ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextFormat:
    """A string argument's format: one reader serves every id, hash and free-text argument.

    Besides the check, a format declares what the node's admission check needs to know
    without running a contract (see ``contracts.framework.declarations``)."""

    get_problem: Callable[[str], str | None]
    """Why a value does not have the format (completing "<name> ..."), or None."""

    summary: str
    """What a value is, for the method's published declaration (e.g. "certificate id")."""

    length_max: int
    """Most characters a value may have."""

    personal_refused: bool = False
    """Whether a value that looks like an ID number, mobile number or credit code is refused
    too: ids a call creates (or names of servers) are stored in clear."""

    free_text: bool = False
    """Whether a value is free text (reasons, purposes, names): the only arguments that may
    hold words, so the only ones the screen must read as a person would."""

    random_hex: bool = False
    """Whether a value is a digest or a key in hex: random, so never screened for personal
    data (a hex digest may hold a digit run that looks like a phone number by chance)."""

    organisation_code: bool = False
    """Whether a value is an organisation's unified social credit code (a member's, public
    by nature): the screen takes such a code for an enterprise holder's anywhere else, so an
    argument declared with this format is exempt, and only when it is exactly one code."""

    def read(self, args: Args, name: str) -> str:
        """Return the string argument ``name``, checked to have this format."""
        value = get_str(args, name)
        problem = self.get_problem(value)
        if problem is not None:
            raise invalid(f"{name} {problem}")
        if self.personal_refused:
            # A GB/T 36904 identifier holds two organisations' codes, public by nature.
            reject_personal_identifier(name, identifiers.mask_organisation_codes(value))
        return value

    def creating(self) -> TextFormat:
        """This format for an id the call creates (see :attr:`personal_refused`)."""
        return dataclasses.replace(self, personal_refused=True)


def _pattern(is_valid: Callable[[str], bool], rule: str) -> Callable[[str], str | None]:
    def get_problem(value: str) -> str | None:
        return None if is_valid(value) else rule

    return get_problem


ID_CHARACTERS: Final = "[A-Za-z0-9._:-]"
"""The characters of most ids, as error messages name them."""


def _id_format(
    is_valid: Callable[[str], bool],
    summary: str,
    length_min: int,
    length_max: int,
    characters: str = ID_CHARACTERS,
) -> TextFormat:
    """The format of an id that ``is_valid`` checks; its error states the length and
    characters."""
    rule = f"must be {length_min} to {length_max} characters of {characters}"
    return TextFormat(
        _pattern(is_valid, rule),
        f"{summary}: {characters}{{{length_min},{length_max}}}",
        length_max,
    )


HOLDER_ID: Final = TextFormat(
    _pattern(is_holder_id, "must be a holder id ('hd' followed by 40 lowercase hex digits)"),
    "holder id: hd[0-9a-f]{40}",
    42,
    random_hex=True,
)
ORG_ID: Final = _id_format(
    formats.is_org_id,
    "organisation id",
    limits.ORG_ID_LENGTH_MIN,
    limits.ORG_ID_LENGTH_MAX,
    "[a-z0-9-]",
)
_LOCAL_CERT_ID: Final = _id_format(
    formats.is_cert_id, "certificate id", limits.CERT_ID_LENGTH_MIN, limits.CERT_ID_LENGTH_MAX
)


def _get_cert_id_problem(value: str) -> str | None:
    """A certificate id is a GB/T 36904 identifier or a local id; a value that starts like an
    identifier is read as one, so a mistyped identifier is refused naming its wrong part
    (before any lookup), never taken as a local id."""
    if not identifiers.is_identifier_like(value):
        return _LOCAL_CERT_ID.get_problem(value)
    try:
        identifiers.parse_identifier(value)
    except identifiers.IdentifierError as error:
        return f"is not a valid certificate identifier ({error.problem}): {error}"
    return None


CERT_ID: Final = dataclasses.replace(_LOCAL_CERT_ID, get_problem=_get_cert_id_problem)
"""A GB/T 36904 identifier (``1.2.156.3005.2.…``, checked part by part) or a local id."""
REQUEST_ID: Final = _id_format(
    formats.is_request_id,
    "consent request id",
    limits.REQUEST_ID_LENGTH_MIN,
    limits.REQUEST_ID_LENGTH_MAX,
)
OBJECT_ID: Final = _id_format(
    formats.is_object_id, "id", limits.OBJECT_ID_LENGTH_MIN, limits.OBJECT_ID_LENGTH_MAX
)
"""An id naming an existing record, correction, delegation, proposal or verification."""

NEW_OBJECT_ID: Final = OBJECT_ID.creating()
"""An id for a record the call creates: nothing in it may look like personal data."""

DOC_HASH: Final = TextFormat(
    _pattern(formats.is_doc_hash, f"must be {limits.DOC_HASH_HEX_LENGTH} lowercase hex digits"),
    f"SHA-256 digest: [0-9a-f]{{{limits.DOC_HASH_HEX_LENGTH}}}",
    limits.DOC_HASH_HEX_LENGTH,
    random_hex=True,
)
ORGANISATION_CODE: Final = TextFormat(
    _pattern(
        check_characters.is_gb32100_valid,
        "must be a unified social credit code: 18 characters with a valid GB 32100 check character",
    ),
    "unified social credit code (GB 32100): 18 characters",
    18,
    organisation_code=True,
)
"""A member organisation's credit code (the issuer part of its national identifiers)."""

CATALOGUE_ID: Final = TextFormat(
    _pattern(formats.is_catalogue_id, "must be a catalogue id: [a-z][a-z0-9_]{0,47}"),
    "catalogue id: [a-z][a-z0-9_]{0,47} (a certificate type or record category on the chain)",
    48,
)
"""A certificate type's or record category's id; the contract looks it up in chain state."""

PURPOSE_CODE: Final = TextFormat(
    _pattern(formats.is_purpose_code, "must be a purpose code of 3 digits"),
    "purpose code: [0-9]{3} (a purpose of use on the chain)",
    3,
)
"""A purpose of use (申请事由) code; the contract looks it up in chain state."""

PUBLIC_KEY_HEX: Final = TextFormat(
    _pattern(
        formats.is_public_key_hex,
        "must be a public key in lowercase hex: "
        + " or ".join(str(2 * length) for length in sorted(limits.PUBLIC_KEY_LENGTHS))
        + " digits",
    ),
    "public key: "
    + " or ".join(f"[0-9a-f]{{{2 * length}}}" for length in sorted(limits.PUBLIC_KEY_LENGTHS))
    + " (a key of the chain's suite: Ed25519 or SM2)",
    2 * limits.PUBLIC_KEY_LENGTH_MAX,
    random_hex=True,
)
"""A public key (organisation or validator); the contract checks it is one of the chain's
suite (``ctx.suite.is_public_key``)."""
VALIDATOR_ID: Final = _id_format(
    formats.is_validator_id, "validator id", 1, limits.VALIDATOR_ID_LENGTH_MAX
).creating()
ENDPOINT: Final = TextFormat(
    formats.get_endpoint_problem,
    "network endpoint: host:port",
    limits.VALIDATOR_ENDPOINT_LENGTH_MAX,
    personal_refused=True,
)
"""A validator's network endpoint, ``host:port``."""


def free_text(length_max: int) -> TextFormat:
    """Free text that may be stored on-chain (see ``formats.get_text_problem``)."""
    return TextFormat(
        functools.partial(formats.get_text_problem, length_max=length_max),
        f"free text of at most {length_max} characters",
        length_max,
        free_text=True,
    )


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError("duplicate key")
        found[key] = value
    return found


def _reject_float(text: str) -> Any:
    raise ValueError("fractional numbers are not accepted")


def _reject_constant(text: str) -> Any:
    raise ValueError("non-finite numbers are not accepted")


def parse_json_text(text: str, name: str) -> Any:
    """Parse the JSON text of argument ``name``: bounded length and nesting, no duplicate
    keys, no fractional or non-finite numbers (so every validator reads the same value)."""
    if len(text) > limits.JSON_ARG_LENGTH_MAX:
        raise invalid(f"{name} must be at most {limits.JSON_ARG_LENGTH_MAX} characters of JSON")
    if text.count("[") + text.count("{") > limits.JSON_ARG_BRACKETS_MAX:
        raise invalid(f"{name} is nested or repeated too deeply")
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicate_keys,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        raise invalid(f"{name} must be valid JSON") from None


def get_json(args: Args, name: str) -> Any:
    """Return the parsed value of a JSON text argument."""
    return parse_json_text(get_str(args, name), name)


def get_name_list(
    args: Args, name: str, *, allowed: Collection[str], allow_empty: bool = True
) -> tuple[str, ...]:
    """Return a JSON array of distinct names, each among ``allowed``, sorted."""
    value = get_json(args, name)
    return check_name_list(value, name, allowed=allowed, allow_empty=allow_empty)


def get_catalogue_name_list(args: Args, name: str, *, allow_empty: bool) -> tuple[str, ...]:
    """Return a JSON array of distinct catalogue ids (types or categories), sorted; whether
    the chain's catalogue holds them is the handler's check (it is state)."""
    value = get_json(args, name)
    if not isinstance(value, list) or not all(formats.is_catalogue_id(item) for item in value):
        raise invalid(f"{name} must be a JSON array of catalogue ids ([a-z][a-z0-9_]{{0,47}})")
    return check_name_list(value, name, allowed=value, allow_empty=allow_empty)


def check_name_list(
    value: object, name: str, *, allowed: Collection[str], allow_empty: bool = True
) -> tuple[str, ...]:
    """Check a parsed list of distinct names among ``allowed``; return it sorted."""
    if not isinstance(value, list) or len(value) > limits.NAME_LIST_LENGTH_MAX:
        raise invalid(f"{name} must be a JSON array of at most {limits.NAME_LIST_LENGTH_MAX} names")
    if not value and not allow_empty:
        raise invalid(f"{name} must not be empty")
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise invalid(f"{name} must hold only names among: {', '.join(sorted(allowed))}")
        names.append(item)
    if len(set(names)) != len(names):
        raise invalid(f"{name} lists a name twice")
    return tuple(sorted(names))


def get_screening_problem(args: Args, organisation_codes: Collection[str] = ()) -> str | None:
    """Why a transaction's arguments must not enter a block, or None.

    A stateless check the node runs on every transaction it admits or finds in a proposed
    block, whatever its contract: a rejected transaction is still stored in its block, so
    text that the personal-data screen (:mod:`contracts.framework.screen`) recognises must
    be refused before it reaches the chain. (Admission also checks each argument against its
    method's declaration: :mod:`contracts.framework.declarations`.) Hashes, holder ids and public keys (hex digests) are skipped: they
    are not personal data, and long random hex could match a pattern by chance. So are the
    arguments named in ``organisation_codes`` (declared :data:`ORGANISATION_CODE` by the
    method called) when each holds exactly one valid code: a member organisation's, public.
    """
    for name in sorted(args, key=repr):
        value = args[name]
        if not isinstance(value, str):
            continue
        if name in organisation_codes and check_characters.is_gb32100_valid(value):
            continue
        if formats.is_doc_hash(value) or is_holder_id(value) or formats.is_public_key_hex(value):
            continue
        # Inside a longer value (e.g. JSON of field commitments), what is not a digest.
        found = screen.find_personal_data_past_digests(identifiers.isolate_serials(value))
        if found is not None:
            return f"argument {name!r} looks like it holds {found}: nothing personal goes on-chain"
    return None
