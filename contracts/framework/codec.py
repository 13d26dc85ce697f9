"""Canonical JSON: the one encoding of state values, so every validator writes equal bytes."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not canonical JSON")


_CANONICAL = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
)
"""The one encoder (stateless between calls, so sharing it changes nothing but its cost)."""


def canonical_json(value: object) -> bytes:
    """Encode ``value`` as UTF-8 JSON with sorted keys and no insignificant whitespace.

    Non-ASCII text (Chinese names of certificate types, purposes) is kept as UTF-8 rather
    than ``\\u`` escapes. NaN and infinities are refused: they have no canonical form.
    """
    return _CANONICAL.encode(value).encode("utf-8")


def canonical_json_text(value: object) -> str:
    """:func:`canonical_json` as text, for a value inside a record written out key by key."""
    return _CANONICAL.encode(value)


def canonical_json_str(value: str) -> str:
    """The canonical JSON of a string, as text (exactly what :func:`canonical_json_text`
    gives for it); raises TypeError for anything else, so a caller can fall back."""
    return encode_basestring(value)  # the C function the encoder itself uses


def canonical_json_int(value: int) -> str:
    """The canonical JSON of an int, as text; raises TypeError for anything else, even a
    bool (JSON ``true``, not ``1``), so a caller can fall back."""
    if type(value) is not int:
        raise TypeError("not an int")
    return int.__repr__(value)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def load_json(b: bytes) -> Any:
    """Decode UTF-8 JSON bytes (as written by :func:`canonical_json`)."""
    text = b.decode("utf-8")
    if text.startswith("\ufeff"):  # as json.loads refuses it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)
