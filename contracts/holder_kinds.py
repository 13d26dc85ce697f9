"""Whether a holder id names a person or an enterprise, as far as the chain knows.

Holder ids are pseudonyms and say nothing by themselves. A holder's archive file records
its kind when the first record is appended (一人一档 for a person, 一企一档 for an
enterprise); delegations and archives use it to refuse mixing the two (a guardian for an
enterprise, a legal representative for a person).

State (written by :mod:`contracts.archives`):

- ``archives/file/<holder id>`` -> the holder's file summary, with its ``kind``
"""

from __future__ import annotations

from typing import Any, Final

from contracts.codec import load_json
from contracts.interface import StateReader

FILE_PREFIX: Final = b"archives/file/"

KIND_PERSON: Final = "person"
KIND_ENTERPRISE: Final = "enterprise"
KINDS: Final = (KIND_PERSON, KIND_ENTERPRISE)


def get_file_key(subject: str) -> bytes:
    """State key of a holder's archive file summary."""
    return FILE_PREFIX + subject.encode("ascii")


def get_file(state: StateReader, subject: str) -> dict[str, Any] | None:
    """The holder's archive file summary, or None if nothing was ever appended to it."""
    value = state.get(get_file_key(subject))
    if value is None:
        return None
    record: dict[str, Any] = load_json(value)
    return record


def get_kind(state: StateReader, subject: str) -> str | None:
    """``"person"``, ``"enterprise"``, or None if the chain does not know."""
    record = get_file(state, subject)
    return None if record is None else str(record["kind"])
