"""An issuing organisation's own records of the documents it issued (docs/credentials.md,
"Renewal"): what `cert renew` re-signs the open credentials from, so that their validUntil
follows every renewal without the fields being typed again.

An issuer holds the documents it issues in its own systems (the chain and the wallet do not
replace its register: docs/erasure.md, "What erasure cannot undo"). In a devnet that register
is ``issued/<org>/<cert id>.json`` in the devnet folder, private to its owner (0700/0600),
each document sealed with the chain's suite to the organisation's own key and bound to the
organisation and the certificate, so that the file alone reveals nothing and one record cannot
stand in for another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from node.chain.crypto import KeyPair
from node.files import make_private_dir, write_private_json
from node.sdk.sealing import seal, unseal
from suites import SealError, Suite

ISSUED_DIR: Final = "issued"


def issued_aad(org: str, cert_id: str) -> bytes:
    return f"trustledger/issued\0{org}\0{cert_id}".encode()


def record_path(devnet_dir: Path, org: str, cert_id: str) -> Path:
    return devnet_dir / ISSUED_DIR / org / f"{cert_id}.json"


def keep_issued(
    devnet_dir: Path, org: str, keypair: KeyPair, suite: Suite, doc: dict[str, Any]
) -> None:
    """Record ``doc`` (as issued, salt included) in ``org``'s register, replacing the record
    of an earlier version of the same certificate."""
    folder = devnet_dir / ISSUED_DIR / org
    make_private_dir(folder)
    cert_id = str(doc["cert_id"])
    plaintext = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()
    sealed = seal(suite, keypair.public_key, plaintext, issued_aad(org, cert_id))
    path = record_path(devnet_dir, org, cert_id)
    write_private_json(path, {"cert_id": cert_id, "sealed": sealed.hex()}, path.with_suffix(".tmp"))


def load_issued(
    devnet_dir: Path, org: str, keypair: KeyPair, suite: Suite, cert_id: str
) -> dict[str, Any] | None:
    """The document ``org`` recorded for ``cert_id``; None if it has none (issued before this
    register, or elsewhere) or the record does not open as that certificate's."""
    try:
        record = json.loads(record_path(devnet_dir, org, cert_id).read_text(encoding="utf-8"))
        plaintext = unseal(
            suite, keypair.seed, bytes.fromhex(record["sealed"]), issued_aad(org, cert_id)
        )
    except (OSError, ValueError, KeyError, TypeError, SealError):
        return None
    doc = json.loads(plaintext)
    return doc if isinstance(doc, dict) else None
