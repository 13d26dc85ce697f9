"""Open credential formats: what an issuer, a node that serves status lists and keys over
HTTP, and an outside verifier all agree on (docs/credentials.md).

- Names: an organisation is the issuer ``urn:trustledger:<chain id>:org:<org id>``; its keys
  and status lists live at fixed paths under a node's credentials base URL (:func:`jwks_path`,
  :func:`status_list_path`), so a verifier asks the node it trusts, never a host that a
  credential names.
- Keys: an organisation's Ed25519 key as an OKP JWK whose ``kid`` is the org id, ``#`` and
  the key's RFC 7638 thumbprint.
- Status lists (W3C Bitstring Status List v1.0): one list of :data:`STATUS_LIST_BITS` bits
  per organisation and purpose (``revocation``, ``suspension``), bit 0 the left-most bit of
  the first byte, GZIP-compressed and base64url-encoded with the multibase prefix ``u``.
  A certificate's index is derived from its id and the certificates its issuer issued
  before it (:func:`assign_status_indexes`), so every node derives the same lists and an
  index never moves.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from node.limits import STATUS_LIST_BITS

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
"""The VC Data Model 2.0 context, named in payloads; nothing here loads it (no JSON-LD
processing, no remote context fetching)."""

STATUS_PURPOSES: Final = ("revocation", "suspension")
"""The lists each organisation has; a certificate has the same index in both."""

CREDENTIALS_PATH: Final = "/credentials/v1"
_INDEX_TAG: Final = b"trustledger/v1/status-index\x00"


class CredentialFormatError(Exception):
    """A status list, key or name is malformed."""


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 4648 section 5, as JOSE writes it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of base64url text without padding; CredentialFormatError if it is not."""
    if not isinstance(text, str) or "=" in text or not text.isascii():
        raise CredentialFormatError("not base64url text without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise CredentialFormatError(f"not base64url: {exc}") from None


# --- Names and paths ---------------------------------------------------------------------


def issuer_urn(chain_id: str, org_id: str) -> str:
    """The issuer of an organisation's credentials, as credentials name it."""
    return f"urn:trustledger:{chain_id}:org:{org_id}"


def parse_issuer_urn(issuer: str) -> tuple[str, str]:
    """(chain id, org id) of an issuer URN; CredentialFormatError if it is not one."""
    parts = issuer.split(":") if isinstance(issuer, str) else []
    if len(parts) != 5 or parts[:2] != ["urn", "trustledger"] or parts[3] != "org":
        raise CredentialFormatError("the issuer is not a TrustLedger organisation")
    if not parts[2] or not is_org_id(parts[4]):
        raise CredentialFormatError("the issuer names no chain or a malformed organisation")
    return parts[2], parts[4]


def is_org_id(org_id: str) -> bool:
    """Lowercase ``[a-z0-9-]{2,32}``, as membership names organisations."""
    return (
        2 <= len(org_id) <= 32
        and org_id.isascii()
        and all(c.islower() or c.isdigit() or c == "-" for c in org_id)
    )


def credential_urn(chain_id: str, cert_id: str) -> str:
    """The ``id`` of a certificate's credential."""
    return f"urn:trustledger:{chain_id}:cert:{cert_id}"


def holder_urn(holder: str) -> str:
    """The credential subject's ``id``: the holder's pseudonym, nothing personal."""
    return f"urn:trustledger:holder:{holder}"


def jwks_path(org_id: str) -> str:
    return f"{CREDENTIALS_PATH}/orgs/{org_id}/jwks.json"


def status_list_path(org_id: str, purpose: str) -> str:
    return f"{CREDENTIALS_PATH}/orgs/{org_id}/status/{purpose}"


def status_index_path(org_id: str, cert_id: str) -> str:
    return f"{CREDENTIALS_PATH}/orgs/{org_id}/status-index/{cert_id}"


# --- Keys ------------------------------------------------------------------------------------


def okp_jwk(public_key: bytes) -> dict[str, str]:
    """An Ed25519 public key as an OKP JWK (RFC 8037), without ``kid``. JOSE registers no
    SM2 key type or algorithm: the key of an ``sm2-sm3`` chain (65 bytes) is refused."""
    if len(public_key) != 32:
        raise CredentialFormatError(
            "an Ed25519 public key is 32 bytes (JOSE has no registered SM2 key: an sm2-sm3"
            " chain publishes no JWK)"
        )
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_key)}


