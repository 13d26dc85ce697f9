"""A certificate as an open credential, and a verifier for them (docs/credentials.md).

Two formats, both signed by the issuing organisation's Ed25519 key (JWS alg ``Ed25519``,
RFC 9864; joserfc):

- a W3C VC 2.0 secured with JOSE (``typ`` ``vc+jwt``; the payload is the credential itself,
  ``@context`` the VC 2.0 context, never fetched);
- an SD-JWT VC (``typ`` ``dc+sd-jwt``): every document field a disclosure of its own
  (IETF SD-JWT, ``_sd_alg`` sha-256, disclosures and digests computed here with hashlib), the
  holder presenting some of them (:func:`present_sd_jwt`), optionally with a key-binding JWT.

Both carry the certificate's status entries (node/chain/credentials.py). :func:`verify_vc`
checks either format against the organisation's JWKS and status lists that a
:class:`CredentialSource` (the HTTP routes of a node the verifier trusts) supplies, and
refuses with a :class:`CredentialRefused` whose ``reason`` says why.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from contracts.framework.identity import holder_id_for
from node.chain.credentials import (
    STATUS_PURPOSES,
    VC_CONTEXT,
    CredentialFormatError,
    b64url,
    b64url_decode,
    credential_urn,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    holder_urn,
    issuer_urn,
    jwks_path,
    okp_jwk,
    org_jwks,
    org_kid,
    parse_issuer_urn,
    status_entries,
    status_index_path,
    status_list_path,
)
from node.chain.crypto import KeyPair
from node.limits import (
    CREDENTIAL_BYTES_MAX,
    CREDENTIAL_DISCLOSURES_MAX,
    CREDENTIAL_FIELD_BYTES_MAX,
    CREDENTIAL_HTTP_ANSWER_BYTES_MAX,
)
from suites import ED25519_SHA256

ALG: Final = "Ed25519"
JOSE_SUITE: Final = ED25519_SHA256
"""The one suite JOSE can carry: JWS has no registered SM2 algorithm (nor JWK an SM2 curve),
so a chain of another suite issues neither format, and a holder key bound by a JWK is an
Ed25519 key whose holder id is SHA-256's (docs/credentials.md)."""
VC_TYP: Final = "vc+jwt"
SD_JWT_TYP: Final = "dc+sd-jwt"
SD_JWT_TYPS: Final = (SD_JWT_TYP, "vc+sd-jwt")
"""Accepted ``typ`` of an SD-JWT VC: the current name and the one of earlier drafts."""
KB_JWT_TYP: Final = "kb+jwt"
SD_ALG: Final = "sha-256"
SALT_BYTES: Final = 16
VCT_PREFIX: Final = "urn:trustledger:type:"
CLOCK_SKEW_S: Final = 60
"""How far a verifier's clock may differ from an issuer's or holder's."""

# Reasons a credential is refused, for callers that branch on them.
MALFORMED: Final = "malformed"
BAD_SIGNATURE: Final = "bad_signature"
UNKNOWN_ISSUER: Final = "unknown_issuer"
UNKNOWN_KID: Final = "unknown_kid"
REVOKED: Final = "revoked"
SUSPENDED: Final = "suspended"
EXPIRED: Final = "expired"
NOT_YET_VALID: Final = "not_yet_valid"
BAD_DISCLOSURE: Final = "bad_disclosure"
DUPLICATE_DISCLOSURE: Final = "duplicate_disclosure"
UNSUPPORTED_SD_ALG: Final = "unsupported_sd_alg"
BAD_KEY_BINDING: Final = "bad_key_binding"
STATUS_UNAVAILABLE: Final = "status_unavailable"
SUPERSEDED: Final = "superseded"
"""The credential's document hash is no longer the certificate's on the chain (amended)."""


