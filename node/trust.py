"""The node's transport trust snapshot: the CAs in force and the revoked serials, read from
chain state (the ``membership.trust`` query) into an immutable `pki.Trust`.

gRPC's threads read the snapshot for every handshake and every call (node/transport/tls.py,
identity.py), so it is built once, on the event loop, when the node opens and after each
committed block that wrote a ``membership/`` key, and handed over by replacing one
reference: a reader sees either the old snapshot or the new one, never a mix. A block that
changes no membership key costs one prefix test per write.

A CA certificate on the chain that this node cannot use (the contracts check only its PEM
shape) leaves its organisation out of the snapshot, with an error in the log: that
organisation's certificates are refused here until governance sets a usable CA, and every
other organisation is served as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from contracts.framework.errors import ContractError
from contracts.runtime import StateReader
from contracts.runtime import query as contract_query
from node.chain import pki

log = logging.getLogger("trustledger.trust")

MEMBERSHIP_PREFIX = b"membership/"
"""Every key the trust is read from (CAs, revoked serials, organisations) starts so."""

EMPTY_TRUST = pki.Trust(cas={}, revoked={})


def read_trust(state: StateReader) -> pki.Trust:
    """The trust the chain's state puts in force (see the module's docstring)."""
    try:
        found = contract_query(state, "membership", "trust", {}, now_ms=0)
        organisations = list(found["organisations"])
    except (ContractError, KeyError, TypeError, ValueError) as exc:
        log.error("cannot read the CAs in force from state: %s", exc)
        return EMPTY_TRUST
    cas: dict[str, bytes] = {}
    revoked: dict[str, frozenset[int]] = {}
    for entry in organisations:
        org_id = str(entry["org_id"])
        pem_text = entry["ca_certificate"]
        if pem_text is None:
            continue
        pem = str(pem_text).encode("ascii")
        try:
            pki.check_ca(pem, org_id)
        except pki.CertificateRefused as exc:
            log.error("the CA certificate of %s on the chain is unusable: %s", org_id, exc.reason)
            continue
        cas[org_id] = pem
        serials = entry["revoked_serials"]
        if serials:
            revoked[org_id] = frozenset(int(str(serial), 16) for serial in serials)
    return pki.Trust(cas=cas, revoked=revoked)


def touches_trust(writes: Iterable[tuple[bytes, bytes | None]]) -> bool:
    """Whether a block's state writes may have changed the trust."""
    return any(key.startswith(MEMBERSHIP_PREFIX) for key, _ in writes)
