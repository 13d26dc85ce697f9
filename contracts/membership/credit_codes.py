"""Organisations' unified social credit codes (统一社会信用代码, GB 32100) as chain state.

An issuing organisation's code is the issuer part of the national identifiers it gives its
certificates (GB/T 36904, :mod:`contracts.framework.identifiers`): ``certificates.issue``
accepts an identifier only from the organisation whose code it carries. Codes are kept apart
from the organisation record, so the records' bytes (and the state roots of chains made
before codes) are unchanged; an organisation may have none, and then issues local ids only.

State: ``membership/credit_code/<org id>`` -> the code (ASCII, 18 characters).

Set at genesis (``credit_code`` in an organisation's entry of the genesis file). Not yet
settable by governance: an organisation's code is public, but the personal-data screen that
every transaction passes cannot tell it from an enterprise holder's code (docs/conventions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from contracts.framework import arguments
from contracts.framework.check_characters import is_gb32100_valid
from contracts.framework.interface import StateReader

PREFIX: Final = b"membership/credit_code/"


def get_key(org_id: str) -> bytes:
    """State key of organisation ``org_id``'s code."""
    return PREFIX + org_id.encode("ascii")


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
    return writes
