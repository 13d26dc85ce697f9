"""The scope of a consent request: which of a holder's data an agency may read.

A scope is a JSON array of 1 to ``SCOPE_ITEMS_MAX`` distinct items, each one of:

- ``{"cert_id": C}``: the whole document of certificate C;
- ``{"cert_id": C, "fields": [f, ...]}``: only those fields of C (selective disclosure);
- ``{"cert_type": T}`` / ``{"cert_type": T, "fields": [...]}``: any of the holder's
  certificates of type T (whole, or those fields);
- ``{"record_category": K}``: the holder's archive records of category K.

A granted scope may narrow a requested one: every granted item must lie within a requested
item (the same certificate, type or category, with the same or fewer fields). An access
names what it reads; it is in scope if some granted item covers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from contracts.catalogue import lookup
from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import invalid
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.framework.interface import StateReader

Item = dict[str, Any]
"""One scope item, normalised (field names sorted)."""

CERT_ID: Final = "cert_id"
CERT_TYPE: Final = "cert_type"
RECORD_CATEGORY: Final = "record_category"
FIELDS: Final = "fields"


def _check_fields(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > limits.NAME_LIST_LENGTH_MAX:
        raise invalid(f"{name}: fields must be a non-empty JSON array of field names")
    fields: list[str] = []
    for field in value:
        if not isinstance(field, str) or not formats.is_catalogue_id(field):
            raise invalid(f"{name}: fields must be field names of the certificate's type")
        fields.append(field)
    if len(set(fields)) != len(fields):
        raise invalid(f"{name}: a field is listed twice")
    return sorted(fields)


def parse_fields(value: object, name: str) -> list[str]:
    """Check a parsed list of distinct field names (of no type in particular); sorted."""
    return _check_fields(value, name)


def parse_item(value: object, name: str) -> Item:
    """Check one scope item's form (not whether the certificate exists); return it normalised."""
    if not isinstance(value, dict):
        raise invalid(f"{name}: each scope item must be a JSON object")
    keys = set(value)
    if keys == {RECORD_CATEGORY}:
        category = value[RECORD_CATEGORY]
        if not isinstance(category, str) or not formats.is_catalogue_id(category):
            raise invalid(f"{name}: record_category must be a category of the catalogue")
        return {RECORD_CATEGORY: category}
    if keys in ({CERT_ID}, {CERT_ID, FIELDS}):
        cert_id = value[CERT_ID]
        if not isinstance(cert_id, str) or not formats.is_cert_id(cert_id):
            raise invalid(f"{name}: cert_id must be a certificate id")
        item: Item = {CERT_ID: cert_id}
        if FIELDS in value:
            # Field names are checked against the certificate's type once it is looked up.
            item[FIELDS] = _check_fields(value[FIELDS], name)
        return item
    if keys in ({CERT_TYPE}, {CERT_TYPE, FIELDS}):
        cert_type = value[CERT_TYPE]
        if not isinstance(cert_type, str) or not formats.is_catalogue_id(cert_type):
            raise invalid(f"{name}: cert_type must be a type of the catalogue")
        item = {CERT_TYPE: cert_type}
        if FIELDS in value:
            # Checked against the type in the chain's catalogue: check_catalogue.
            item[FIELDS] = _check_fields(value[FIELDS], name)
        return item
    raise invalid(
        f"{name}: each scope item is {{cert_id[, fields]}}, {{cert_type[, fields]}} or"
        " {record_category}"
    )


def parse_scope(value: object, name: str) -> list[Item]:
    """Check a parsed scope; return its items normalised and in canonical order."""
    if not isinstance(value, list) or not 1 <= len(value) <= limits.SCOPE_ITEMS_MAX:
        raise invalid(f"{name} must be a JSON array of 1 to {limits.SCOPE_ITEMS_MAX} items")
    items = [parse_item(item, name) for item in value]
    encoded = [canonical_json(item) for item in items]
    if len(set(encoded)) != len(encoded):
        raise invalid(f"{name} lists an item twice")
    return [item for _, item in sorted(zip(encoded, items, strict=True))]