class CredentialRefused(Exception):
    """The credential does not verify; ``reason`` is one of the constants above."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class CredentialSource(Protocol):
    """Where a verifier gets an organisation's keys and status lists: a node it trusts
    (:class:`node.sdk.https`-free: the CLI's HTTP source, or a fake in tests). Each raises
    CredentialRefused(UNKNOWN_ISSUER) for an organisation it does not know, or
    CredentialRefused(STATUS_UNAVAILABLE) when it cannot answer."""

    def get_jwks(self, org_id: str) -> Mapping[str, Any]: ...

    def get_status_list(self, org_id: str, purpose: str) -> Mapping[str, Any]: ...

    def get_doc_hash(self, org_id: str, cert_id: str) -> str | None:
        """The certificate's current document hash on the chain (None: not checked)."""
        ...


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """The issuing organisation's key, as the issuer's CLI holds it."""

    chain_id: str
    org_id: str
    keypair: KeyPair

    @property
    def kid(self) -> str:
        return org_kid(self.org_id, self.keypair.public_key)

    @property
    def issuer(self) -> str:
        return issuer_urn(self.chain_id, self.org_id)

    def jose_key(self) -> OKPKey:
        return _private_okp(self.keypair)


@dataclass(frozen=True, slots=True)
class CertificateClaims:
    """What both formats say of one certificate."""

    cert_id: str
    cert_type: str
    holder: str
    fields: Mapping[str, str]
    issued_at_s: int
    valid_until_s: int = 0
    """0: no expiry."""
    status_base_url: str = ""
    """The credentials base URL of a node (``http://host:port``) the status entries name."""
    status_index: int = -1
    """The certificate's index in its issuer's lists (-1: no status entries)."""
    doc_hash: str = ""
    """The document's hash as the chain records it (lowercase hex; "": not stated), so a
    verifier can tell a credential of an amended-away version (``superseded``)."""


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    """A credential that passed every check."""

    format: str
    """``vc+jwt`` or ``dc+sd-jwt``."""
    org_id: str
    kid: str
    cert_id: str
    cert_type: str
    holder: str
    fields: dict[str, str]
    """The fields the credential shows: all of a VC, the disclosed ones of an SD-JWT."""
    valid_until_s: int
    key_bound: bool = False
    doc_hash: str = ""
    """The document hash the credential states and the chain still records ("": none)."""
    statuses: dict[str, bool] = field(default_factory=dict)
    """Each status purpose checked, and whether its bit was set (always False here)."""


def _private_okp(keypair: KeyPair) -> OKPKey:
    return OKPKey.import_key({**okp_jwk(keypair.public_key), "d": b64url(keypair.seed)})


def _iso(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: object) -> int:
    if not isinstance(text, str) or len(text) > 40:
        raise CredentialRefused(MALFORMED, "a date is not an XML Schema dateTime")
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CredentialRefused(MALFORMED, f"{text!r} is not a dateTime") from None
    if moment.tzinfo is None:
        raise CredentialRefused(MALFORMED, f"{text!r} has no time zone")
    return int(moment.timestamp())


def _sign(key: IssuerKey, typ: str, payload: Mapping[str, Any]) -> str:
    header = {"alg": ALG, "typ": typ, "kid": key.kid}
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return jws.serialize_compact(header, body.encode("utf-8"), key.jose_key(), algorithms=[ALG])


# --- Issuing ---------------------------------------------------------------------------------


def vc_payload(key: IssuerKey, claims: CertificateClaims) -> dict[str, Any]:
    """The VC 2.0 document of a certificate (the JWS payload of a ``vc+jwt``)."""
    vc: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": credential_urn(key.chain_id, claims.cert_id),
        "type": ["VerifiableCredential", "TrustLedgerCertificate"],
        "issuer": key.issuer,
        "validFrom": _iso(claims.issued_at_s),
        "credentialSubject": {
            "id": holder_urn(claims.holder),
            "certificateType": claims.cert_type,
            "certificateId": claims.cert_id,
            **({"documentHash": claims.doc_hash} if claims.doc_hash else {}),
            **dict(claims.fields),
        },
    }
    if claims.valid_until_s:
        vc["validUntil"] = _iso(claims.valid_until_s)
    if claims.status_index >= 0:
        vc["credentialStatus"] = status_entries(
            claims.status_base_url, key.org_id, claims.status_index
        )
    return vc


