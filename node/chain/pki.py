"""Organisation certificate authorities and the X.509 certificates they issue (issue 11).

Every member organisation runs one CA. Its CA certificate is on the chain (genesis pins the
founders'; governance adds and removes others), so "the CAs in force" at a height is chain
state, and so is the list of serials an organisation has revoked. This module makes and
reads certificates and decides whether one is acceptable against such a trust snapshot; it
opens no file and reads no clock (`now` is an argument), so the node, the SDK, the CLI's
devnet set-up and tests all share it.

Keys are ECDSA on NIST P-256 with SHA-256 signatures, not the Ed25519 the chain signs
transactions with. The certificates exist for TLS, and the TLS stack that matters is gRPC's
(BoringSSL in grpcio): P-256 ECDSA certificates work in every TLS 1.2 and 1.3 stack and
every gRPC language, while Ed25519 certificates are supported unevenly (some TLS libraries,
HSMs and older gRPC builds refuse them in handshakes or chains). A certificate's key is
therefore separate from the organisation's on-chain Ed25519 key; the two are tied by the
organisation id, which the CA certificate on the chain carries.

Certificate layout (documented for operators in docs/security.md):

- CA: subject ``O=<org id>, CN=<org id> CA``; self-signed; basicConstraints CA:true,
  pathlen 0 (a CA issues end-entity certificates only); keyUsage keyCertSign, cRLSign.
- Issued: subject ``O=<org id>, OU=<role>, CN=<name>``, issuer the CA's subject;
  basicConstraints CA:false; keyUsage digitalSignature; extendedKeyUsage clientAuth, and
  serverAuth too when it names hosts; subjectAltName the DNS names and IP addresses of the
  hosts it serves on (none for a pure client). Serial: 159 random bits.
- Roles (OU): validator, issuer, verifier, auditor, wallet, admin. Name (CN): a validator's
  id for a validator, else a service or operator name, ``[A-Za-z0-9._:-]{1,64}``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import ipaddress
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from contracts.framework.formats import is_org_id, is_validator_id
from node import limits


class Role(enum.StrEnum):
    """What a certificate's holder is, carried in its subject OU."""

    VALIDATOR = "validator"
    ISSUER = "issuer"
    VERIFIER = "verifier"
    AUDITOR = "auditor"
    WALLET = "wallet"
    ADMIN = "admin"


class CertificateRefused(Exception):
    """A certificate is not acceptable. `reason` is safe to log and to return to the caller:
    it names organisations, roles and serials, never personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a certificate says its holder is."""

    org: str
    """The organisation id (subject O), also the CA that must have signed it."""
    role: Role
    """Subject OU."""
    name: str
    """Subject CN: a validator id for validators, else a service or operator name."""
    serial: int
    """The serial number, as the organisation's on-chain revocation list names it."""
    not_before: dt.datetime
    not_after: dt.datetime


@dataclass(frozen=True, slots=True)
class Trust:
    """The trust in force at one height: what `check_certificate` is checked against."""

    cas: Mapping[str, bytes]
    """Organisation id -> its CA certificate (PEM)."""
    revoked: Mapping[str, Collection[int]]
    """Organisation id -> serials it has revoked."""


SIGNATURE_HASH = hashes.SHA256()
CURVE = ec.SECP256R1()


def _utc(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None:
        raise ValueError("`now` must carry a time zone (use UTC)")
    return now.astimezone(dt.UTC)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(CURVE)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8, unencrypted: gRPC takes only unencrypted keys. Whoever stores it decides how
    to protect the file (mode 0600 at least)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _check_days(days: int, days_max: int) -> None:
    if not 1 <= days <= days_max:
        raise ValueError(f"validity of {days} days is outside 1..{days_max}")


def _key_usage(*, is_ca: bool) -> x509.KeyUsage:
    """A CA key signs certificates and revocation lists and nothing else; a member key
    signs (handshakes, transactions) and issues nothing."""
    return x509.KeyUsage(
        digital_signature=not is_ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(org_id: str, now: dt.datetime, days: int) -> tuple[bytes, bytes]:
    """A new organisation CA: (certificate PEM, private key PEM)."""
    if not is_org_id(org_id):
        raise ValueError(f"not an organisation id: {org_id!r}")
    _check_days(days, limits.CA_DAYS_MAX)
    now = _utc(now)
    key = _new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_id),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org_id} CA"),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(seconds=limits.CERT_BACKDATE_S))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(is_ca=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, SIGNATURE_HASH)
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _host_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    """SAN entries: an IP address literal becomes an IPAddress entry (what a client dialling
    127.0.0.1 matches), anything else a DNS name."""
    if len(hosts) > limits.CERT_HOSTS_MAX:
        raise ValueError(f"{len(hosts)} hosts; at most {limits.CERT_HOSTS_MAX}")
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            if not host or len(host) > 253 or not host.isascii() or " " in host:
                raise ValueError(f"not a host name: {host!r}") from None
            names.append(x509.DNSName(host))
    return names


