"""Governance actions on the catalogue: register an entry (its first version or the next) and
retire one. A certificate type is proposed by its defining body, the organisation whose
unified social credit code opens its type code (GB/T 36904); categories and purposes by any
member. Like every governance change, the consortium's quorum approves it; it is in force
from the block after the approval (so a block never holds two versions of one entry).

Arguments (besides ``proposal_id``, ``action``, ``expires_at_ms``):

- ``register_certificate_type(definition)``, ``register_record_category(definition)``,
  ``register_purpose(definition)``: ``definition`` is the entry's JSON definition
  (:mod:`contracts.catalogue.definitions`); an id already in the catalogue gets its next
  version, which must keep every field (and the type code) of the one it replaces;
- ``retire_certificate_type(entry_id)``, ``retire_record_category(entry_id)``,
  ``retire_purpose(entry_id)``: nothing new is issued, recorded or asked under it from the
  block after the approval; what exists stays verifiable.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from contracts.catalogue import lookup
from contracts.catalogue.definitions import Definition
from contracts.catalogue.entries import CatalogueEntry, CertificateType, RecordCategory
from contracts.catalogue.events import CatalogueEvent
from contracts.catalogue.shelves import Listed, Shelf
from contracts.framework import arguments
from contracts.framework.errors import ContractError, failed_precondition, permission_denied
from contracts.framework.interface import (
    CallContext,
    Event,
    EventName,
    StateReader,
    make_event,
)
from contracts.framework.signature import Arg, Kind, json_kind
from contracts.governance.plans import Action, Params, Plan
from contracts.membership import credit_codes

ENTRY_ID_KIND: Final = Kind("text", "a catalogue id (lower-case name, or 3-digit code)", 48)


def _read_entry_id(args: arguments.Args, name: str) -> str:
    value = arguments.get_str(args, name)
    if not 1 <= len(value) <= ENTRY_ID_KIND.length_max or not all(
        c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in value
    ):
        raise arguments.invalid(f"{name} must be a catalogue id")
    return value


ENTRY_ID: Final = Arg("entry_id", _read_entry_id, ENTRY_ID_KIND)


def _read_definition(shelf: Shelf[Any], args: arguments.Args, name: str) -> Definition:
    """The ``definition`` argument: parsed whole when proposed, kept in canonical form."""
    return shelf.encode(shelf.parse(arguments.get_json(args, name)))


def _admit_definition(shelf: Shelf[Any], text: str) -> str | None:
    """Admission's check of a definition: the whole entry parses."""
    try:
        shelf.parse(arguments.parse_json_text(text, "definition"))
    except ContractError as error:
        return f"is not a {shelf.what} definition: {error.message}"
    return None


def _definition_arg(shelf: Shelf[Any]) -> Arg[Definition]:
    return Arg(
        "definition",
        functools.partial(_read_definition, shelf),
        json_kind(
            f"JSON object: a {shelf.what}'s definition", functools.partial(_admit_definition, shelf)
        ),
    )


def _keeps_type(old: CertificateType, new: CertificateType) -> str | None:
    if new.type_code != old.type_code:
        return "a new version keeps its type code"
    if not set(old.fields) <= set(new.fields):
        return "a new version keeps every field (certificates issued under it must stay checkable)"
    return None


def _keeps_category(old: RecordCategory, new: RecordCategory) -> str | None:
    if not set(old.subject_kinds) <= set(new.subject_kinds):
        return "a new version keeps every kind of file it belonged in"
    return None


def _keeps_anything(old: CatalogueEntry, new: CatalogueEntry) -> str | None:
    return None


def _event(name: EventName, listed: Listed[Any], shelf: Shelf[Any], pid: str) -> Event:
    return make_event(
        name,
        (listed.entry.id, pid),
        {
            "entry_id": listed.entry.id,
            "from_height": listed.standing.from_height,
            "kind": shelf.kind,
            "proposal_id": pid,
            "retired_height": listed.standing.retired_height,
            "version": listed.standing.version,
        },
    )


def _no_other_check(state: StateReader, entry: CatalogueEntry) -> None:
    return None


def _check_type_code_free(state: StateReader, entry: CertificateType) -> None:
    """A type code names one type: no other type on the chain has it (GB/T 36904)."""
    for listed in lookup.TYPES.get_all(state):
        if listed.entry.type_code == entry.type_code and listed.entry.id != entry.id:
            raise failed_precondition(
                f"type code {entry.type_code} already names certificate type {listed.entry.id}"
            )


def _plan_register(
    shelf: Shelf[Any],
    keeps: Callable[[Any, Any], str | None],
    check: Callable[[StateReader, Any], None],
    state: StateReader,
    ctx: CallContext,
    pid: str,
    params: Params,
) -> Plan:
    entry = shelf.parse(params["definition"])
    check(state, entry)
    listed, writes = shelf.get_registration(state, entry, ctx.height + 1, keeps)
    event = _event(CatalogueEvent.CATALOGUE_REGISTERED, listed, shelf, pid)
    return Plan(writes, [event], ctx.height + 1)


def _plan_retire(
    shelf: Shelf[Any], state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    listed, writes = shelf.get_retirement(state, params["entry_id"], ctx.height + 1)
    event = _event(CatalogueEvent.CATALOGUE_RETIRED, listed, shelf, pid)
    return Plan(writes, [event], ctx.height + 1)


def _registering(
    shelf: Shelf[Any],
    keeps: Callable[[Any, Any], str | None],
    check: Callable[[StateReader, Any], None] = _no_other_check,
) -> Action:
    return Action((_definition_arg(shelf),), functools.partial(_plan_register, shelf, keeps, check))


def _retiring(shelf: Shelf[Any]) -> Action:
    return Action((ENTRY_ID,), functools.partial(_plan_retire, shelf))


def check_defining_body(state: StateReader, proposer: str, type_code: str) -> None:
    """``permission_denied`` unless ``proposer`` is the body whose code opens ``type_code``."""
    if not type_code:
        raise arguments.invalid(
            "a certificate type registered on the chain needs its type code"
            " (its defining body's credit code and 3 digits)"
        )
    if credit_codes.get_credit_code(state, proposer) != type_code[:18]:
        raise permission_denied(
            "only the type's defining body (the organisation whose credit code opens its"
            " type code) may propose it"
        )


def _check_type_proposer(state: StateReader, proposer: str, params: Params) -> None:
    if "definition" in params:
        check_defining_body(state, proposer, params["definition"]["type_code"])
        return
    listed = lookup.TYPES.get(state, params["entry_id"])
    if listed is not None:
        check_defining_body(state, proposer, listed.entry.type_code)


ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "register_certificate_type": dataclasses.replace(
            _registering(lookup.TYPES, _keeps_type, _check_type_code_free),
            check_proposer=_check_type_proposer,
        ),
        "retire_certificate_type": dataclasses.replace(
            _retiring(lookup.TYPES), check_proposer=_check_type_proposer
        ),
        "register_record_category": _registering(lookup.CATEGORIES, _keeps_category),
        "retire_record_category": _retiring(lookup.CATEGORIES),
        "register_purpose": _registering(lookup.PURPOSE_CODES, _keeps_anything),
        "retire_purpose": _retiring(lookup.PURPOSE_CODES),
    }
)
"""The catalogue's governance actions, by name."""
