"""The transport trust anchors as chain state: each organisation's CA certificate and the
serials of the certificates it has revoked (issue 11).

The node builds its trust snapshot (``node.chain.pki``) from these at each height, so a CA
or a revocation written by a block is in force from the next block on. Contracts stay
pure: a CA certificate is stored as PEM text checked only for its shape
(:func:`get_ca_pem_problem`); the node parses it, and refuses any certificate it cannot
parse, when it builds the snapshot.

State (kept apart from the organisation record, whose bytes are unchanged):

- ``membership/ca/<org id>`` -> the organisation's CA certificate (:class:`CaCertificate`);
  an organisation may have none (its certificates are then accepted nowhere)
- ``membership/revoked_serial/<org id>/<serial>`` -> :class:`Revocation`, one per revoked
  serial, at most ``REVOKED_SERIALS_MAX`` per organisation. Serials are canonical lowercase
  hex (``formats.is_cert_serial``): no leading zero, so each serial has one key.

Replacing an organisation's CA clears its revoked serials (certificates of the old CA are
refused anyway), and removing an organisation deletes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import TextFormat
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Table
from suites import Suite

PEM_BEGIN: Final = "-----BEGIN CERTIFICATE-----"
PEM_END: Final = "-----END CERTIFICATE-----"


@dataclass(frozen=True, slots=True)
class CaCertificate(Record):
    """An organisation's certificate authority, as the chain holds it."""

    pem: str
    """The self-signed CA certificate, PEM text (one certificate)."""

    set_height: int
    """Height of the block that set it (0 for genesis)."""


@dataclass(frozen=True, slots=True)
class Revocation(Record):
    """A certificate an organisation has withdrawn before its expiry."""

    revoked_height: int
    """Height of the block that revoked it; refused from the next height on."""


CAS: Final = Table(CaCertificate, b"membership/ca/", "CA certificate of organisation")
"""Keyed by organisation id."""

REVOKED_PREFIX: Final = b"membership/revoked_serial/"


def get_revoked_prefix(org_id: str) -> bytes:
    """Prefix of the revoked serials of organisation ``org_id``."""
    return REVOKED_PREFIX + org_id.encode("ascii") + b"/"


def get_revoked_key(org_id: str, serial: str) -> bytes:
    """State key of one revoked serial."""
    return get_revoked_prefix(org_id) + serial.encode("ascii")


def get_ca_pem_problem(pem: str) -> str | None:
    """Why ``pem`` is not shaped like one PEM certificate (completing "<name> ..."), or None.

    Only the shape: the contracts parse no X.509 (the node does, when it builds its trust
    snapshot).
    """
    if not 1 <= len(pem) <= limits.CA_CERTIFICATE_PEM_LENGTH_MAX:
        return f"must be 1 to {limits.CA_CERTIFICATE_PEM_LENGTH_MAX} characters"
    if not pem.isascii():
        return "must be ASCII PEM text"
    if not pem.startswith(PEM_BEGIN) or not pem.rstrip("\n").endswith(PEM_END):
        return f"must be one PEM certificate, from {PEM_BEGIN} to {PEM_END}"
    if pem.count("-----BEGIN") != 1:
        return "must hold exactly one certificate"
    return None


CA_PEM: Final = TextFormat(
    get_ca_pem_problem, "CA certificate: one PEM block", limits.CA_CERTIFICATE_PEM_LENGTH_MAX
)
"""A CA certificate argument."""

SERIAL: Final = TextFormat(
    lambda s: (
        None
        if formats.is_cert_serial(s)
        else (
            f"must be a certificate serial: 1 to {limits.CERT_SERIAL_HEX_LENGTH_MAX} lowercase hex"
            " digits, no leading zero"
        )
    ),
    f"certificate serial: [0-9a-f]{{1,{limits.CERT_SERIAL_HEX_LENGTH_MAX}}}",
    limits.CERT_SERIAL_HEX_LENGTH_MAX,
)
"""A certificate serial argument."""


def get_pem_digest(pem: str, suite: Suite) -> str:
    """The chain's hash of the PEM text, hex: names a CA in events without repeating it."""
    return suite.hash(pem.encode("ascii")).hex()


def get_pem_digest_attr(pem: str, suite: Suite) -> dict[str, str]:
    """The event attribute naming a CA: ``ca_<hash name>`` (``ca_sha256`` on every chain
    made before suites, ``ca_sm3`` on an SM chain), so the name says which hash made it."""
    return {f"ca_{suite.hash_name}": get_pem_digest(pem, suite)}


# --- Reading -------------------------------------------------------------------------------


def list_revoked_serials(state: StateReader, org_id: str) -> list[str]:
    """The serials ``org_id`` has revoked, in numeric order."""
    prefix = get_revoked_prefix(org_id)
    found = state.scan(prefix, limits.REVOKED_SERIALS_MAX + 1)
    if len(found) > limits.REVOKED_SERIALS_MAX:
        raise RuntimeError(f"organisation {org_id} has more revoked serials than the bound")
    serials = [key[len(prefix) :].decode("ascii") for key, _ in found]
    return sorted(serials, key=lambda serial: (len(serial), serial))


def count_revoked_serials(state: StateReader, org_id: str) -> int:
    """How many serials ``org_id`` has revoked."""
    return len(state.scan(get_revoked_prefix(org_id), limits.REVOKED_SERIALS_MAX + 1))


def get_clearing_writes(state: StateReader, org_id: str) -> dict[bytes, bytes | None]:
    """Deletes of every revoked serial of ``org_id``."""
    return {
        key: None
        for key, _ in state.scan(get_revoked_prefix(org_id), limits.REVOKED_SERIALS_MAX + 1)
    }


# --- Genesis -------------------------------------------------------------------------------


def genesis_writes(
    ca_certificates: Mapping[str, str], org_ids: frozenset[str]
) -> dict[bytes, bytes]:
    """The founding organisations' CAs (``org id -> PEM``), set at height 0.

    Raises ``invalid_argument`` if a CA names no founding organisation or is not shaped
    like a PEM certificate.
    """
    writes: dict[bytes, bytes] = {}
    for org_id, pem in sorted(ca_certificates.items()):
        if org_id not in org_ids:
            raise arguments.invalid(f"genesis CA certificate for unknown organisation {org_id}")
        if not isinstance(pem, str):
            raise arguments.invalid(f"genesis CA certificate of {org_id} must be PEM text")
        problem = get_ca_pem_problem(pem)
        if problem is not None:
            raise arguments.invalid(f"genesis CA certificate of {org_id} {problem}")
        writes[CAS.key(org_id)] = CaCertificate(pem, 0).encode()
    return writes
