"""National identifiers (GB/T 36904) at issuance: what an identifier must say of its
certificate.

A certificate id is either a local id or a national identifier
(:mod:`contracts.framework.identifiers`; the argument format has already checked its parts
and check character). A national identifier names the certificate's type and its issuer, so
the chain holds it to them:

- at ``issue``: version ``001``, the type code of the certificate's type
  (:attr:`CertificateType.type_code`), and the issuer code of the sending organisation (its
  credit code on the chain, :mod:`contracts.membership.credit_codes`);
- at ``renew`` (延续) and ``amend`` (变更): the certificate moves to the next version of its
  identifier, as the platforms number them. It stays recorded under the id it was issued
  with; its current identifier is kept beside it, and each later version's identifier names
  it (:data:`~contracts.certificates.records.CURRENT_IDENTIFIERS`,
  :data:`~contracts.certificates.records.IDENTIFIED_BY`), so queries find it by any version;
- at ``reissue`` (补发, 换发) of a certificate with a national identifier: a new certificate
  under the next version of its current identifier; a certificate with a local id may be
  reissued under a national identifier, as at issue.
"""

from __future__ import annotations

from contracts.catalogue import CertificateType
from contracts.certificates.records import CURRENT_IDENTIFIERS, IDENTIFIED_BY
from contracts.framework import identifiers
from contracts.framework.arguments import invalid
from contracts.framework.errors import failed_precondition, permission_denied
from contracts.framework.interface import StateReader
from contracts.membership import credit_codes
from contracts.membership.organisations import Organisation

Writes = dict[bytes, bytes | None]


def check_new_identifier(
    state: StateReader, cert_id: str, entry: CertificateType, issuer: Organisation
) -> None:
    """A new certificate's id, if it is a national identifier, is the first version of one
    for this type from this issuer."""
    if not identifiers.is_identifier_like(cert_id):
        return
    identifier = identifiers.parse_identifier(cert_id)
    if identifier.version != identifiers.FIRST_VERSION:
        raise invalid("a new certificate's identifier has version 001 (reissue gives later ones)")
    _check_type_and_issuer(state, identifier, entry, issuer)


def get_current_identifier(state: StateReader, cert_id: str) -> str:
    """The identifier a certificate goes by now: its issued id, or the version its renewals
    and amendments have brought it to."""
    return CURRENT_IDENTIFIERS.get(state, cert_id) or cert_id


def resolve(state: StateReader, cert_id: str) -> str:
    """The id a certificate is recorded under, given any version of its identifier."""
    return IDENTIFIED_BY.get(state, cert_id) or cert_id


def get_next_version_writes(state: StateReader, cert_id: str) -> tuple[str, Writes]:
    """For a certificate renewed or amended: its identifier's next version and the writes that
    record it; ("", {}) for a local id, which has no versions."""
    if not identifiers.is_identifier_like(cert_id):
        return "", {}
    current = identifiers.parse_identifier(get_current_identifier(state, cert_id))
    try:
        later = current.next_version().text
    except identifiers.IdentifierError as error:
        raise failed_precondition(str(error)) from None
    return later, {
        **CURRENT_IDENTIFIERS.write(cert_id, later),
        **IDENTIFIED_BY.write(later, cert_id),
    }


def check_reissued_identifier(
    state: StateReader,
    old_id: str,
    new_id: str,
    entry: CertificateType,
    issuer: Organisation,
) -> None:
    """The id of a certificate that supersedes ``old_id``: the next version of its current
    national identifier, or (for a local id) any new id, a national one as at issue."""
    if not identifiers.is_identifier_like(old_id):
        check_new_identifier(state, new_id, entry, issuer)
        return
    old = identifiers.parse_identifier(get_current_identifier(state, old_id))
    try:
        expected = old.next_version()
    except identifiers.IdentifierError as error:
        raise failed_precondition(str(error)) from None
    if new_id != expected.text:
        raise invalid(f"a reissue of {old.text} takes its next version: {expected.text}")
    _check_type_and_issuer(state, expected, entry, issuer)


def _check_type_and_issuer(
    state: StateReader,
    identifier: identifiers.CertificateIdentifier,
    entry: CertificateType,
    issuer: Organisation,
) -> None:
    if not entry.type_code:
        raise invalid(f"{entry.id} certificates have no national type code: use a local id")
    if identifier.type_code != entry.type_code:
        raise invalid(f"the identifier's type code is not that of {entry.id} ({entry.type_code})")
    code = credit_codes.get_credit_code(state, issuer.id)
    if code is None:
        raise failed_precondition(
            f"organisation {issuer.id} has no credit code on the chain: it issues local ids only"
        )
    if identifier.issuer_code != code:
        raise permission_denied(
            f"the identifier's issuer code is not the credit code of organisation {issuer.id}"
        )
