"""A devnet's X.509 material: one CA per organisation and the certificates it issues.

Layout, below the devnet folder (each organisation's files in its own folder, so that
docker/compose.yaml can mount one organisation's material into its own containers only):

    tls/<org>/ca.pem, tls/<org>/ca.key          the organisation's CA
    tls/<org>/<name>.pem, tls/<org>/<name>.key  a certificate it issued, and its key
    cas/<org>.pem                               every CA certificate again, public only:
                                                what clients check validators against

- validators: ``tls/<operator>/<validator id>.pem``, role validator, named after the
  validator, serving on the validator id itself (peers check it) and the hosts it is
  dialled at;
- each organisation's operator (what the CLI calls with): ``tls/<org>/operator.pem``, with
  the organisation's main role (`operator_role`);
- the wallet service: ``tls/<wallet org>/wallet.pem``, role wallet, what it calls
  validators with; and ``tls/<wallet org>/wallet-https.pem``, role wallet, what it serves
  HTTPS with, naming the hosts it is reached at (callers check it against the wallet
  organisation's CA, ``cas/<wallet org>.pem``).

Keys are written mode 0600. Every CA is pinned in genesis, so the devnet's organisations
are trusted from block 0; a production consortium does the same with CAs its members made
on their own machines (`trustledger pki`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from contracts.membership.organisations import (
    ROLE_AUDITOR,
    ROLE_ISSUER,
    ROLE_VERIFIER,
    Organisation,
)
from node.chain import pki
from node.sdk.tls import ClientTls, find_ca_files

TLS_DIR = "tls"
CAS_DIR = "cas"
OPERATOR = "operator"
"""File name (without extension) of an organisation's operator certificate."""
WALLET = "wallet"
WALLET_HTTPS = "wallet-https"
"""File name (without extension) of the wallet's HTTPS server certificate."""
WINDOW_HTTPS = "window-https"
"""File name (without extension) of an agency window service's HTTPS certificate
(window/, issued by the agency's own CA)."""
CA_DAYS = 10 * 365
CERT_DAYS = 2 * 365


def operator_role(org: Organisation) -> pki.Role:
    """The role an organisation's operator certificate carries: what it mainly does on the
    chain (an issuer issues, a bank verifies, the audit bureau audits, others administer)."""
    for chain_role, role in (
        (ROLE_ISSUER, pki.Role.ISSUER),
        (ROLE_VERIFIER, pki.Role.VERIFIER),
        (ROLE_AUDITOR, pki.Role.AUDITOR),
    ):
        if org.has_role(chain_role):
            return role
    return pki.Role.ADMIN


def org_dir(devnet_dir: Path, org: str) -> Path:
    return devnet_dir / TLS_DIR / org


def cert_paths(devnet_dir: Path, org: str, name: str) -> tuple[Path, Path]:
    """(certificate, key) of `name` issued by `org`."""
    folder = org_dir(devnet_dir, org)
    return folder / f"{name}.pem", folder / f"{name}.key"


def ca_paths(devnet_dir: Path) -> list[Path]:
    """Every organisation's CA certificate in the devnet, in organisation order."""
    return find_ca_files(devnet_dir / CAS_DIR)


def client_tls(devnet_dir: Path, org: str, name: str = OPERATOR) -> ClientTls:
    """What a client of the devnet dials with as `name` of `org` (its operator by default)."""
    cert, key = cert_paths(devnet_dir, org, name)
    return ClientTls.load(cert, key, ca_paths(devnet_dir))


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if secret:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def make_ca(devnet_dir: Path, org: str, now: dt.datetime) -> bytes:
    """A new CA for `org` in its folder; returns the CA certificate."""
    cert, key = pki.make_ca(org, now, CA_DAYS)
    folder = org_dir(devnet_dir, org)
    _write(folder / "ca.pem", cert, secret=False)
    _write(folder / "ca.key", key, secret=True)
    _write(devnet_dir / CAS_DIR / f"{org}.pem", cert, secret=False)
    return cert


def issue(
    devnet_dir: Path,
    org: str,
    role: pki.Role,
    name: str,
    hosts: Sequence[str],
    now: dt.datetime,
) -> tuple[Path, Path]:
    """A certificate from `org`'s CA in the devnet, written beside it."""
    folder = org_dir(devnet_dir, org)
    cert, key = pki.issue(
        (folder / "ca.pem").read_bytes(),
        (folder / "ca.key").read_bytes(),
        org,
        role,
        name,
        hosts,
        now,
        CERT_DAYS,
    )
    cert_path, key_path = cert_paths(devnet_dir, org, name)
    _write(cert_path, cert, secret=False)
    _write(key_path, key, secret=True)
    return cert_path, key_path


def validator_hosts(validator_id: str, address_hosts: Iterable[str]) -> list[str]:
    """A validator certificate's names: its id (what peers check) and its hosts."""
    return list(dict.fromkeys([validator_id, *address_hosts]))


def make_devnet_identities(
    devnet_dir: Path,
    orgs: Sequence[Organisation],
    validators: Mapping[str, tuple[str, Sequence[str]]],
    wallet: tuple[str, Sequence[str]],
    now: dt.datetime,
    window: tuple[str, Sequence[str]] | None = None,
) -> dict[str, bytes]:
    """Every CA and certificate of a devnet: CAs of `orgs`, each org's operator,
    `validators` (id -> (operator org, hosts)) and the wallet ((org, hosts): its client
    certificate and its HTTPS certificate for those hosts) and, with `window` ((org, hosts)),
    the HTTPS certificate of that agency's window service (it calls validators with the
    organisation's operator certificate). Returns the CA certificates by
    organisation, for genesis to pin."""
    cas = {org.id: make_ca(devnet_dir, org.id, now) for org in orgs}
    for org in orgs:
        issue(devnet_dir, org.id, operator_role(org), OPERATOR, (), now)
    for vid, (operator, hosts) in validators.items():
        issue(devnet_dir, operator, pki.Role.VALIDATOR, vid, validator_hosts(vid, hosts), now)
    wallet_org, wallet_hosts = wallet
    issue(devnet_dir, wallet_org, pki.Role.WALLET, WALLET, wallet_hosts, now)
    issue(devnet_dir, wallet_org, pki.Role.WALLET, WALLET_HTTPS, wallet_hosts, now)
    if window is not None:
        window_org, window_hosts = window
        issue(devnet_dir, window_org, pki.Role.VERIFIER, WINDOW_HTTPS, window_hosts, now)
    return cas