def issue(
    ca_cert: bytes,
    ca_key: bytes,
    org_id: str,
    role: Role | str,
    name: str,
    hosts: Sequence[str],
    now: dt.datetime,
    days: int,
) -> tuple[bytes, bytes]:
    """A certificate for one validator, service or operator of `org_id`, signed by that
    organisation's CA: (certificate PEM, private key PEM). `hosts` are the names and
    addresses it serves on (empty for a client only)."""
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(Role)}") from None
    if not is_validator_id(name):
        raise ValueError(f"not a certificate name: {name!r}")
    _check_days(days, limits.CERT_DAYS_MAX)
    now = _utc(now)
    ca = _load_ca(ca_cert)
    if _subject_org(ca) != org_id:
        raise ValueError(f"this CA is not organisation {org_id!r}'s")
    signer = serialization.load_pem_private_key(ca_key, password=None)
    if not isinstance(signer, ec.EllipticCurvePrivateKey) or (
        signer.public_key().public_numbers() != _ec_key(ca).public_numbers()
    ):
        raise ValueError("the CA key does not match the CA certificate")
    key = _new_key()
    public = key.public_key()
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if hosts:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_id),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.value),
                    x509.NameAttribute(NameOID.COMMON_NAME, name),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(seconds=limits.CERT_BACKDATE_S))
        .not_valid_after(min(now + dt.timedelta(days=days), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(is_ca=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(_ec_key(ca)), critical=False
        )
    )
    if hosts:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_host_names(hosts)), critical=False
        )
    cert = builder.sign(signer, SIGNATURE_HASH)
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


# ---- reading and checking -----------------------------------------------------------------


def _parse(pem: bytes, what: str) -> x509.Certificate:
    if len(pem) > limits.CERT_PEM_BYTES_MAX:
        raise CertificateRefused(
            f"{what} of {len(pem)} bytes exceeds {limits.CERT_PEM_BYTES_MAX} bytes"
        )
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise CertificateRefused(f"{what} is not a PEM X.509 certificate") from None


@functools.lru_cache(maxsize=limits.CA_CERTS_PARSED_MAX)
def _load_ca(pem: bytes) -> x509.Certificate:
    """A CA certificate, parsed once: the same few CAs check every connection."""
    ca = _parse(pem, "the CA certificate")
    try:
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise CertificateRefused("the CA certificate in force is not a CA certificate")
    _ec_key(ca)
    return ca


def check_ca(pem: bytes, org_id: str) -> None:
    """`CertificateRefused` unless `pem` is a CA certificate of organisation `org_id` that
    this module can check certificates against (for the node's trust snapshot, which leaves
    out a CA it could not use rather than fail every call of that organisation later)."""
    ca = _load_ca(pem)
    if _subject_org(ca) != org_id:
        raise CertificateRefused(f"the CA certificate of {org_id} names another organisation")


def _ec_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    """The certificate's P-256 key, or `CertificateRefused`: a key `cryptography` cannot
    load (SM2 above all, which an operator of an SM chain may well put on it) is refused like
    any other, never raised as `UnsupportedAlgorithm` (which failed the node's trust read)."""
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != CURVE.name:
        why = SM2_REFUSAL if is_sm2_certificate(cert) else ""
        raise CertificateRefused(
            f"the key of serial {cert.serial_number:x} is not ECDSA P-256{why}"
        )
    return key


