"""wallet/proven.py: what the page shows when a proof cannot be had or does not check.

The real path (proofs from a devnet's node, checked against quorum-signed headers) is
driven by tests/integration/test_citizen_page.py; here a node that lies or cannot answer
must never make a certificate look verified."""

from __future__ import annotations

from typing import Any

from contracts.certificates.records import get_cert_key
from node.sdk.client import ClientError
from node.sdk.finality import FinalityError, ProvenValue
from wallet.proven import prove_certificates

SET: Any = object()  # the node fake checks it is passed through unchanged


class Node:
    def __init__(self, answers: dict[bytes, Any], schedule_error: Exception | None = None):
        self.answers = answers
        self.schedule_error = schedule_error
        self.asked: list[bytes] = []

    def get_validator_schedule(self, genesis: Any) -> str:
        assert genesis is SET
        if self.schedule_error is not None:
            raise self.schedule_error
        return "schedule"

    def get_proven_state(self, key: bytes, schedule: str) -> ProvenValue:
        assert schedule == "schedule"
        self.asked.append(key)
        answer = self.answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_proof_that_fails_or_a_node_that_fails_gives_an_error_never_a_status() -> None:
    node = Node(
        {
            get_cert_key("DIP-2015-000001"): FinalityError("no quorum signed that header"),
            get_cert_key("DIP-2015-000002"): ClientError("UNAVAILABLE", "node down"),
            get_cert_key("DIP-2015-000003"): ProvenValue(None, 7, 1_767_225_600_000),
        }
    )
    ids = ["DIP-2015-000001", "DIP-2015-000002", "DIP-2015-000003"]
    found = prove_certificates(node, SET, ids)  # type: ignore[arg-type]
    assert found["DIP-2015-000001"] == {"error": "no quorum signed that header"}
    assert "node down" in found["DIP-2015-000002"]["error"]
    assert "status" not in found["DIP-2015-000002"]
    # Proven absent: the chain says there is no such certificate at that height.
    assert found["DIP-2015-000003"] == {
        "height": 7,
        "time_ms": 1_767_225_600_000,
        "status": "unknown",
    }
    assert node.asked == [get_cert_key(i) for i in ids]


def test_validator_sets_that_cannot_be_proven_leave_every_certificate_unverified() -> None:
    node = Node({}, schedule_error=FinalityError("set from height 9: bad certificate"))
    found = prove_certificates(node, SET, ["DIP-2015-000001", "DIP-2015-000002"])  # type: ignore[arg-type]
    assert set(found) == {"DIP-2015-000001", "DIP-2015-000002"}
    for entry in found.values():
        assert list(entry) == ["error"]
        assert "bad certificate" in entry["error"]
    assert node.asked == []
