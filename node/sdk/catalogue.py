"""The catalogue as the chain states it, for off-chain readers (the CLI, the SDK, the wallet).

Certificate types, record categories and purposes are chain state, registered at genesis or
by governance (contracts/catalogue): a type may be newer than this code, so whoever builds or
checks a document reads its type here, never from :mod:`contracts.catalogue.certificate_types`
(the frozen catalogue of chains made before the catalogue moved onto the chain).

The ``certificates.types`` and ``certificates.type`` queries list a type with its fields'
kinds, lengths and disclosure classes as maps; :func:`get_definition` turns one back into the
definition the chain stores, and :func:`decode_certificate_type` parses it with the contracts'
own :func:`~contracts.catalogue.definitions.parse_certificate_type`, so the SDK and the
contracts agree on what a type is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.catalogue.definitions import Definition, parse_certificate_type
from contracts.catalogue.entries import CertificateType
from contracts.framework.errors import ContractError
from node.sdk.client import ClientError, LedgerClient
from node.sdk.documents import DocumentInvalid, document_hash


class CatalogueAnswerInvalid(Exception):
    """The node's answer is not a certificate type (a node of another version, or a bug)."""


class TypeNotInCatalogue(Exception):
    """The chain's catalogue has no certificate type of this id."""

    def __init__(self, type_id: str) -> None:
        super().__init__(f"certificate type {type_id} is not in the chain's catalogue")
        self.type_id = type_id


@dataclass(frozen=True, slots=True)
class ListedType:
    """A certificate type's version as the chain lists it, and where it stands."""

    entry: CertificateType
    version: int
    """1 for the first registration, one more for each approved change."""
    from_height: int
    """The first block in which this version is in force."""
    retired_height: int
    """The first block in which the type is retired; 0 while in force."""

    def is_retired(self) -> bool:
        """Whether governance retired the type (nothing new is issued under it)."""
        return self.retired_height != 0


def get_definition(listed: Mapping[str, Any]) -> Definition:
    """The definition (as :mod:`contracts.catalogue.definitions` reads it) of one type as
    the ``types``/``type`` queries list it."""
    try:
        lengths, kinds, classes = (
            listed["field_lengths_max"],
            listed["field_kinds"],
            listed["field_disclosures"],
        )
        return {
            "id": listed["id"],
            "name_zh": listed["name_zh"],
            "name_en": listed["name_en"],
            "holder_kinds": list(listed["holder_kinds"]),
            "fields": [
                {
                    "name": name,
                    "kind": kinds[name],
                    "length_max": lengths[name],
                    "disclosure": classes[name],
                }
                for name in listed["fields"]
            ],
            "validity_required": listed["validity_required"],
            "validity_ms_max": listed["validity_ms_max"],
            "type_code": listed["type_code"],
            "metadata": dict(listed["metadata_fields"]),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueAnswerInvalid(
            f"not a certificate type as the chain lists one: {exc}"
        ) from exc


def decode_certificate_type(listed: Mapping[str, Any]) -> ListedType:
    """One type of a ``types``/``type`` answer, parsed by the contracts' own reader."""
    try:
        entry = parse_certificate_type(get_definition(listed))
        return ListedType(
            entry, int(listed["version"]), int(listed["from_height"]), int(listed["retired_height"])
        )
    except ContractError as exc:
        raise CatalogueAnswerInvalid(f"the chain's type does not parse: {exc.message}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueAnswerInvalid(
            f"not a certificate type as the chain lists one: {exc}"
        ) from exc


def fetch_type_versions(client: LedgerClient, type_id: str) -> list[ListedType]:
    """Every version of a type, oldest first (``certificates.type``);
    :class:`TypeNotInCatalogue` if the chain has none of this id."""
    try:
        answer = client.query("certificates", "type", type_id=type_id)
    except ClientError as exc:
        if exc.code in ("NOT_FOUND", "INVALID_ARGUMENT"):
            raise TypeNotInCatalogue(type_id) from exc
        raise
    if not isinstance(answer, dict) or not isinstance(answer.get("versions"), list):
        raise CatalogueAnswerInvalid("the type query's answer lists no versions")
    return [decode_certificate_type(version) for version in answer["versions"]]


def fetch_type(client: LedgerClient, type_id: str) -> ListedType:
    """A type's current version (the one a new certificate is issued under, unless it is
    retired: the chain says so at issuance)."""
    return fetch_type_versions(client, type_id)[-1]


def get_certificate_type(client: LedgerClient, type_id: str) -> CertificateType:
    """A type's current entry: what to build, check or commit a document of it with (its
    fields include every earlier version's, so it fits certificates issued under any)."""
    return fetch_type(client, type_id).entry


def fetch_types(client: LedgerClient) -> list[ListedType]:
    """Every type's current version, retired ones included, by id (``certificates.types``)."""
    answer = client.query("certificates", "types")
    if not isinstance(answer, list):
        raise CatalogueAnswerInvalid("the types query's answer is not a list")
    return [decode_certificate_type(listed) for listed in answer]


def fetch_purpose_codes(client: LedgerClient) -> dict[str, dict[str, Any]]:
    """The purposes of use (申请事由) by code, retired ones included
    (``certificates.purposes``: each with ``retired_height``, 0 while in force)."""
    answer = client.query("certificates", "purposes")
    if not isinstance(answer, list):
        raise CatalogueAnswerInvalid("the purposes query's answer is not a list")
    return {str(item["id"]): item for item in answer if isinstance(item, dict) and "id" in item}


def chain_document_hash(client: LedgerClient, doc: Mapping[str, Any]) -> str:
    """The document's hash (:func:`node.sdk.documents.document_hash`), the document checked
    against its type as the chain states it: :class:`~node.sdk.documents.DocumentInvalid` if
    it does not fit, or if the chain has no such type."""
    try:
        entry = get_certificate_type(client, str(doc.get("cert_type", "")))
    except TypeNotInCatalogue as exc:
        raise DocumentInvalid(str(exc)) from exc
    return document_hash(dict(doc), entry, suite=client.suite)
