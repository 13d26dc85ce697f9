"""A certificate document as it travels off-chain: issuer -> wallet -> agency.

{"cert_id": ..., "cert_type": ..., "fields": {...}, "salt": hex}. Its hash (with the
salt, so the hash reveals nothing) is what the chain holds.

National codes in a document are checked wherever its hash is computed: when an issuer
makes it, when the wallet receives it, when a holder grants it and when an agency reads it.
A resident ID number (any field named ``id_number`` or ``..._id_number``) must carry a valid
GB 11643 check character, a unified social credit code (``unified_social_credit_code``) a
valid GB 32100 one, both written in capitals. The chain never sees these values (they are
committed with the other fields), so the check lives here, off-chain; the field names are
the catalogue's until the catalogue on the chain gives fields their types (issue 17).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from contracts.certificates.commitments import (
    compute_document_hash,
    derive_field_salt,
    verify_disclosure,
)
from contracts.framework.check_characters import is_gb11643_valid, is_gb32100_valid
from contracts.framework.errors import ContractError

SALT_BYTES = 16


class DocumentInvalid(Exception):
    pass


def new_document(cert_id: str, cert_type: str, fields: dict[str, str]) -> dict[str, Any]:
    doc = {
        "cert_id": cert_id,
        "cert_type": cert_type,
        "fields": dict(fields),
        "salt": os.urandom(SALT_BYTES).hex(),
    }
    document_hash(doc)  # validates fields against the catalogue
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


def document_hash(doc: dict[str, Any]) -> str:
    """The document's hash as the chain holds it; DocumentInvalid if it is malformed."""
    try:
        salt = bytes.fromhex(str(doc["salt"]))
        fields = doc["fields"]
        if not isinstance(fields, dict):
            raise DocumentInvalid("fields must be an object")
        for name, value in fields.items():
            problem = get_code_problem(str(name), value)
            if problem is not None:
                raise DocumentInvalid(problem)
        return compute_document_hash(str(doc["cert_type"]), fields, salt)
    except (KeyError, ValueError, TypeError) as exc:
        raise DocumentInvalid(f"malformed document: {exc}") from exc
    except ContractError as exc:
        raise DocumentInvalid(exc.message) from exc


# --- A copy of chosen fields only (最小够用) ---------------------------------------------------


def make_partial_copy(doc: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """What an agency granted some fields receives: those fields' values and their own
    salts (`derive_field_salt`), never the document's salt, so the other fields stay hidden
    and the ones given can still be checked against the chain's commitments."""
    salt = bytes.fromhex(str(doc["salt"]))
    return {
        "cert_id": doc["cert_id"],
        "cert_type": doc["cert_type"],
        "fields": {name: doc["fields"][name] for name in names},
        "field_salts": {name: derive_field_salt(salt, name).hex() for name in names},
    }


def is_partial_copy(doc: dict[str, Any]) -> bool:
    return "field_salts" in doc and "salt" not in doc


def check_partial_copy(copy: dict[str, Any], onchain: dict[str, Any]) -> None:
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
            str(copy["cert_type"]), field_hashes, disclosed, doc_hash=str(onchain["doc_hash"])
        ):
            raise DocumentInvalid("the released fields do not match the commitments on the chain")
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DocumentInvalid(f"malformed partial copy: {exc}") from exc
