"""Organisation CAs and certificates (node/chain/pki.py): what is issued, what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from node import limits
from node.chain import pki
from node.chain.pki import CertificateRefused, Role
from suites import SM2_SM3
from suites.sm2_sm3 import signature_from_der

from .sm2_certificates_support import SM2_CA_PEM, SM2_VALIDATOR_PEM

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
CA_A, CA_A_KEY = pki.make_ca("org-a", NOW, 365)
CA_B, CA_B_KEY = pki.make_ca("org-b", NOW, 365)
CAS = {"org-a": CA_A, "org-b": CA_B}


def _issue(role: str = "auditor", org: str = "org-a", **kw: object) -> bytes:
    ca, key = (CA_A, CA_A_KEY) if org == "org-a" else (CA_B, CA_B_KEY)
    hosts = kw.pop("hosts", [])
    now = kw.pop("now", NOW)
    days = kw.pop("days", 30)
    cert, _ = pki.issue(ca, key, org, role, "svc-1", hosts, now, days)  # type: ignore[arg-type]
    return cert


def _forge(subject: list[tuple[x509.ObjectIdentifier, str]], *, ca: bool = False) -> bytes:
    """A certificate org-a's CA signs, with a subject or constraints `issue` would never
    produce: what a careless or hostile CA operator could make."""
    signer = serialization.load_pem_private_key(CA_A_KEY, password=None)
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(oid, v) for oid, v in subject]))
        .issuer_name(x509.load_pem_x509_certificate(CA_A).subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _refusal(cert: bytes, cas: dict[str, bytes] = CAS, revoked: object = None, now=NOW) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(CertificateRefused) as caught:
        pki.check_certificate(cert, cas, revoked or {}, now)  # type: ignore[arg-type]
    return caught.value.reason


def test_an_issued_certificate_carries_org_role_name_and_hosts() -> None:
    cert_pem, key_pem = pki.issue(
        CA_A, CA_A_KEY, "org-a", Role.VALIDATOR, "v1", ["127.0.0.1", "node1.example"], NOW, 30
    )
    identity = pki.check_certificate(cert_pem, CAS, {}, NOW)
    assert (identity.org, identity.role, identity.name) == ("org-a", Role.VALIDATOR, "v1")
    assert identity == pki.get_identity(cert_pem)
    assert identity.not_after == NOW + dt.timedelta(days=30)
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.subject.rfc4514_string() == "CN=v1,OU=validator,O=org-a"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(v) for v in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert sans.get_values_for_type(x509.DNSName) == ["node1.example"]
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert len(cert_pem) < limits.CERT_PEM_BYTES_MAX // 4


def test_a_client_certificate_has_no_hosts_and_serials_are_random() -> None:
    cert = x509.load_pem_x509_certificate(_issue())
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert len({pki.get_identity(_issue()).serial for _ in range(5)}) == 5


def test_the_ca_certificate_is_a_ca_of_its_organisation() -> None:
    ca = x509.load_pem_x509_certificate(CA_A)
    assert ca.subject.rfc4514_string() == "CN=org-a CA,O=org-a"
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0


def test_an_issued_certificate_never_outlives_its_ca() -> None:
    ca, key = pki.make_ca("org-c", NOW, 10)
    cert, _ = pki.issue(ca, key, "org-c", "admin", "ops", [], NOW, 30)
    assert (
        pki.get_identity(cert).not_after == x509.load_pem_x509_certificate(ca).not_valid_after_utc
    )


@pytest.mark.parametrize(
    ("org", "role", "name", "days", "message"),
    [
        ("org-b", "auditor", "svc", 30, "not organisation 'org-b'"),
        ("org-a", "janitor", "svc", 30, "unknown role"),
        ("org-a", "auditor", "bad name", 30, "not a certificate name"),
        ("org-a", "auditor", "svc", 0, "outside"),
        ("org-a", "auditor", "svc", limits.CERT_DAYS_MAX + 1, "outside"),
    ],
)
def test_issue_refuses_bad_arguments(
    org: str, role: str, name: str, days: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        pki.issue(CA_A, CA_A_KEY, org, role, name, [], NOW, days)


def test_issue_refuses_a_key_of_another_ca_and_a_naive_time() -> None:
    with pytest.raises(ValueError, match="does not match"):
        pki.issue(CA_A, CA_B_KEY, "org-a", "auditor", "svc", [], NOW, 30)
    with pytest.raises(ValueError, match="time zone"):
        pki.make_ca("org-a", NOW.replace(tzinfo=None), 30)
    with pytest.raises(ValueError, match="organisation id"):
        pki.make_ca("Org A", NOW, 30)
    with pytest.raises(ValueError, match="hosts"):
        pki.issue(CA_A, CA_A_KEY, "org-a", "auditor", "s", ["h"] * 17, NOW, 30)


def test_unparsable_and_oversized_certificates_are_refused() -> None:
    assert "not a PEM X.509 certificate" in _refusal(b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    assert "exceeds" in _refusal(b"x" * (limits.CERT_PEM_BYTES_MAX + 1))


def test_a_certificate_of_an_organisation_without_a_ca_in_force_is_refused() -> None:
    assert "org-b has no CA in force" in _refusal(_issue(org="org-b"), {"org-a": CA_A})


def test_a_certificate_signed_by_another_ca_naming_the_organisation_is_refused() -> None:
    impostor, impostor_key = pki.make_ca("org-a", NOW, 365)
    cert, _ = pki.issue(impostor, impostor_key, "org-a", "auditor", "svc", [], NOW, 30)
    assert "not signed by the CA of org-a" in _refusal(cert)


def test_a_certificate_naming_another_organisation_than_its_signer_is_refused() -> None:
    # Signed by org-a's CA but claiming to be org-b's: checked against org-b's CA, so refused.
    forged = _forge(
        [
            (NameOID.ORGANIZATION_NAME, "org-b"),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, "auditor"),
            (NameOID.COMMON_NAME, "svc"),
        ]
    )
    assert "not signed by the CA of org-b" in _refusal(forged)


def test_expired_and_not_yet_valid_certificates_are_refused() -> None:
    cert = _issue(days=1)
    assert "expired" in _refusal(cert, now=NOW + dt.timedelta(days=2))
    future = _issue(days=1, now=NOW + dt.timedelta(days=1))
    assert "not valid before" in _refusal(future, now=NOW)
    pki.check_certificate(cert, CAS, {}, NOW - dt.timedelta(seconds=limits.CERT_BACKDATE_S))


def test_an_expired_ca_makes_its_certificates_refused() -> None:
    ca, key = pki.make_ca("org-c", NOW, 1)
    cert, _ = pki.issue(ca, key, "org-c", "admin", "ops", [], NOW, 1)
    later = NOW + dt.timedelta(days=1, seconds=1)
    assert "CA of org-c is not valid now" in _refusal(cert, {"org-c": ca}, now=later)


def test_a_revoked_serial_is_refused_only_by_its_organisation() -> None:
    cert = _issue()
    serial = pki.get_identity(cert).serial
    assert "revoked by org-a" in _refusal(cert, revoked={"org-a": {serial}})
    pki.check_certificate(cert, CAS, {"org-b": {serial}}, NOW)


def test_unknown_role_and_malformed_subjects_are_refused() -> None:
    o, ou, cn = NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME
    assert "unknown role 'janitor'" in _refusal(_forge([(o, "org-a"), (ou, "janitor"), (cn, "x")]))
    assert "exactly one role" in _refusal(_forge([(o, "org-a"), (cn, "x")]))
    two_roles = [(o, "org-a"), (ou, "admin"), (ou, "auditor"), (cn, "x")]
    assert "exactly one role" in _refusal(_forge(two_roles))
    assert "exactly one organisation" in _refusal(_forge([(ou, "admin"), (cn, "x")]))
    assert "malformed name" in _refusal(_forge([(o, "org-a"), (ou, "admin"), (cn, "a b")]))


def test_a_ca_certificate_cannot_identify_a_caller() -> None:
    subject = [
        (NameOID.ORGANIZATION_NAME, "org-a"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "admin"),
        (NameOID.COMMON_NAME, "sub-ca"),
    ]
    assert "a CA certificate cannot identify a caller" in _refusal(_forge(subject, ca=True))


def test_a_ca_in_force_that_is_not_a_ca_refuses_everything() -> None:
    leaf = _issue(org="org-b")
    assert "not a CA certificate" in _refusal(_issue(), {"org-a": leaf})


def test_a_ca_in_force_naming_another_organisation_is_refused() -> None:
    assert "names another org" in _refusal(_issue(), {"org-a": CA_B})


def test_a_key_other_than_p256_is_refused() -> None:
    signer = serialization.load_pem_private_key(CA_A_KEY, password=None)
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "org-a"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "admin"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ops"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.load_pem_x509_certificate(CA_A).subject)
        .public_key(ed25519.Ed25519PrivateKey.generate().public_key())
        .serial_number(7)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(signer, hashes.SHA256())
    )
    assert "not ECDSA P-256" in _refusal(cert.public_bytes(serialization.Encoding.PEM))


def test_check_against_a_trust_snapshot() -> None:
    cert = _issue()
    trust = pki.Trust(cas=CAS, revoked={})
    assert pki.check_against(cert, trust, NOW).role is Role.AUDITOR


# ---- SM2 certificates (issue 18): refused with the reason, never raised ---------------------


def test_an_sm2_ca_is_refused_saying_why() -> None:
    """`cryptography` cannot load an SM2 key: that was `UnsupportedAlgorithm` out of
    `check_ca` (and so out of the node's trust read), now a refusal naming SM2."""
    with pytest.raises(CertificateRefused) as refused:
        pki.check_ca(SM2_CA_PEM, "edu")
    assert "not ECDSA P-256" in refused.value.reason
    assert "it is SM2" in refused.value.reason and "sm-suite.md" in refused.value.reason
    with pytest.raises(CertificateRefused, match="it is SM2"):  # an SM2 CA in force
        pki.check_certificate(SM2_VALIDATOR_PEM, {"edu": SM2_CA_PEM}, {}, NOW)


def test_an_sm2_certificate_under_a_p256_ca_is_refused_saying_why() -> None:
    edu_ca, _ = pki.make_ca("edu", NOW, 365)
    with pytest.raises(CertificateRefused, match="it is SM2"):
        pki.check_certificate(SM2_VALIDATOR_PEM, {"edu": edu_ca}, {}, NOW)
    # What it claims can still be read for display; it is never a basis for access.
    assert pki.get_identity(SM2_VALIDATOR_PEM).org == "edu"


def test_a_p256_certificate_is_not_taken_for_sm2() -> None:
    cert = x509.load_pem_x509_certificate(CA_A)
    assert not pki.is_sm2_certificate(cert)
    assert pki.is_sm2_certificate(x509.load_pem_x509_certificate(SM2_CA_PEM))
    with pytest.raises(CertificateRefused) as refused:  # an Ed25519 key: no SM2 hint
        pki.check_ca(_ed25519_ca(), "org-a")
    assert "SM2" not in refused.value.reason


def _ed25519_ca() -> bytes:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "org-a"),
            x509.NameAttribute(NameOID.COMMON_NAME, "org-a CA"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(9)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_sm2_certificates_made_by_openssl_check_with_the_suite() -> None:
    """What docs/sm-suite.md ("TLS") says: `cryptography` parses an SM2 certificate, and its
    SM2-with-SM3 signature (default signer id) checks with the chain's suite, over the TBS
    bytes, with the CA's point from its SubjectPublicKeyInfo."""
    ca = x509.load_pem_x509_certificate(SM2_CA_PEM)
    validator = x509.load_pem_x509_certificate(SM2_VALIDATOR_PEM)
    assert ca.signature_algorithm_oid.dotted_string == "1.2.156.10197.1.501"  # SM2-with-SM3
    # the SPKI's BIT STRING: 03 42 00, then the uncompressed point 04 || x || y
    at = ca.tbs_certificate_bytes.index(pki.SM2_CURVE_OID_DER) + len(pki.SM2_CURVE_OID_DER)
    assert ca.tbs_certificate_bytes[at : at + 4] == b"\x03\x42\x00\x04"
    point = ca.tbs_certificate_bytes[at + 3 : at + 3 + 65]
    assert SM2_SM3.is_public_key(point)
    for cert in (ca, validator):
        signature = signature_from_der(cert.signature)
        assert SM2_SM3.verify(point, cert.tbs_certificate_bytes, signature)
        assert not SM2_SM3.verify(point, cert.tbs_certificate_bytes + b"\0", signature)
