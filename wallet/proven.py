"""Certificates as the chain proves them, for the holder's page (我的证照).

The page shows each certificate "verified at block N, <time>": the wallet does not take the
node's word for it. It reads the certificate's state entry with its proof, checks the proof
against a header that a quorum of the validators in force signed (the schedule is rebuilt
from genesis, each validator change checked), and computes the status from the proven record
with the contract's own logic, at that header's time. A node that lies fails the check; the
page then says the certificate could not be verified, never that it is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consensus.validators import ValidatorSet
from contracts.certificates.records import get_cert_key
from node.sdk.client import ClientError, LedgerClient
from node.sdk.finality import FinalityError, certificate_from_proven


def prove_certificates(
    ledger: LedgerClient, genesis_validators: ValidatorSet, cert_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """For each certificate: ``{"height", "time_ms", "status"}`` as proven, or
    ``{"error": why}`` when no proof could be had or checked."""
    try:
        schedule = ledger.get_validator_schedule(genesis_validators)
    except (ClientError, FinalityError) as exc:
        return {cert_id: {"error": f"validator sets not proven: {exc}"} for cert_id in cert_ids}
    out: dict[str, dict[str, Any]] = {}
    for cert_id in cert_ids:
        try:
            proven = ledger.get_proven_state(get_cert_key(cert_id), schedule)
        except (ClientError, FinalityError) as exc:
            out[cert_id] = {"error": str(exc)}
            continue
        record = certificate_from_proven(cert_id, proven.value, proven.time_ms)
        out[cert_id] = {
            "height": proven.height,
            "time_ms": proven.time_ms,
            "status": record["status"] if record else "unknown",
        }
    return out
