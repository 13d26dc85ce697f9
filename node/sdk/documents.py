"""A certificate document as it travels off-chain: issuer -> wallet -> agency.

{"cert_id": ..., "cert_type": ..., "fields": {...}, "salt": hex}. Its hash (with the
salt, so the hash reveals nothing) is what the chain holds.
"""

from __future__ import annotations

import os
from typing import Any

from contracts.certificates.commitments import compute_document_hash
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


def document_hash(doc: dict[str, Any]) -> str:
    try:
        salt = bytes.fromhex(str(doc["salt"]))
        fields = doc["fields"]
        if not isinstance(fields, dict):
            raise DocumentInvalid("fields must be an object")
        return compute_document_hash(str(doc["cert_type"]), fields, salt)
    except (KeyError, ValueError, TypeError) as exc:
        raise DocumentInvalid(f"malformed document: {exc}") from exc
    except ContractError as exc:
        raise DocumentInvalid(exc.message) from exc
