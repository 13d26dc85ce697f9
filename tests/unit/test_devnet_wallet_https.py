"""A devnet's wallet serves HTTPS with a certificate from the big data center's CA naming
every host it is reached at, in a private data folder; its URL is https and its callers
check it against that CA (issue 16 items 5 and 6)."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509

from cli import devnet, identities
from wallet.files import check_wallet_files
from wallet.settings import WalletSettings

from .test_devnet_hosts import HOSTS

LOOPBACK = {"127.0.0.1", "localhost"}


def san_names(cert: x509.Certificate) -> set[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n) for n in san.get_values_for_type(x509.DNSName)} | {
        str(a) for a in san.get_values_for_type(x509.IPAddress)
    }


@pytest.mark.parametrize(
    ("layout", "kw", "url_host", "names"),
    [
        ("loopback", {}, "127.0.0.1", LOOPBACK),
        ("netns", {"hosts": HOSTS}, HOSTS["wallet"], {HOSTS["wallet"], *LOOPBACK}),
        ("docker", {"docker": True}, "wallet", {"wallet", *LOOPBACK}),
    ],
)
def test_the_wallet_certificate_names_its_hosts_and_comes_from_its_orgs_ca(
    tmp_path: Path, layout: str, kw: dict[str, Any], url_host: str, names: set[str]
) -> None:
    net = devnet.init_devnet(tmp_path, 0, **kw)
    url = urlsplit(net.wallet_url)
    assert (url.scheme, url.hostname) == ("https", url_host), layout
    cert_path, key_path = identities.cert_paths(
        tmp_path, devnet.WALLET_ORG, identities.WALLET_HTTPS
    )
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert san_names(cert) == names
    ca = x509.load_pem_x509_certificate(
        (tmp_path / "cas" / f"{devnet.WALLET_ORG}.pem").read_bytes()
    )
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)  # raises unless the CA's key signed it
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "wallet").stat().st_mode) == 0o700


def test_the_wallet_is_started_with_https_files_it_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = devnet.init_devnet(tmp_path, 0)
    calls: list[dict[str, str]] = []

    def record(dir: Path, name: str, argv: list[str], env: dict[str, str], **kw: Any) -> int:
        calls.append(env)
        return 0

    monkeypatch.setattr(devnet, "start_process", record)
    devnet.start_wallet(net)
    (env,) = calls
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = WalletSettings()
    assert settings.https_cert_path.name == "wallet-https.pem" and not settings.insecure_http
    check_wallet_files(settings)  # the devnet's folder and keys pass the wallet's check


def test_callers_trust_the_wallet_organisations_ca_over_tls_1_3_only(tmp_path: Path) -> None:
    net = devnet.init_devnet(tmp_path, 0)
    context = net.wallet_tls()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    trusted = {dict(x[0] for x in c["subject"])["organizationName"] for c in context.get_ca_certs()}
    assert trusted == {devnet.WALLET_ORG}
