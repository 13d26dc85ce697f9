"""Stored records whose fields are declared once, as the fields of a frozen dataclass.

A record type subclasses :class:`Record` and is a ``@dataclass(frozen=True, slots=True)``;
its fields (name, type, default) are the whole declaration. From them come:

- :meth:`Record.to_json` / :meth:`Record.encode`: the JSON object and its canonical bytes
  (bytes fields as lowercase hex, tuples as arrays, nested records as objects);
- :meth:`Record.from_json` / :meth:`Record.decode`: the record back, a field missing from an
  older record taking its declared default.

The JSON keys are the field names, so the bytes are exactly those the hand-written
``to_json`` methods produced before (the golden scenario test holds them to it).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from typing import Any, Self

from contracts.framework.codec import canonical_json, load_json

_Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _get_converters(annotation: Any) -> tuple[_Convert, _Convert]:
    """(to JSON, from JSON) for one field's declared type."""
    if annotation is bytes:
        return bytes.hex, bytes.fromhex
    if isinstance(annotation, type) and issubclass(annotation, Record):
        record_type = annotation
        return (lambda value: value.to_json()), record_type.from_json
    if typing.get_origin(annotation) is tuple:
        item_to, item_from = _get_converters(typing.get_args(annotation)[0])
        if item_to is _same:
            return list, tuple
        return (
            lambda value: [item_to(item) for item in value],
            lambda value: tuple(item_from(item) for item in value),
        )
    return _same, _same


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    """How one record type converts, worked out once from its fields."""

    names: tuple[str, ...]
    to_json: tuple[tuple[str, _Convert], ...]
    from_json: tuple[tuple[str, _Convert], ...]
    plain: bool
    """Whether every field is stored as it is held (no conversion either way)."""


class Record:
    """Base of every stored record (see the module docstring)."""

    __slots__ = ()

    @classmethod
    def _get_layout(cls) -> _Layout:
        return _get_layout(cls)

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object."""
        layout = self._get_layout()
        if layout.plain:
            return {name: getattr(self, name) for name in layout.names}
        return {name: convert(getattr(self, name)) for name, convert in layout.to_json}

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Self:
        """Rebuild a record from its JSON object (a field left out takes its default)."""
        layout = cls._get_layout()
        if layout.plain:
            return cls(**{name: record[name] for name in layout.names if name in record})
        return cls(
            **{name: convert(record[name]) for name, convert in layout.from_json if name in record}
        )

    def encode(self) -> bytes:
        """The stored bytes: canonical JSON of :meth:`to_json`."""
        return canonical_json(self.to_json())

    @classmethod
    def decode(cls, value: bytes) -> Self:
        """Rebuild a record from its stored bytes."""
        return cls.from_json(load_json(value))


_LAYOUTS: dict[type[Record], _Layout] = {}
"""Each record type's layout, worked out on its first use (a pure function of the class)."""


def _get_layout(cls: type[Record]) -> _Layout:
    found = _LAYOUTS.get(cls)
    if found is None:
        found = _LAYOUTS[cls] = _compute_layout(cls)
    return found


def _compute_layout(cls: type[Record]) -> _Layout:
    hints = typing.get_type_hints(cls)
    names = tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]
    converters = {name: _get_converters(hints[name]) for name in names}
    return _Layout(
        names=names,
        to_json=tuple((name, converters[name][0]) for name in names),
        from_json=tuple((name, converters[name][1]) for name in names),
        plain=all(converters[name][0] is _same for name in names),
    )