SM2_CURVE_OID_DER = bytes.fromhex("06082a811ccf5501822d")
"""The SM2 curve's OID 1.2.156.10197.1.301, DER-encoded, as an SM2 key's
SubjectPublicKeyInfo names it."""

SM2_REFUSAL = (
    " (it is SM2: gRPC's TLS cannot use SM2 certificates, so organisation CAs and"
    " certificates are ECDSA P-256 on every chain, an sm2-sm3 one too; docs/sm-suite.md, TLS)"
)


def is_sm2_certificate(cert: x509.Certificate) -> bool:
    """Whether ``cert`` carries an SM2 key (its SubjectPublicKeyInfo names the SM2 curve):
    only to say why it is refused."""
    return SM2_CURVE_OID_DER in cert.tbs_certificate_bytes


def _one(name: x509.Name, oid: x509.ObjectIdentifier, label: str) -> str:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1 or not isinstance(values[0].value, str):
        raise CertificateRefused(f"the subject must carry exactly one {label}")
    return values[0].value


def _subject_org(cert: x509.Certificate) -> str:
    org = _one(cert.subject, NameOID.ORGANIZATION_NAME, "organisation (O)")
    if not is_org_id(org):
        raise CertificateRefused("the subject's organisation (O) is not an organisation id")
    return org


def _identity(cert: x509.Certificate) -> Identity:
    org = _subject_org(cert)
    role_text = _one(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME, "role (OU)")
    try:
        role = Role(role_text)
    except ValueError:
        raise CertificateRefused(
            f"serial {cert.serial_number:x} of {org}: unknown role {role_text[:32]!r}"
        ) from None
    name = _one(cert.subject, NameOID.COMMON_NAME, "name (CN)")
    if not is_validator_id(name):
        raise CertificateRefused(f"serial {cert.serial_number:x} of {org}: malformed name (CN)")
    return Identity(
        org=org,
        role=role,
        name=name,
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def get_identity(cert_pem: bytes) -> Identity:
    """What a certificate claims, unchecked: for display and for choosing the CA to check it
    against. Never a basis for access: use `check_certificate`."""
    return _identity(_parse(cert_pem, "the certificate"))


def check_certificate(
    cert_pem: bytes,
    cas: Mapping[str, bytes],
    revoked: Mapping[str, Collection[int]],
    now: dt.datetime,
) -> Identity:
    """The identity of an end-entity certificate acceptable under the given trust, or
    `CertificateRefused` saying why not. Checks, in order: it parses; its subject names an
    organisation, a known role and a name; that organisation has a CA in force, which is a
    CA of that organisation valid now; the CA signed it; it is not itself a CA; it is
    valid now; its serial is not revoked by its organisation."""
    now = _utc(now)
    cert = _parse(cert_pem, "the certificate")
    identity = _identity(cert)
    who = f"serial {identity.serial:x} of {identity.org}"
    ca_pem = cas.get(identity.org)
    if ca_pem is None:
        raise CertificateRefused(f"{who}: organisation {identity.org} has no CA in force")
    ca = _load_ca(ca_pem)
    if _subject_org(ca) != identity.org:
        raise CertificateRefused(f"{who}: the CA in force for {identity.org} names another org")
    if not ca.not_valid_before_utc <= now <= ca.not_valid_after_utc:
        raise CertificateRefused(f"{who}: the CA of {identity.org} is not valid now")
    _ec_key(cert)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise CertificateRefused(f"{who}: not signed by the CA of {identity.org}") from None
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise CertificateRefused(f"{who}: a CA certificate cannot identify a caller")
    except x509.ExtensionNotFound:
        pass
    if now < identity.not_before:
        raise CertificateRefused(f"{who}: not valid before {identity.not_before.isoformat()}")
    if now > identity.not_after:
        raise CertificateRefused(f"{who}: expired at {identity.not_after.isoformat()}")
    if identity.serial in revoked.get(identity.org, ()):
        raise CertificateRefused(f"{who}: revoked by {identity.org}")
    return identity


def check_against(cert_pem: bytes, trust: Trust, now: dt.datetime) -> Identity:
    """`check_certificate` against a `Trust` snapshot."""
    return check_certificate(cert_pem, trust.cas, trust.revoked, now)
