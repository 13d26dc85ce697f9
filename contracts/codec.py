"""Canonical JSON: the one encoding of state values, so every validator writes equal bytes."""

from __future__ import annotations

import json
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not canonical JSON")


def canonical_json(value: object) -> bytes:
    """Encode ``value`` as UTF-8 JSON with sorted keys and no insignificant whitespace.

    Non-ASCII text (Chinese names of certificate types, purposes) is kept as UTF-8 rather
    than ``\\u`` escapes. NaN and infinities are refused: they have no canonical form.
    """
    text = json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def load_json(b: bytes) -> Any:
    """Decode UTF-8 JSON bytes (as written by :func:`canonical_json`)."""
    return json.loads(b.decode("utf-8"), parse_constant=_reject_constant)
