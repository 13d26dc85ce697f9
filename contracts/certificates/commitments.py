"""Salted commitments to certificate documents, for selective disclosure (选择性披露).

A document is a certificate type and one string value per field of that type, plus a random
salt of at least ``DOCUMENT_SALT_LENGTH_MIN`` bytes chosen by the issuer. From them:

- each field gets its own salt, derived from the document salt and the field name, so the
  holder keeps one secret but can reveal one field's salt without the others';
- each field gets a commitment: a hash of the type, the field name, its salt and its value;
- the document hash is a hash of the type and the sorted list of (field name, commitment).

The chain stores the document hash and, if the issuer publishes them, the field commitments.
To disclose chosen fields the holder hands a verifier those fields' values and salts; the
verifier recomputes their commitments and compares them with the chain's (and, given every
commitment, checks they hash to the document hash). Nothing reveals an undisclosed field:
each commitment is salted with 256 secret bits.

Every hash input is domain separated and length-prefixed (4-byte big-endian lengths), so no
two different inputs ever encode to the same bytes. The hash is the chain's suite's (SHA-256
on ``ed25519-sha256``, SM3 on ``sm2-sm3``; both 32 bytes, so every form below is the same):
each function takes the suite, with no default, so an SM chain's commitments are never
computed with SHA-256 by omission.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from contracts.catalogue import CERTIFICATE_TYPES, CertificateType
from contracts.catalogue.definitions import ID_RE
from contracts.framework import formats, limits
from contracts.framework.arguments import invalid
from contracts.framework.codec import canonical_json
from suites import Suite

DOCUMENT_DOMAIN: Final = b"trustledger/document\x00"
"""Domain separator of document hashes."""

FIELD_SALT_DOMAIN: Final = b"trustledger/field-salt\x00"
"""Domain separator of per-field salts."""

FIELD_COMMITMENT_DOMAIN: Final = b"trustledger/field\x00"
"""Domain separator of field commitments."""


def _frame(*parts: bytes) -> bytes:
    """Concatenate ``parts``, each prefixed by its length as 4 big-endian bytes."""
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


TypeOrId = CertificateType | str
"""A certificate type's entry (as the chain's catalogue holds it), or the id of one in the
catalogue of chains made before the catalogue moved onto the chain
(:mod:`contracts.catalogue.certificate_types`): what an issuer that knows no other passes."""


def _get_cert_type(cert_type: TypeOrId) -> CertificateType:
    if isinstance(cert_type, CertificateType):
        return cert_type
    found = CERTIFICATE_TYPES.get(cert_type) if isinstance(cert_type, str) else None
    if found is None:
        raise invalid("cert_type is not in the certificate catalogue")
    return found


def check_document(cert_type: TypeOrId, fields: Mapping[str, str], salt: bytes) -> CertificateType:
    """Check a document against its catalogue entry; raise ``invalid_argument`` if it fails.

    ``fields`` must hold exactly the field names of ``cert_type``, each a string no longer
    than the type allows, and ``salt`` at least ``DOCUMENT_SALT_LENGTH_MIN`` bytes.
    """
    entry = _get_cert_type(cert_type)
    if not isinstance(fields, Mapping) or set(fields) != set(entry.fields):
        raise invalid(f"a {cert_type} document has exactly the fields of its catalogue entry")
    for name in entry.fields:
        value = fields[name]
        if not isinstance(value, str):
            raise invalid("document field values must be strings")
        if len(value) > entry.get_field_length_max(name):
            raise invalid(
                f"field {name} of a {cert_type} document is longer than"
                f" {entry.get_field_length_max(name)} characters"
            )
    if not isinstance(salt, bytes) or len(salt) < limits.DOCUMENT_SALT_LENGTH_MIN:
        raise invalid(f"salt must be at least {limits.DOCUMENT_SALT_LENGTH_MIN} bytes")
    return entry


def derive_field_salt(salt: bytes, field_name: str, *, suite: Suite) -> bytes:
    """The salt of one field: H(domain || salt || field name), 32 bytes."""
    return suite.hash(FIELD_SALT_DOMAIN + _frame(salt, field_name.encode("utf-8")))


def compute_field_commitment(
    cert_type: str, field_name: str, field_salt: bytes, value: str, *, suite: Suite
) -> str:
    """Commitment (the suite's hash, lowercase hex) to one field's value under its salt."""
    data = _frame(
        cert_type.encode("utf-8"), field_name.encode("utf-8"), field_salt, value.encode("utf-8")
    )
    return suite.hash(FIELD_COMMITMENT_DOMAIN + data).hex()


def compute_field_commitments(
    cert_type: TypeOrId, fields: Mapping[str, str], salt: bytes, *, suite: Suite
) -> dict[str, str]:
    """Every field's commitment, by field name (see the module docstring).

    Raises ``invalid_argument`` if the document does not fit its catalogue entry.
    """
    entry = check_document(cert_type, fields, salt)
    return {
        name: compute_field_commitment(
            entry.id, name, derive_field_salt(salt, name, suite=suite), fields[name], suite=suite
        )
        for name in entry.fields
    }


def is_well_formed_commitments(commitments: object) -> bool:
    """Whether ``commitments`` maps 1 to ``NAME_LIST_LENGTH_MAX`` field names (catalogue names)
    to 32-byte digests in lowercase hex: the form of every document's commitments, whatever its type."""
    if not isinstance(commitments, Mapping) or not commitments:
        return False
    if len(commitments) > limits.NAME_LIST_LENGTH_MAX:
        return False
    return all(
        isinstance(name, str)
        and ID_RE.fullmatch(name) is not None
        and isinstance(value, str)
        and formats.is_doc_hash(value)
        for name, value in commitments.items()
    )


def is_complete_commitments(entry: CertificateType, commitments: object) -> bool:
    """Whether ``commitments`` maps exactly the fields of ``entry`` to digests in hex."""
    if not is_well_formed_commitments(commitments) or not isinstance(commitments, Mapping):
        return False
    return set(commitments) == set(entry.fields)


def compute_document_hash_from_commitments(
    cert_type: str, commitments: Mapping[str, str], *, suite: Suite
) -> str:
    """The document hash over the sorted (field name, commitment) list.

    Raises ``invalid_argument`` unless ``commitments`` is well-formed (whether it names
    exactly the type's fields is the caller's check: the type's entry is chain state).
    """
    if not isinstance(cert_type, str) or not is_well_formed_commitments(commitments):
        raise invalid(
            f"field commitments of a {cert_type} document name its fields,"
            " each a SHA-256 digest in lowercase hex"
        )
    listed = [[name, commitments[name]] for name in sorted(commitments)]
    data = canonical_json({"cert_type": cert_type, "fields": listed})
    return suite.hash(DOCUMENT_DOMAIN + data).hex()


def compute_document_hash(
    cert_type: TypeOrId, fields: Mapping[str, str], salt: bytes, *, suite: Suite
) -> str:
    """Hash (the suite's, lowercase hex) of a certificate's salted document.

    Computed off-chain by the issuer and the holder's wallet; raises ``invalid_argument`` if
    the document does not fit its catalogue entry (see :func:`check_document`).
    """
    entry = _get_cert_type(cert_type)
    return compute_document_hash_from_commitments(
        entry.id, compute_field_commitments(entry, fields, salt, suite=suite), suite=suite
    )


def encode_field_hashes(commitments: Mapping[str, str]) -> str:
    """The ``field_hashes`` argument of ``certificates.issue`` / ``amend`` / ``reissue``:
    canonical JSON text of the commitments."""
    return canonical_json(dict(commitments)).decode("utf-8")


def verify_disclosure(
    cert_type: str,
    field_hashes: Mapping[str, str],
    disclosed: Mapping[str, tuple[str, bytes]],
    *,
    suite: Suite,
    doc_hash: str | None = None,
) -> bool:
    """Whether the disclosed fields match the committed document; never raises.

    ``suite`` is the chain's (the one the commitments were made with). ``field_hashes``
    are the document's field commitments: from the chain (``status`` returns
    them when the issuer published them) or from the holder's presentation, in which case
    ``doc_hash`` (from the chain) must be given and they must hash to it. ``disclosed`` maps
    each revealed field name to (value, field salt). At least one field must be disclosed,
    and every disclosed field must match its commitment.
    """
    try:
        # The chain accepted these commitments for the type at issuance (or they hash to its
        # document hash): their form is all there is left to check.
        if not is_well_formed_commitments(field_hashes):
            return False
        if doc_hash is not None and (
            compute_document_hash_from_commitments(cert_type, field_hashes, suite=suite) != doc_hash
        ):
            return False
        if not isinstance(disclosed, Mapping) or not disclosed:
            return False
        for name, untrusted_pair in disclosed.items():
            pair: object = untrusted_pair
            if name not in field_hashes or not isinstance(pair, tuple) or len(pair) != 2:
                return False
            value: object = pair[0]
            field_salt: object = pair[1]
            if not isinstance(value, str) or not isinstance(field_salt, bytes):
                return False
            if len(field_salt) != limits.FIELD_SALT_LENGTH:
                return False
            commitment = compute_field_commitment(cert_type, name, field_salt, value, suite=suite)
            if commitment != field_hashes[name]:
                return False
        return True
    except Exception:  # a verifier's check answers yes or no, whatever it is handed
        return False