def issue_vc_jwt(key: IssuerKey, claims: CertificateClaims) -> str:
    """The certificate as a JOSE-secured VC 2.0 (``application/vc+jwt``)."""
    return _sign(key, VC_TYP, vc_payload(key, claims))


def make_disclosure(salt: bytes, name: str, value: object) -> str:
    """An object-property disclosure: base64url of the JSON array [salt, name, value]."""
    text = json.dumps([b64url(salt), name, value], ensure_ascii=False)
    return b64url(text.encode("utf-8"))


def disclosure_digest(disclosure: str) -> str:
    """base64url(SHA-256(the disclosure's ASCII text)), as ``_sd`` lists it."""
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def issue_sd_jwt(
    key: IssuerKey,
    claims: CertificateClaims,
    *,
    holder_jwk: Mapping[str, str] | None = None,
    salts: Mapping[str, bytes] | None = None,
) -> str:
    """The certificate as an SD-JWT VC with every field a disclosure: ``<jwt>~<d1>~...~``.
    ``holder_jwk`` (the holder's public key) goes in ``cnf`` so presentations can carry a
    key-binding JWT; ``salts`` (name -> 16 bytes) only for test vectors."""
    disclosures = []
    for name in sorted(claims.fields):
        salt = salts[name] if salts is not None else os.urandom(SALT_BYTES)
        disclosures.append(make_disclosure(salt, name, claims.fields[name]))
    payload: dict[str, Any] = {
        "iss": key.issuer,
        "iat": claims.issued_at_s,
        "vct": VCT_PREFIX + claims.cert_type,
        "sub": holder_urn(claims.holder),
        "cert_id": claims.cert_id,
        **({"doc_hash": claims.doc_hash} if claims.doc_hash else {}),
        "_sd_alg": SD_ALG,
        "_sd": sorted(disclosure_digest(d) for d in disclosures),
    }
    if claims.valid_until_s:
        payload["exp"] = claims.valid_until_s
    if claims.status_index >= 0:
        payload["status"] = {
            "bitstring_status_list": status_entries(
                claims.status_base_url, key.org_id, claims.status_index
            )
        }
    if holder_jwk is not None:
        payload["cnf"] = {"jwk": dict(holder_jwk)}
    return "~".join([_sign(key, SD_JWT_TYP, payload), *disclosures]) + "~"