def jwk_thumbprint(public_key: bytes) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no spaces."""
    jwk = okp_jwk(public_key)
    canonical = json.dumps(
        {k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def org_kid(org_id: str, public_key: bytes) -> str:
    return f"{org_id}#{jwk_thumbprint(public_key)}"


def org_jwks(chain_id: str, org_id: str, public_keys: Iterable[bytes]) -> dict[str, Any]:
    """An organisation's JWK Set: each key with ``kid``, ``alg`` Ed25519 and ``use`` sig; the
    extra member ``issuer`` (RFC 7517 allows others) says whose set it is."""
    keys = [
        {**okp_jwk(k), "kid": org_kid(org_id, k), "alg": "Ed25519", "use": "sig"}
        for k in public_keys
    ]
    return {"issuer": issuer_urn(chain_id, org_id), "keys": keys}


# --- Status lists ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """What deriving the lists reads of a certificate record."""

    cert_id: str
    issued_height: int
    issued_tx: str
    status: str
    """As queries report it: valid, suspended, revoked, superseded, expired."""


def compute_status_index_start(org_id: str, cert_id: str, size: int = STATUS_LIST_BITS) -> int:
    """Where probing for a certificate's index starts: SHA-256 of a tag, the org id and the
    certificate id, its first 8 bytes big-endian, modulo the list size."""
    digest = hashlib.sha256(
        _INDEX_TAG + org_id.encode("utf-8") + b"\x00" + cert_id.encode("utf-8")
    ).digest()
    return int.from_bytes(digest[:8], "big") % size


def assign_status_indexes(
    org_id: str, issued: Iterable[IssuedCertificate], size: int = STATUS_LIST_BITS
) -> dict[str, int]:
    """Each certificate's index in its issuer's lists. Certificates are taken in issuance
    order (height, then transaction hash, then id); each takes its start
    (:func:`compute_status_index_start`) or, if taken, the next free index (linear probing,
    wrapping). A certificate's index depends only on those issued before it, so it never
    moves. Once the list is full, later certificates get none (absent from the answer)."""
    taken: set[int] = set()
    indexes: dict[str, int] = {}
    for cert in sorted(issued, key=lambda c: (c.issued_height, c.issued_tx, c.cert_id)):
        if len(taken) >= size:
            break
        index = compute_status_index_start(org_id, cert.cert_id, size)
        while index in taken:
            index = (index + 1) % size
        taken.add(index)
        indexes[cert.cert_id] = index
    return indexes


def is_status_set(status: str, purpose: str) -> bool:
    """Whether a certificate of this status has its bit set in the list of ``purpose``:
    revoked and superseded (replaced by a reissue) in ``revocation``, suspended in
    ``suspension``. Expiry is not a list's business: credentials carry ``validUntil``."""
    if purpose == "revocation":
        return status in ("revoked", "superseded")
    if purpose == "suspension":
        return status == "suspended"
    raise CredentialFormatError(f"unknown status purpose {purpose!r}")


def encode_bitstring(set_bits: Iterable[int], size: int = STATUS_LIST_BITS) -> str:
    """``u`` + base64url(GZIP(bits)), bit 0 the most significant bit of byte 0. The GZIP
    header carries mtime 0 and no name, so the same bits always encode the same."""
    raw = bytearray(size // 8)
    for index in set_bits:
        if not 0 <= index < size:
            raise CredentialFormatError(f"index {index} is outside a list of {size} bits")
        raw[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(raw), compresslevel=9, mtime=0))


def decode_bitstring(encoded: str, size: int = STATUS_LIST_BITS) -> bytes:
    """The raw bits of an encoded list; CredentialFormatError unless it is a list of at
    least ``size`` bits (the decompression is bounded, so a GZIP bomb stops early)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialFormatError("encodedList must be multibase base64url (prefix u)")
    compressed = b64url_decode(encoded[1:])
    try:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        raw = inflater.decompress(compressed, size // 8 + 1)
    except zlib.error as exc:
        raise CredentialFormatError(f"encodedList is not GZIP: {exc}") from None
    if len(raw) != size // 8 or inflater.unconsumed_tail:
        raise CredentialFormatError(f"the list is not {size} bits long")
    return raw


def get_bit(raw: bytes, index: int) -> bool:
    if not 0 <= index < len(raw) * 8:
        raise CredentialFormatError(f"statusListIndex {index} is outside the list")
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    url: str, chain_id: str, org_id: str, purpose: str, encoded: str, height: int
) -> dict[str, Any]:
    """The list as a BitstringStatusListCredential, unsigned (docs/credentials.md says
    why): derived by the serving node from the chain at ``height``."""
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_urn(chain_id, org_id),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
        "derivedAtHeight": height,
    }


def status_entries(base_url: str, org_id: str, index: int) -> list[dict[str, str]]:
    """A credential's ``credentialStatus``: one BitstringStatusListEntry per purpose."""
    entries = []
    for purpose in STATUS_PURPOSES:
        url = base_url.rstrip("/") + status_list_path(org_id, purpose)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries


def derive_status_lists(
    org_id: str, issued: Iterable[IssuedCertificate]
) -> tuple[dict[str, int], dict[str, str]]:
    """(index of each certificate, encoded list of each purpose) of one organisation."""
    certs = list(issued)
    indexes = assign_status_indexes(org_id, certs)
    by_id: Mapping[str, IssuedCertificate] = {c.cert_id: c for c in certs}
    lists = {
        purpose: encode_bitstring(
            i for cid, i in indexes.items() if is_status_set(by_id[cid].status, purpose)
        )
        for purpose in STATUS_PURPOSES
    }
    return indexes, lists
