"""A certificate document as it travels off-chain: issuer -> wallet -> agency.

{"cert_id": ..., "cert_type": ..., "fields": {...}, "salt": hex}. Its hash (with the
salt, so the hash reveals nothing) is what the chain holds.

National codes in a document are checked wherever its hash is computed: when an issuer
makes it, when the wallet receives it, when a holder grants it and when an agency reads it.
A resident ID number (any field named ``id_number`` or ``..._id_number``) must carry a valid
GB 11643 check character, a unified social credit code (``unified_social_credit_code``) a
valid GB 32100 one, both written in capitals. The chain never sees these values (they are
committed with the other fields), so the check lives here, off-chain. Those names are
checked whatever the type; the type's own field kinds too when its entry is given
(:func:`get_kind_problem`: ``resident_id``, ``credit_code``, ``date``, ``number``).

A document is checked against its certificate type: pass the type's entry as the chain states
it (:func:`node.sdk.catalogue.get_certificate_type`), since a type may be newer than this
code; without one, only a type of the catalogue of chains made before the catalogue moved
onto the chain (:mod:`contracts.catalogue.certificate_types`) can be checked, by field names.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

from contracts.catalogue.entries import CertificateType
from contracts.certificates.commitments import (
    TypeOrId,
    compute_document_hash,
    derive_field_salt,
    verify_disclosure,
)
from contracts.framework.check_characters import is_gb11643_valid, is_gb32100_valid
from contracts.framework.errors import ContractError
from suites import Suite

SALT_BYTES = 16


class DocumentInvalid(Exception):
    pass


def new_document(
    cert_id: str,
    cert_type: str,
    fields: dict[str, str],
    entry: CertificateType | None = None,
    *,
    suite: Suite,
) -> dict[str, Any]:
    """A new document with a fresh salt, checked against ``entry`` (the chain's type of id
    ``cert_type``; the legacy catalogue's when None): DocumentInvalid if it does not fit."""
    doc = {
        "cert_id": cert_id,
        "cert_type": cert_type,
        "fields": dict(fields),
        "salt": os.urandom(SALT_BYTES).hex(),
    }
    document_hash(doc, entry, suite=suite)  # validates fields against the type
    return doc


def get_code_problem(name: str, value: object) -> str | None:
    """Why a field holding a national code is malformed (never repeating the value), or None."""
    check: Callable[[str], bool]
    if name == "id_number" or name.endswith("_id_number"):
        check, what = is_gb11643_valid, "a resident ID number with a valid GB 11643"
    elif name == "unified_social_credit_code":
        check, what = is_gb32100_valid, "a unified social credit code with a valid GB 32100"
    else:
        return None
    if isinstance(value, str) and check(value):
        return None
    return f"field {name}: not {what} check character (18 characters, letters in capitals)"


def get_kind_problem(entry: CertificateType, name: str, value: object) -> str | None:
    """Why a field's value is not of the kind its type gives it (never repeating the value),
    or None: ``resident_id`` and ``credit_code`` as :func:`get_code_problem` checks them,
    ``date`` a real ``YYYY-MM-DD`` date, ``number`` decimal digits."""
    kind = entry.get_field_kind(name)
    if not isinstance(value, str):
        return None  # the catalogue's check says values are strings
    if kind == "resident_id" and not is_gb11643_valid(value):
        return f"field {name}: not a resident ID number with a valid GB 11643 check character"
    if kind == "credit_code" and not is_gb32100_valid(value):
        return (
            f"field {name}: not a unified social credit code with a valid GB 32100 check character"
        )
    if kind == "date" and not _is_date(value):
        return f"field {name}: not a date written YYYY-MM-DD"
    if kind == "number" and not (value.isascii() and value.isdigit()):
        return f"field {name}: not a number in decimal digits"
    return None


def _is_date(value: str) -> bool:
    if len(value) != 10 or not value.isascii():
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def document_hash(
    doc: dict[str, Any], entry: CertificateType | None = None, *, suite: Suite
) -> str:
    """The document's hash as the chain holds it (``suite`` is the chain's: SHA-256 or SM3);
    DocumentInvalid if it is malformed or does not fit its type: ``entry`` as the chain
    states it, or (None) the legacy catalogue's."""
    try:
        cert_type: TypeOrId = str(doc["cert_type"])
        if entry is not None:
            if entry.id != cert_type:
                raise DocumentInvalid(f"the document is a {cert_type}, not a {entry.id}")
            cert_type = entry
        salt = bytes.fromhex(str(doc["salt"]))
        fields = doc["fields"]
        if not isinstance(fields, dict):
            raise DocumentInvalid("fields must be an object")
        for name, value in fields.items():
            problem = get_code_problem(str(name), value)
            if problem is None and entry is not None:
                problem = get_kind_problem(entry, str(name), value)
            if problem is not None:
                raise DocumentInvalid(problem)
        return compute_document_hash(cert_type, fields, salt, suite=suite)
    except (KeyError, ValueError, TypeError) as exc:
        raise DocumentInvalid(f"malformed document: {exc}") from exc
    except ContractError as exc:
        raise DocumentInvalid(exc.message) from exc


# --- A copy of chosen fields only (最小够用) ---------------------------------------------------


def make_partial_copy(doc: dict[str, Any], names: list[str], *, suite: Suite) -> dict[str, Any]:
    """What an agency granted some fields receives: those fields' values and their own
    salts (`derive_field_salt`), never the document's salt, so the other fields stay hidden
    and the ones given can still be checked against the chain's commitments."""
    salt = bytes.fromhex(str(doc["salt"]))
    return {
        "cert_id": doc["cert_id"],
        "cert_type": doc["cert_type"],
        "fields": {name: doc["fields"][name] for name in names},
        "field_salts": {name: derive_field_salt(salt, name, suite=suite).hex() for name in names},
    }


def is_partial_copy(doc: dict[str, Any]) -> bool:
    return "field_salts" in doc and "salt" not in doc


def check_partial_copy(copy: dict[str, Any], onchain: dict[str, Any], *, suite: Suite) -> None:
    """DocumentInvalid unless every field of `copy` matches its commitment on the chain
    (`onchain`: the certificate's `status` record, with its published field commitments,
    which must hash to its document hash)."""
    try:
        fields, salts = copy["fields"], copy["field_salts"]
        if not isinstance(fields, dict) or not isinstance(salts, dict) or set(fields) != set(salts):
            raise DocumentInvalid("a partial copy gives each field with its salt")
        disclosed = {str(n): (fields[n], bytes.fromhex(str(salts[n]))) for n in fields}
        field_hashes = onchain.get("field_hashes") or {}
        if not verify_disclosure(
            str(copy["cert_type"]),
            field_hashes,
            disclosed,
            suite=suite,
            doc_hash=str(onchain["doc_hash"]),
        ):
            raise DocumentInvalid("the released fields do not match the commitments on the chain")
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DocumentInvalid(f"malformed partial copy: {exc}") from exc
