"""Organisations' unified social credit codes (统一社会信用代码, GB 32100) as chain state.

An issuing organisation's code is the issuer part of the national identifiers it gives its
certificates (GB/T 36904, :mod:`contracts.framework.identifiers`): ``certificates.issue``
accepts an identifier only from the organisation whose code it carries. Codes are kept apart
from the organisation record, so the records' bytes (and the state roots of chains made
before codes) are unchanged; an organisation may have none, and then issues local ids only.

State:

- ``membership/credit_code/<org id>`` -> the code (ASCII, 18 characters);
- ``membership/credit_code_owner/<code>`` -> the org id: one organisation per code.

Set at genesis (``credit_code`` in an organisation's entry of the genesis file) or by
governance (``add_org``'s ``credit_code``, ``set_credit_code``); removed with the
organisation. The argument that carries a code is declared ``arguments.ORGANISATION_CODE``,
so the personal-data screen, which takes any credit code for an enterprise holder's, leaves
that one argument (exactly one valid code) to the format's own check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from contracts.framework import arguments
from contracts.framework.check_characters import is_gb32100_valid
from contracts.framework.codec import canonical_json, load_json
from contracts.framework.errors import already_exists
from contracts.framework.interface import StateReader

Writes = dict[bytes, bytes | None]

PREFIX: Final = b"membership/credit_code/"
OWNER_PREFIX: Final = b"membership/credit_code_owner/"


def get_key(org_id: str) -> bytes:
    """State key of organisation ``org_id``'s code."""
    return PREFIX + org_id.encode("ascii")


def get_owner_key(code: str) -> bytes:
    """State key naming the organisation that holds ``code``."""
    return OWNER_PREFIX + code.encode("ascii")


def get_owner(state: StateReader, code: str) -> str | None:
    """The id of the organisation whose code is ``code``, or None."""
    value = state.get(get_owner_key(code))
    return None if value is None else str(load_json(value))


def get_setting_writes(state: StateReader, org_id: str, code: str) -> Writes:
    """Give organisation ``org_id`` the (well-formed) ``code``, replacing any it had;
    ``already_exists`` if another organisation holds it."""
    owner = get_owner(state, code)
    if owner is not None and owner != org_id:
        raise already_exists(f"that credit code belongs to organisation {owner}")
    writes: Writes = {
        get_key(org_id): code.encode("ascii"),
        get_owner_key(code): canonical_json(org_id),
    }
    old = get_credit_code(state, org_id)
    if old is not None and old != code:
        writes[get_owner_key(old)] = None
    return writes


def get_removal_writes(state: StateReader, org_id: str) -> Writes:
    """Forget organisation ``org_id``'s code, if it has one (it leaves the consortium)."""
    code = get_credit_code(state, org_id)
    if code is None:
        return {}
    return {get_key(org_id): None, get_owner_key(code): None}


def get_credit_code(state: StateReader, org_id: str) -> str | None:
    """Organisation ``org_id``'s unified social credit code, or None if it has none."""
    value = state.get(get_key(org_id))
    return None if value is None else value.decode("ascii")


def genesis_writes(credit_codes: Mapping[str, str], org_ids: frozenset[str]) -> dict[bytes, bytes]:
    """The founding organisations' codes (``org id -> code``), set at height 0.

    Raises ``invalid_argument`` if a code names no founding organisation, is not a unified
    social credit code with its GB 32100 check character, or belongs to two organisations.
    """
    writes: dict[bytes, bytes] = {}
    owners: dict[str, str] = {}
    for org_id, code in sorted(credit_codes.items()):
        if org_id not in org_ids:
            raise arguments.invalid(f"genesis credit code for unknown organisation {org_id}")
        if not isinstance(code, str) or not is_gb32100_valid(code):
            raise arguments.invalid(
                f"genesis credit code of {org_id} must be a unified social credit code"
                " (18 characters, GB 32100 check character)"
            )
        if code in owners:
            raise arguments.invalid(
                f"organisations {owners[code]} and {org_id} have the same credit code"
            )
        owners[code] = org_id
        writes[get_key(org_id)] = code.encode("ascii")
        writes[get_owner_key(code)] = canonical_json(org_id)
    return writes
