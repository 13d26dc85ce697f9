"""Selective disclosure (亮证): a holder shows chosen fields of a certificate; a verifier
checks them against the chain without seeing the other fields.

A presentation carries, for each disclosed field, its value and its own salt (derived from
the document salt, so revealing one field's salt reveals nothing about the others). The
verifier takes the field commitments and document hash from the certificate's state entry,
proven against a header that 2f+1 validators signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consensus.validators import ValidatorSchedule, ValidatorSet
from contracts.certificates.commitments import derive_field_salt, verify_disclosure
from contracts.certificates.records import get_cert_key
from node.sdk.client import LedgerClient
from node.sdk.finality import certificate_from_proven


class PresentationInvalid(Exception):
    """A presentation is malformed or does not match the chain."""


def make_presentation(document: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    salt = bytes.fromhex(str(document["salt"]))
    fields: dict[str, str] = document["fields"]
    chosen = list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in fields]
    if unknown or not chosen:
        raise PresentationInvalid(f"choose fields of the certificate; unknown: {unknown}")
    return {
        "cert_id": document["cert_id"],
        "cert_type": document["cert_type"],
        "disclosed": {
            n: {"value": fields[n], "salt": derive_field_salt(salt, n).hex()} for n in chosen
        },
    }


@dataclass(frozen=True, slots=True)
class CheckedPresentation:
    cert_id: str
    cert_type: str
    status: str
    issuer: str
    holder: str
    fields: dict[str, str]
    height: int


def check_presentation(
    client: LedgerClient,
    presentation: dict[str, Any],
    validators: ValidatorSet | ValidatorSchedule,
) -> CheckedPresentation:
    """Verify disclosed fields against the proven certificate record; raise if they do not
    match. The certificate's status is returned, not judged: a caller decides what to do
    with a revoked or expired certificate."""
    try:
        cert_id = str(presentation["cert_id"])
        disclosed = {
            str(name): (str(item["value"]), bytes.fromhex(str(item["salt"])))
            for name, item in dict(presentation["disclosed"]).items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PresentationInvalid(f"malformed presentation: {exc!r}") from exc
    if not cert_id.isascii() or not 1 <= len(cert_id) <= 64:
        raise PresentationInvalid("malformed certificate id")
    proven = client.get_proven_state(get_cert_key(cert_id), validators)
    record = certificate_from_proven(cert_id, proven.value, proven.time_ms)
    if record is None:
        raise PresentationInvalid(f"certificate {cert_id} is not on the chain")
    if record["cert_type"] != presentation.get("cert_type"):
        raise PresentationInvalid("the presentation names another certificate type")
    field_hashes = record.get("field_hashes") or {}
    if not field_hashes:
        raise PresentationInvalid("the issuer published no field commitments for this certificate")
    if not verify_disclosure(
        record["cert_type"], field_hashes, disclosed, doc_hash=record["doc_hash"]
    ):
        raise PresentationInvalid("a disclosed field does not match the certificate's commitment")
    return CheckedPresentation(
        cert_id=cert_id,
        cert_type=record["cert_type"],
        status=record["status"],
        issuer=record["issuer"],
        holder=record["holder"],
        fields={n: v for n, (v, _) in disclosed.items()},
        height=proven.height,
    )
