"""Attestation types: defined on chain by the organisation that issues them, naming the
source organisations whose records must confirm each attestation (see
:mod:`contracts.attest`)."""

from __future__ import annotations

from typing import Final

from contracts.attest.events import AttestEvent
from contracts.attest.records import TYPES, AttestationType
from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import Args
from contracts.framework.checks import check_new
from contracts.framework.errors import not_found
from contracts.framework.interface import (
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    Arg,
    Signature,
    Values,
    flag,
    free_text,
    json_kind,
    text,
    transaction,
)
from contracts.membership.organisations import ORGANISATIONS, ROLE_ISSUER, get_member_with_role

SOURCES_RULE: Final = (
    f"must be a JSON array of 1 to {limits.ATTEST_SOURCES_MAX} distinct organisation ids"
)


def read_sources(args: Args, name: str) -> tuple[str, ...]:
    """The ``sources`` argument: distinct organisation ids, read sorted."""
    value = arguments.get_json(args, name)
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= limits.ATTEST_SOURCES_MAX
        or not all(isinstance(item, str) and formats.is_org_id(item) for item in value)
        or len(set(value)) != len(value)
    ):
        raise arguments.invalid(f"{name} {SOURCES_RULE}")
    return tuple(sorted(value))


TYPE_ID = text("type_id", arguments.CATALOGUE_ID)
NEW_TYPE_ID = text("type_id", arguments.CATALOGUE_ID.creating())
NAME_ZH = free_text("name_zh", limits.ATTEST_TYPE_NAME_LENGTH_MAX)
NAME_EN = free_text("name_en", limits.ATTEST_TYPE_NAME_LENGTH_MAX)
SOURCES = Arg("sources", read_sources, json_kind(f"JSON array: {SOURCES_RULE}"))
OTHER_PARTY = flag("other_party")


@transaction(Signature(NEW_TYPE_ID, NAME_ZH, NAME_EN, SOURCES, OTHER_PARTY))
def process_define_type(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``define_type(type_id, name_zh, name_en, sources, other_party?)`` by an issuing
    organisation: it alone may then propose attestations of the type."""
    # The arguments are well-formed.
    type_id, sources = args[NEW_TYPE_ID], args[SOURCES]
    other_party = args.get(OTHER_PARTY, False)

    # The sender is an organisation with the issuer role.
    issuer = get_member_with_role(state, ctx, ROLE_ISSUER, "define an attestation type")

    # The type id is new.
    check_new(state, TYPES, type_id)

    # Every source is a member organisation.
    for org_id in sources:
        if ORGANISATIONS.get(state, org_id) is None:
            raise not_found(f"no organisation {org_id}")

    # Effect: store the type.
    defined = AttestationType(
        type_id=type_id,
        name_zh=args[NAME_ZH],
        name_en=args[NAME_EN],
        issuer=issuer.id,
        sources=sources,
        other_party=other_party,
        defined_height=ctx.height,
    )
    event = make_event(
        AttestEvent.TYPE_DEFINED,
        (issuer.id, *sources),
        {"other_party": other_party, "sources": ",".join(sources), "type_id": type_id},
    )
    return make_result({TYPES.key(type_id): defined.encode()}, [event])
