"""The read-only verifications take an optional purpose of use (申请事由, issue 17): a code of
the purpose list, checked (INVALID_ARGUMENT otherwise, before anything is read) and echoed in
the answer for the agency's own log. On a real validator's gRPC server, called with a bank
verifier's certificate (tests/unit/test_node_rpc_details.py `bank_channel`)."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from contracts.catalogue import lookup
from contracts.framework.memory import MemoryState
from contracts.runtime import genesis_writes
from node.chain.pki import Role
from node.services.agency import get_purpose_code_problem
from proto import node_pb2, node_pb2_grpc
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_node_rpc_details import bank_channel
from tests.unit.test_transport_node import run

NOT_LISTED = ("123", "02", "0002", "abc", " 002", "１２３", "110101199003070000")


STATE = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))


@pytest.mark.parametrize("code", ("", "001", "002", "099"))
def test_no_code_or_a_listed_code_is_accepted(code: str) -> None:
    assert get_purpose_code_problem(STATE, code) == ""


@pytest.mark.parametrize("code", NOT_LISTED)
def test_an_unlisted_code_is_refused_without_repeating_it(code: str) -> None:
    problem = get_purpose_code_problem(STATE, code)
    assert problem.startswith("purpose_code is not a code of the purpose list (001, 002,")
    assert problem.endswith(", 099)")
    assert problem == get_purpose_code_problem(STATE, "999")  # the same, whatever was typed


def test_the_list_is_the_chains_a_retired_code_is_refused() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    _, writes = lookup.PURPOSE_CODES.get_retirement(state, "011", 2)
    state.apply_writes(writes.items())
    assert "011" not in get_purpose_code_problem(state, "123")
    assert get_purpose_code_problem(state, "011").startswith("purpose_code is not a code")
    assert get_purpose_code_problem(state, "010") == ""


def test_verify_certificate_and_presentation_check_and_echo_the_purpose_code(
    tmp_path: Path,
) -> None:
    async def check(home: Path) -> None:
        async with bank_channel(home, Role.VERIFIER, "desk") as (_, channel):
            agency = node_pb2_grpc.AgencyStub(channel)
            for code in ("002", ""):
                answer = await agency.VerifyCertificate(
                    node_pb2.VerifyCertificateRequest(cert_id="cert-none", purpose_code=code),
                    timeout=5,
                )
                assert answer.status == node_pb2.CERTIFICATE_STATUS_UNKNOWN
                assert answer.purpose_code == code
                shown = await agency.VerifyPresentation(
                    node_pb2.VerifyPresentationRequest(presentation="TLP1.x", purpose_code=code),
                    timeout=5,
                )
                assert (shown.accepted, shown.refusal) == (False, "format")
                assert shown.purpose_code == code
            for code in NOT_LISTED:
                for call in (
                    agency.VerifyCertificate(
                        node_pb2.VerifyCertificateRequest(cert_id="cert-none", purpose_code=code),
                        timeout=5,
                    ),
                    agency.VerifyPresentation(
                        node_pb2.VerifyPresentationRequest(
                            presentation="TLP1.x", purpose_code=code
                        ),
                        timeout=5,
                    ),
                ):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await call
                    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
                    assert "purpose list" in str(refused.value.details())

    run(check, tmp_path)