def present_sd_jwt(
    sd_jwt: str,
    fields: Sequence[str],
    *,
    holder: KeyPair | None = None,
    audience: str = "",
    nonce: str = "",
    now_s: int = 0,
    with_jwk: bool = False,
) -> str:
    """The holder's presentation: the issuer-signed JWT with only the disclosures of
    ``fields`` (ValueError if one is not in it), then, with ``holder``, a key-binding JWT
    over ``audience``, ``nonce`` and the hash of everything before it; ``with_jwk`` puts the
    holder's public key in its header (for a credential without ``cnf``: the verifier
    checks that key against the holder id in ``sub``)."""
    jwt, disclosures, _ = split_sd_jwt(sd_jwt)
    by_name: dict[str, str] = {}
    for d in disclosures:
        by_name[_decode_disclosure(d)[1]] = d
    missing = sorted(set(fields) - set(by_name))
    if missing:
        raise ValueError(f"the credential has no field {', '.join(missing)}")
    kept = [by_name[name] for name in sorted(set(fields))]
    text = "~".join([jwt, *kept]) + "~"
    if holder is None:
        return text
    kb = {"iat": now_s, "aud": audience, "nonce": nonce, "sd_hash": _sd_hash(text)}
    header: dict[str, Any] = {"alg": ALG, "typ": KB_JWT_TYP}
    if with_jwk:
        header["jwk"] = okp_jwk(holder.public_key)
    body = json.dumps(kb, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return text + jws.serialize_compact(header, body, _private_okp(holder), algorithms=[ALG])


def _sd_hash(text: str) -> str:
    return b64url(hashlib.sha256(text.encode("ascii")).digest())


# --- Verifying -------------------------------------------------------------------------------


def split_sd_jwt(text: str) -> tuple[str, list[str], str]:
    """(issuer JWT, disclosures, key-binding JWT or "") of an SD-JWT."""
    parts = text.split("~")
    if len(parts) < 2:
        raise CredentialRefused(MALFORMED, "an SD-JWT is <jwt>~<disclosures>~[<kb-jwt>]")
    if len(parts) - 2 > CREDENTIAL_DISCLOSURES_MAX:
        raise CredentialRefused(MALFORMED, f"more than {CREDENTIAL_DISCLOSURES_MAX} disclosures")
    disclosures = parts[1:-1]
    if any(not d for d in disclosures):
        raise CredentialRefused(MALFORMED, "an empty disclosure")
    return parts[0], disclosures, parts[-1]


def _decode_disclosure(disclosure: str) -> tuple[str, str, object]:
    try:
        raw = b64url_decode(disclosure)
        if len(raw) > CREDENTIAL_FIELD_BYTES_MAX:
            raise CredentialRefused(BAD_DISCLOSURE, "a disclosure is too long")
        item = json.loads(raw.decode("utf-8"))
    except (CredentialFormatError, ValueError):
        raise CredentialRefused(BAD_DISCLOSURE, "a disclosure is not base64url JSON") from None
    if not (isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item)):
        raise CredentialRefused(BAD_DISCLOSURE, "a disclosure is not [salt, name, value]")
    salt, name, value = item
    if name in ("_sd", "...", "_sd_alg"):
        raise CredentialRefused(BAD_DISCLOSURE, f"a disclosure may not name {name}")
    return salt, name, value


