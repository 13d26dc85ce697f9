"""Certificate ids an issuer gives at issuance: a national identifier (GB/T 36904) when the
chain allows one, else a local id.

An identifier names the certificate's type (its type code in the chain's catalogue) and its issuer
(the organisation's unified social credit code on the chain), with a serial and version
``001``; the chain refuses one that does not (contracts/certificates/national.py). The serial
is 10 random digits: an issuer that keeps its own numbering passes its own identifier
instead. A serial already used is refused by the chain (``already_exists``): issue again.
"""

from __future__ import annotations

import secrets
from typing import Final

from contracts.catalogue.entries import CertificateType
from contracts.framework.identifiers import (
    FIRST_VERSION,
    SERIAL_DIGITS_ISSUED,
    CertificateIdentifier,
    is_identifier_like,
    isolate_serials,
    issued_serial,
    parse_identifier,
)
from contracts.framework.screen import find_personal_data
from node.chain.ids import new_id
from node.sdk.catalogue import TypeNotInCatalogue, get_certificate_type
from node.sdk.client import LedgerClient

SERIAL_DRAWS_MAX: Final = 64
"""Serials drawn at most for one identifier: about 1 in 100 random serials reads as a
telephone number to the personal-data screen (a 10-digit serial starting 0 looks like a
landline with its area code), which the node would refuse; 64 draws all failing has a chance
of about 10^-128."""


def make_identifier(type_code: str, issuer_code: str) -> str:
    """A new first-version identifier with a random serial that the personal-data screen
    passes (the node screens every argument, and ids a call creates are stored in clear)."""
    for _ in range(SERIAL_DRAWS_MAX):
        serial = issued_serial(secrets.randbelow(10**SERIAL_DIGITS_ISSUED))
        text = CertificateIdentifier(type_code, issuer_code, serial, FIRST_VERSION).text
        if find_personal_data(isolate_serials(text)) is None:
            return text
    raise RuntimeError("no serial passing the personal-data screen was drawn")


def new_certificate_id(
    client: LedgerClient, org_id: str, cert_type: str, entry: CertificateType | None = None
) -> str:
    """The id for a new ``cert_type`` certificate of ``org_id``: a national identifier when
    the type has a type code and the organisation a credit code on the chain, else a local
    ``cert-…`` id. The type code is ``entry``'s (the chain's type, read from the chain when
    not given: a type may be newer than this code); a type the chain lacks gets a local id
    (and the chain refuses the issue, naming the type)."""
    if entry is None:
        try:
            entry = get_certificate_type(client, cert_type)
        except TypeNotInCatalogue:
            return new_id("cert")
    code = client.query("membership", "get", org_id=org_id).get("credit_code")
    if not entry.type_code or not isinstance(code, str):
        return new_id("cert")
    return make_identifier(entry.type_code, code)


def reissued_certificate_id(cert_id: str) -> str:
    """The id of the certificate that supersedes ``cert_id`` at a reissue: the next version
    of a national identifier (the chain requires it), or a new local id."""
    if is_identifier_like(cert_id):
        return parse_identifier(cert_id).next_version().text
    return new_id("cert")