def get_scope(args: arguments.Args, name: str) -> list[Item]:
    """The scope in JSON text argument ``name``."""
    return parse_scope(arguments.get_json(args, name), name)


def get_fields(args: arguments.Args, name: str) -> tuple[str, ...]:
    """The distinct field names in JSON text argument ``name`` (a list of no type in
    particular: the caller checks them against the type it knows), sorted."""
    return tuple(parse_fields(arguments.get_json(args, name), name))


def check_item_fields(state: StateReader, item: Item, cert_type: str, name: str) -> None:
    """Check a certificate item's fields against the type of the certificate it names."""
    if FIELDS in item:
        lookup.check_fields_of(state, cert_type, item[FIELDS], f"{name}: fields")


def check_catalogue(state: StateReader, items: Sequence[Item], height: int, name: str) -> None:
    """The types and categories a new scope names are in the chain's catalogue, in force at
    ``height`` (nothing new is asked under a retired entry), and its field lists are fields
    of the types they name."""
    for item in items:
        if RECORD_CATEGORY in item:
            lookup.get_category_in_force(state, item[RECORD_CATEGORY], height)
        elif CERT_TYPE in item:
            lookup.get_type_for_issue(state, item[CERT_TYPE], height)
            check_item_fields(state, item, item[CERT_TYPE], name)


def _fields_within(narrow: Item, wide: Item) -> bool:
    if FIELDS not in wide:
        return True
    return FIELDS in narrow and set(narrow[FIELDS]) <= set(wide[FIELDS])


def is_item_within(narrow: Item, wide: Item) -> bool:
    """Whether ``narrow`` asks for no more than ``wide``."""
    for key in (CERT_ID, CERT_TYPE, RECORD_CATEGORY):
        if key in wide:
            return narrow.get(key) == wide[key] and _fields_within(narrow, wide)
    return False


def is_scope_within(narrow: Sequence[Item], wide: Sequence[Item]) -> bool:
    """Whether every item of ``narrow`` lies within some item of ``wide``."""
    return all(any(is_item_within(n, w) for w in wide) for n in narrow)


def covers_certificate(
    scope: Sequence[Item], cert_id: str, cert_type: str, fields: Sequence[str] | None
) -> bool:
    """Whether ``scope`` lets an agency read ``fields`` (None: the whole document) of the
    holder's certificate ``cert_id`` of type ``cert_type``."""
    wanted: Item = {CERT_ID: cert_id}
    if fields is not None:
        wanted[FIELDS] = list(fields)
    return any(
        (item.get(CERT_ID) == cert_id or item.get(CERT_TYPE) == cert_type)
        and _fields_within(wanted, item)
        for item in scope
    )


def covers_record(scope: Sequence[Item], category: str) -> bool:
    """Whether ``scope`` lets an agency read the holder's records of ``category``."""
    return any(item.get(RECORD_CATEGORY) == category for item in scope)


def get_cert_ids(scope: Sequence[Item]) -> list[str]:
    """The certificate ids a scope names, in scope order."""
    return [item[CERT_ID] for item in scope if CERT_ID in item]


def get_categories(scope: Sequence[Item]) -> list[str]:
    """The record categories a scope names, sorted."""
    return sorted({item[RECORD_CATEGORY] for item in scope if RECORD_CATEGORY in item})


def encode_scope(scope: Sequence[Item]) -> str:
    """A scope as canonical JSON text (for events and for callers building arguments)."""
    return canonical_json(list(scope)).decode("utf-8")


def get_scope_admission_problem(text: str) -> str | None:
    """Admission's check of a scope: its field lists name catalogue fields only."""
    try:
        value = arguments.parse_json_text(text, "scope")
    except ContractError:
        return None  # the reader reports malformed JSON first
    items = value if isinstance(value, list) else []
    for item in items:
        fields = item.get(FIELDS, []) if isinstance(item, dict) else []
        if not isinstance(fields, list) or not all(formats.is_catalogue_id(f) for f in fields):
            return "must name field names of the certificate catalogue"
    return None