def _read_jws(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS, unverified; refused if malformed."""
    parts = text.split(".")
    if len(parts) != 3:
        raise CredentialRefused(MALFORMED, "not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (CredentialFormatError, ValueError):
        raise CredentialRefused(MALFORMED, "the JWS header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise CredentialRefused(MALFORMED, "the JWS header and payload must be objects")
    return header, payload


def _check_signature(text: str, jwk: Mapping[str, Any]) -> None:
    try:
        key = OKPKey.import_key(
            {"kty": str(jwk["kty"]), "crv": str(jwk["crv"]), "x": str(jwk["x"])}
        )
        jws.deserialize_compact(text, key, algorithms=[ALG])
    except (JoseError, KeyError, ValueError, TypeError):
        raise CredentialRefused(BAD_SIGNATURE, "the signature does not verify") from None


def _issuer_key(
    source: CredentialSource, header: Mapping[str, Any], issuer: object
) -> tuple[str, str, Mapping[str, Any]]:
    """(org id, kid, JWK) of the credential's signer, found in its issuer's JWKS."""
    if header.get("alg") != ALG:
        raise CredentialRefused(MALFORMED, f"alg must be {ALG}")
    try:
        _, org_id = parse_issuer_urn(str(issuer))
    except CredentialFormatError as exc:
        raise CredentialRefused(UNKNOWN_ISSUER, str(exc)) from None
    jwks = source.get_jwks(org_id)
    if jwks.get("issuer") != issuer:
        raise CredentialRefused(UNKNOWN_ISSUER, f"{issuer} is not on the verifier's chain")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith(org_id + "#"):
        raise CredentialRefused(UNKNOWN_KID, "the key id is not one of the issuer's")
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return org_id, kid, jwk
    raise CredentialRefused(UNKNOWN_KID, f"{kid} is not a key of {org_id} on the chain")


def _check_time(valid_from_s: int | None, valid_until_s: int, now_s: int) -> None:
    if valid_from_s is not None and now_s + CLOCK_SKEW_S < valid_from_s:
        raise CredentialRefused(NOT_YET_VALID, "the credential is not valid yet")
    if valid_until_s and now_s - CLOCK_SKEW_S >= valid_until_s:
        raise CredentialRefused(EXPIRED, "the credential has expired")


def _check_status(source: CredentialSource, org_id: str, entries: object) -> dict[str, bool]:
    """Each entry's bit in its list, as the trusted source derives it; the list is fetched
    by its canonical path from that source, never from the host an entry names."""
    if not isinstance(entries, list) or not entries:
        raise CredentialRefused(MALFORMED, "the credential has no status entries")
    checked: dict[str, bool] = {}
    for entry in entries[: len(STATUS_PURPOSES)]:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise CredentialRefused(MALFORMED, "a status entry is not a BitstringStatusListEntry")
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        index_text = entry.get("statusListIndex")
        if purpose not in STATUS_PURPOSES or purpose in checked:
            raise CredentialRefused(MALFORMED, f"status purpose {purpose!r}")
        if not isinstance(url, str) or not url.endswith(status_list_path(org_id, str(purpose))):
            raise CredentialRefused(MALFORMED, "a status list that is not its issuer's")
        if not (isinstance(index_text, str) and index_text.isascii() and index_text.isdigit()):
            raise CredentialRefused(MALFORMED, "statusListIndex must be decimal digits")
        listed = source.get_status_list(org_id, str(purpose))
        subject = listed.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
            raise CredentialRefused(STATUS_UNAVAILABLE, "the served list has another purpose")
        try:
            bit = get_bit(decode_bitstring(str(subject.get("encodedList"))), int(index_text))
        except CredentialFormatError as exc:
            raise CredentialRefused(STATUS_UNAVAILABLE, f"the status list: {exc}") from None
        if bit:
            raise CredentialRefused(
                REVOKED if purpose == "revocation" else SUSPENDED,
                f"the issuer's {purpose} list has the credential's bit set",
            )
        checked[str(purpose)] = bit
    if set(checked) != set(STATUS_PURPOSES):
        raise CredentialRefused(MALFORMED, "the credential lacks a status purpose")
    return checked


def _check_doc_hash(source: CredentialSource, org_id: str, cert_id: str, stated: object) -> str:
    """The document hash a credential states, if it states one, checked against the one the
    chain records now: a credential of an earlier version (before an amendment) is
    ``superseded``. Credentials signed before they carried it state none ("")."""
    if stated is None:
        return ""
    if not (isinstance(stated, str) and len(stated) == 64 and stated.isascii()) or any(
        c not in "0123456789abcdef" for c in stated
    ):
        raise CredentialRefused(MALFORMED, "the document hash is not 64 lowercase hex digits")
    current = source.get_doc_hash(org_id, cert_id)
    if current is not None and current != stated:
        raise CredentialRefused(
            SUPERSEDED, "the certificate was amended: this credential states an earlier version"
        )
    return stated


def verify_vc(
    text: str,
    source: CredentialSource,
    now_s: int,
    *,
    audience: str = "",
    nonce: str = "",
) -> VerifiedCredential:
    """Check a ``vc+jwt`` or an SD-JWT VC (told apart by ``~``): size, header, the issuer's
    key in its JWKS, the signature, validity times, both status bits, the document hash
    against the chain's when the credential states one, and for SD-JWT the disclosures
    (``_sd_alg``, each digest listed, none repeated) and, if present or if the credential
    names a holder key (``cnf``), the key-binding JWT. An ``audience`` or ``nonce`` given
    asks for key binding: a presentation without a KB-JWT for them is refused (and a
    vc+jwt, which cannot carry one). CredentialRefused says why it fails."""
    if not isinstance(text, str) or len(text) > CREDENTIAL_BYTES_MAX or not text.isascii():
        raise CredentialRefused(MALFORMED, f"a credential is ASCII, {CREDENTIAL_BYTES_MAX} at most")
    text = text.strip()
    if "~" in text:
        return _verify_sd_jwt(text, source, now_s, audience, nonce)
    if audience or nonce:
        raise CredentialRefused(
            BAD_KEY_BINDING, "a vc+jwt carries no key binding: ask for an SD-JWT presentation"
        )
    header, vc = _read_jws(text)
    if header.get("typ") != VC_TYP:
        raise CredentialRefused(MALFORMED, f"typ must be {VC_TYP}")
    context = vc.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
        raise CredentialRefused(MALFORMED, "the first @context must be the VC 2.0 context")
    org_id, kid, jwk = _issuer_key(source, header, vc.get("issuer"))
    _check_signature(text, jwk)
    subject = vc.get("credentialSubject")
    if not isinstance(subject, dict):
        raise CredentialRefused(MALFORMED, "credentialSubject must be an object")
    valid_until = _parse_iso(vc["validUntil"]) if "validUntil" in vc else 0
    _check_time(_parse_iso(vc.get("validFrom")), valid_until, now_s)
    statuses = _check_status(source, org_id, vc.get("credentialStatus"))
    cert_id = str(subject.get("certificateId", ""))
    doc_hash = _check_doc_hash(source, org_id, cert_id, subject.get("documentHash"))
    fields = {
        str(k): str(v)
        for k, v in subject.items()
        if k not in ("id", "certificateType", "certificateId", "documentHash")
    }
    return VerifiedCredential(
        VC_TYP,
        org_id,
        kid,
        cert_id,
        str(subject.get("certificateType", "")),
        _holder_of(subject.get("id")),
        fields,
        valid_until,
        doc_hash=doc_hash,
        statuses=statuses,
    )


def _holder_of(subject_id: object) -> str:
    prefix = holder_urn("")
    return (
        subject_id[len(prefix) :]
        if isinstance(subject_id, str) and subject_id.startswith(prefix)
        else ""
    )


def _verify_sd_jwt(
    text: str, source: CredentialSource, now_s: int, audience: str, nonce: str
) -> VerifiedCredential:
    jwt, disclosures, kb_jwt = split_sd_jwt(text)
    header, payload = _read_jws(jwt)
    if header.get("typ") not in SD_JWT_TYPS:
        raise CredentialRefused(MALFORMED, f"typ must be {SD_JWT_TYP}")
    org_id, kid, jwk = _issuer_key(source, header, payload.get("iss"))
    _check_signature(jwt, jwk)
    if payload.get("_sd_alg") != SD_ALG:
        raise CredentialRefused(UNSUPPORTED_SD_ALG, f"_sd_alg must be {SD_ALG}")
    digests = payload.get("_sd")
    if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
        raise CredentialRefused(MALFORMED, "_sd must be a list of digests")
    if len(set(digests)) != len(digests):
        raise CredentialRefused(DUPLICATE_DISCLOSURE, "_sd lists a digest twice")
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for disclosure in disclosures:
        digest = disclosure_digest(disclosure)
        if digest in seen:
            raise CredentialRefused(DUPLICATE_DISCLOSURE, "a disclosure is given twice")
        seen.add(digest)
        if digest not in digests:
            raise CredentialRefused(BAD_DISCLOSURE, "a disclosure's digest is not in _sd")
        _, name, value = _decode_disclosure(disclosure)
        if name in fields or name in payload:
            raise CredentialRefused(DUPLICATE_DISCLOSURE, f"claim {name} is disclosed twice")
        fields[name] = str(value)
    for claim, kind in (("iat", int), ("exp", int)):
        if claim in payload and not isinstance(payload[claim], kind):
            raise CredentialRefused(MALFORMED, f"{claim} must be an integer")
    valid_until = int(payload.get("exp", 0))
    _check_time(payload.get("iat"), valid_until, now_s)
    status = payload.get("status")
    entries = status.get("bitstring_status_list") if isinstance(status, dict) else None
    statuses = _check_status(source, org_id, entries)
    cert_id = str(payload.get("cert_id", ""))
    doc_hash = _check_doc_hash(source, org_id, cert_id, payload.get("doc_hash"))
    holder = _holder_of(payload.get("sub"))
    key_bound = _check_key_binding(payload, holder, text, kb_jwt, now_s, audience, nonce)
    vct = str(payload.get("vct", ""))
    return VerifiedCredential(
        SD_JWT_TYP,
        org_id,
        kid,
        cert_id,
        vct[len(VCT_PREFIX) :] if vct.startswith(VCT_PREFIX) else vct,
        holder,
        fields,
        valid_until,
        key_bound=key_bound,
        doc_hash=doc_hash,
        statuses=statuses,
    )


def _holder_jwk(cnf: object, header: Mapping[str, Any], holder: str) -> Mapping[str, Any]:
    """The key a KB-JWT must be signed with: the issuer-signed ``cnf.jwk`` when there is one;
    otherwise the ``jwk`` in the KB-JWT's header, accepted only if its Ed25519 key is the one
    whose hash is the issuer-signed holder id (``sub``): holder ids are hashes of wallet
    keys, so the issuer binds the key without knowing it (docs/credentials.md)."""
    if cnf is not None:
        named = cnf.get("jwk") if isinstance(cnf, dict) else None
        if not isinstance(named, dict):
            raise CredentialRefused(BAD_KEY_BINDING, "cnf names no holder key")
        return named
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise CredentialRefused(BAD_KEY_BINDING, "a key-binding JWT but no holder key")
    try:
        public_key = b64url_decode(str(jwk.get("x")))
    except CredentialFormatError:
        raise CredentialRefused(BAD_KEY_BINDING, "the holder key is not base64url") from None
    if not holder or len(public_key) != 32 or holder_id_for(public_key, JOSE_SUITE) != holder:
        raise CredentialRefused(BAD_KEY_BINDING, "the key is not the credential's holder's")
    return jwk


def _check_key_binding(
    payload: Mapping[str, Any],
    holder: str,
    text: str,
    kb_jwt: str,
    now_s: int,
    audience: str,
    nonce: str,
) -> bool:
    cnf = payload.get("cnf")
    if not kb_jwt:
        if cnf is not None:
            raise CredentialRefused(BAD_KEY_BINDING, "the credential needs a key-binding JWT")
        if audience or nonce:
            raise CredentialRefused(
                BAD_KEY_BINDING, "the verifier asked for key binding: no key-binding JWT"
            )
        return False
    header, kb = _read_jws(kb_jwt)
    if header.get("typ") != KB_JWT_TYP or header.get("alg") != ALG:
        raise CredentialRefused(BAD_KEY_BINDING, f"the key-binding JWT must be {KB_JWT_TYP}")
    jwk = _holder_jwk(cnf, header, holder)
    try:
        _check_signature(kb_jwt, jwk)
    except CredentialRefused:
        raise CredentialRefused(BAD_KEY_BINDING, "not signed by the holder's key") from None
    if kb.get("sd_hash") != _sd_hash(text[: len(text) - len(kb_jwt)]):
        raise CredentialRefused(BAD_KEY_BINDING, "sd_hash does not match the presentation")
    if audience and kb.get("aud") != audience:
        raise CredentialRefused(BAD_KEY_BINDING, "the presentation is for another verifier")
    if nonce and kb.get("nonce") != nonce:
        raise CredentialRefused(BAD_KEY_BINDING, "the presentation answers another nonce")
    iat = kb.get("iat")
    if not isinstance(iat, int) or abs(now_s - iat) > 5 * CLOCK_SKEW_S:
        raise CredentialRefused(BAD_KEY_BINDING, "the key-binding JWT is not fresh")
    return True


# --- Over HTTP, and at delivery ----------------------------------------------------------------


class HttpCredentialSource:
    """A node's open-credential routes over HTTP (node/credentials_http.py), at
    ``base_url``: the one place a verifier trusts for keys and lists. The paths are the
    canonical ones; the host a credential names is never asked."""

    def __init__(
        self, base_url: str, timeout_s: float = 10.0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.tls = tls
        """What an https:// node's certificate is checked with (node/sdk/https.py
        ``https_context``: the CAs of the node's operator organisations); None: the system's
        CAs."""

    def _get(self, path: str) -> Mapping[str, Any]:
        try:
            with (
                httpx.Client(timeout=self.timeout_s, verify=self.tls or True) as client,
                client.stream("GET", self.base_url + path) as resp,
            ):
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > CREDENTIAL_HTTP_ANSWER_BYTES_MAX:
                        raise CredentialRefused(STATUS_UNAVAILABLE, f"{path}: answer too large")
                status = resp.status_code
        except httpx.HTTPError as exc:
            raise CredentialRefused(STATUS_UNAVAILABLE, f"{self.base_url}: {exc}") from None
        if status == 404:
            raise CredentialRefused(UNKNOWN_ISSUER, f"the node has no {path}")
        if status != 200:
            raise CredentialRefused(STATUS_UNAVAILABLE, f"{path}: HTTP {status}")
        try:
            doc = json.loads(body)
        except ValueError:
            raise CredentialRefused(STATUS_UNAVAILABLE, f"{path}: not JSON") from None
        if not isinstance(doc, dict):
            raise CredentialRefused(STATUS_UNAVAILABLE, f"{path}: not a JSON object")
        return doc

    def get_jwks(self, org_id: str) -> Mapping[str, Any]:
        return self._get(jwks_path(org_id))

    def get_status_list(self, org_id: str, purpose: str) -> Mapping[str, Any]:
        return self._get(status_list_path(org_id, purpose))

    def get_status_index(self, org_id: str, cert_id: str) -> int:
        """A certificate's index in its issuer's lists, as the node derives it (what an
        issuer writes into the credentials it signs)."""
        index = self._get(status_index_path(org_id, cert_id)).get("index")
        if not isinstance(index, int):
            raise CredentialRefused(STATUS_UNAVAILABLE, "the node gave no index")
        return index

    def get_doc_hash(self, org_id: str, cert_id: str) -> str | None:
        """The certificate's current document hash, from the same route as its index."""
        doc_hash = self._get(status_index_path(org_id, cert_id)).get("doc_hash")
        if not isinstance(doc_hash, str):
            raise CredentialRefused(STATUS_UNAVAILABLE, "the node gave no document hash")
        return doc_hash


def check_issued(
    text: str,
    chain_id: str,
    org_id: str,
    public_key: bytes,
    document: Mapping[str, Any],
    expected_doc_hash: str = "",
) -> None:
    """CredentialRefused unless ``text`` (either format, as issued: every disclosure) is
    signed by ``public_key`` as ``org_id`` of ``chain_id``, for the document's certificate,
    with exactly its fields (and, with ``expected_doc_hash``, stating no other document
    hash): what a wallet checks before it keeps a delivered credential. Status and time are
    the verifier's business."""
    jwks = org_jwks(chain_id, org_id, [public_key])

    class Known:
        def get_jwks(self, asked: str) -> Mapping[str, Any]:
            if asked != org_id:
                raise CredentialRefused(UNKNOWN_ISSUER, f"delivered by {org_id}, not {asked}")
            return jwks

        def get_status_list(self, asked: str, purpose: str) -> Mapping[str, Any]:
            empty = encode_bitstring([])
            return {"credentialSubject": {"statusPurpose": purpose, "encodedList": empty}}

        def get_doc_hash(self, asked: str, cert_id: str) -> str | None:
            return expected_doc_hash or None

    checked = verify_vc(text, Known(), now_s=_issued_at(text))
    if checked.cert_id != document.get("cert_id") or checked.fields != document.get("fields"):
        raise CredentialRefused(MALFORMED, "the credential is not the delivered document's")
    if checked.cert_type != document.get("cert_type"):
        raise CredentialRefused(MALFORMED, "the credential is of another certificate type")


def _issued_at(text: str) -> int:
    """The issuance time a credential states (its own clock, for checks at delivery)."""
    _, payload = _read_jws(text.split("~", 1)[0].strip())
    if "iat" in payload and isinstance(payload["iat"], int):
        return int(payload["iat"])
    return _parse_iso(payload.get("validFrom"))
