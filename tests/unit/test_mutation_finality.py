"""The light client's checks (node/sdk/finality.py), found by mutation testing (issue 19,
docs/mutation.md): a header is final only with a quorum certificate for exactly that header
of exactly this chain, a proven state entry only with a proof against that header's state
root, and a scheduled validator set only from a successful decision for that activation
height. Every refusal is a FinalityError; each test below fails if its check is removed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from consensus.validators import Validator, ValidatorSchedule, ValidatorSet
from contracts.certificates.records import STATUS_VALID, Certificate, get_cert_key
from node.chain.events import VALIDATORS_SCHEDULED_EVENT
from node.chain.headers import header_hash
from node.chain.stateproof import encode_proof
from node.chain.statetree import MemoryNodeStore, StateTree
from node.chain.wire import certificate_to_proto
from node.sdk.finality import (
    FinalityError,
    certificate_from_proven,
    check_finality,
    check_proven_state,
    get_scheduled_set,
)
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

HEIGHT = 5
TIME_MS = 1_700_000_000_000
CERT_ID = "cert-0001"
STATE = {b"a": b"1", b"b": b"2", b"c": b"3", get_cert_key(CERT_ID): b"record"}


def tree() -> StateTree:
    state_tree = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    state_tree.apply(list(STATE.items()))
    return state_tree


def header(state_root: bytes = b"", chain_id: str = support.CHAIN) -> ledger_pb2.BlockHeader:
    return ledger_pb2.BlockHeader(
        chain_id=chain_id,
        height=HEIGHT,
        prev_hash=b"\x07" * 32,
        state_root=state_root or tree().root,
        proposer="v0",
        time_ms=TIME_MS,
    )


def commit_for(
    head: ledger_pb2.BlockHeader,
    *,
    height: int = HEIGHT,
    digest: bytes | None = None,
    voters: tuple[str, ...] = ("v0", "v1", "v2"),
) -> ledger_pb2.CommitCertificate:
    """A commit certificate, really signed by `voters`, for `digest` (the header's hash by
    default) at `height`."""
    signed = support.make_certificate(
        height, digest or header_hash(head, ED25519_SHA256), voters=voters
    )
    return certificate_to_proto(signed)


def proven(key: bytes, *, present: bool | None = None) -> node_pb2.ProvenState:
    """What a node answers for `key`: its value (or absence) and proof under the tip."""
    state_tree = tree()
    head = header(state_tree.root)
    value = STATE.get(key)
    return node_pb2.ProvenState(
        key=key,
        present=value is not None if present is None else present,
        value=value or b"",
        proof=encode_proof(state_tree.prove(key)),
        height=HEIGHT,
        header=head,
        commit=commit_for(head),
    )


# ---- check_finality ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "validators", [support.VALIDATORS, ValidatorSchedule.starting_with(support.VALIDATORS)]
)
def test_a_quorum_certificate_of_the_header_makes_it_final(
    validators: ValidatorSet | ValidatorSchedule,
) -> None:
    """Final: the proven entry under it is taken (check_finality itself returns nothing)."""
    answer = proven(b"b")
    assert (
        check_finality(
            support.CHAIN, validators, answer.header, answer.commit, suite=ED25519_SHA256
        )
        is None
    )
    assert check_proven_state(support.CHAIN, validators, answer, b"b", suite=ED25519_SHA256) == b"2"


def test_a_header_of_another_chain_is_refused_even_with_a_valid_certificate() -> None:
    head = header(chain_id="another-chain")
    commit = commit_for(head)  # signed for CHAIN over this header's hash: valid for CHAIN
    with pytest.raises(FinalityError):
        check_finality(support.CHAIN, support.VALIDATORS, head, commit, suite=ED25519_SHA256)


@pytest.mark.parametrize(
    "wrong",
    [{"height": HEIGHT + 1}, {"digest": b"\x09" * 32}, {"voters": ("v0", "v1")}],
    ids=["another height", "another block", "no quorum"],
)
def test_a_certificate_for_another_height_or_block_or_without_a_quorum_is_refused(
    wrong: dict[str, Any],
) -> None:
    head = header()
    with pytest.raises(FinalityError):
        check_finality(
            support.CHAIN, support.VALIDATORS, head, commit_for(head, **wrong), suite=ED25519_SHA256
        )


def test_with_a_schedule_the_set_in_force_at_the_header_height_must_sign() -> None:
    """A later set (other keys, from height HEIGHT) does not accept the old set's votes."""
    others = ValidatorSet(
        tuple(Validator(f"w{i}", support.SIGNERS[f"v{i}"].public_key[::-1]) for i in range(4))
    )
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(HEIGHT, others)
    head = header()
    with pytest.raises(FinalityError):
        check_finality(support.CHAIN, schedule, head, commit_for(head), suite=ED25519_SHA256)
    earlier = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(
        HEIGHT + 1, others
    )
    assert (
        check_proven_state(support.CHAIN, earlier, proven(b"a"), b"a", suite=ED25519_SHA256) == b"1"
    )


# ---- check_proven_state --------------------------------------------------------------------


def test_a_present_entry_is_returned_with_its_value() -> None:
    assert (
        check_proven_state(
            support.CHAIN, support.VALIDATORS, proven(b"b"), b"b", suite=ED25519_SHA256
        )
        == b"2"
    )


def test_an_absent_entry_is_proven_absent() -> None:
    assert (
        check_proven_state(
            support.CHAIN, support.VALIDATORS, proven(b"absent"), b"absent", suite=ED25519_SHA256
        )
        is None
    )


def test_an_answer_for_another_key_is_refused() -> None:
    with pytest.raises(FinalityError):
        check_proven_state(
            support.CHAIN, support.VALIDATORS, proven(b"b"), b"a", suite=ED25519_SHA256
        )


def test_an_answer_at_height_zero_is_refused_even_if_its_header_is_final() -> None:
    answer = proven(b"b")
    answer.height = 0
    with pytest.raises(FinalityError):
        check_proven_state(support.CHAIN, support.VALIDATORS, answer, b"b", suite=ED25519_SHA256)


def test_an_answer_whose_header_is_not_final_is_refused() -> None:
    answer = proven(b"b")
    answer.commit.CopyFrom(commit_for(answer.header, voters=("v0",)))
    with pytest.raises(FinalityError):
        check_proven_state(support.CHAIN, support.VALIDATORS, answer, b"b", suite=ED25519_SHA256)


def test_malformed_proof_bytes_are_a_finality_error() -> None:
    answer = proven(b"b")
    answer.proof = answer.proof[:-1]
    with pytest.raises(FinalityError):
        check_proven_state(support.CHAIN, support.VALIDATORS, answer, b"b", suite=ED25519_SHA256)


@pytest.mark.parametrize(
    ("present", "value"),
    [
        (True, b"other"),  # a changed value under a real inclusion proof
        (False, b""),  # a present entry claimed absent with its inclusion proof
    ],
)
def test_a_value_the_proof_does_not_prove_is_refused(present: bool, value: bytes) -> None:
    answer = proven(b"b", present=present)
    answer.value = value
    with pytest.raises(FinalityError):
        check_proven_state(support.CHAIN, support.VALIDATORS, answer, b"b", suite=ED25519_SHA256)


def test_an_absent_entry_claimed_present_is_refused() -> None:
    """`present` decides whether the value counts: an exclusion proof proves no value,
    not even the empty one."""
    answer = proven(b"absent", present=True)
    with pytest.raises(FinalityError):
        check_proven_state(
            support.CHAIN, support.VALIDATORS, answer, b"absent", suite=ED25519_SHA256
        )


def test_a_proof_under_another_state_root_is_refused() -> None:
    answer = proven(b"b")
    other = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    other.apply([(b"b", b"2"), (b"z", b"9")])
    answer.proof = encode_proof(other.prove(b"b"))  # true, but of another state
    with pytest.raises(FinalityError):
        check_proven_state(support.CHAIN, support.VALIDATORS, answer, b"b", suite=ED25519_SHA256)


# ---- get_scheduled_set ---------------------------------------------------------------------


def decision(
    activation_height: int, members: list[dict[str, str]] | str, name: str = ""
) -> ledger_pb2.Event:
    listed = members if isinstance(members, str) else json.dumps(members)
    return ledger_pb2.Event(
        name=name or VALIDATORS_SCHEDULED_EVENT,
        attrs=[
            ledger_pb2.EventAttr(key="activation_height", integer=activation_height),
            ledger_pb2.EventAttr(key="validators", text=listed),
        ],
    )


def members(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "public_key": support.SIGNERS[i].public_key.hex()} for i in ids]


def test_the_set_comes_from_the_successful_decision_for_that_height_only() -> None:
    """Decoys first: a failed decision, another event, another activation height. Each must
    be passed over (not taken, and not the end of the search)."""
    results = ledger_pb2.BlockResults(
        results=[
            ledger_pb2.TxResult(ok=False, events=[decision(10, members("v0"))]),
            ledger_pb2.TxResult(
                ok=True,
                events=[
                    decision(10, members("v1"), name="membership.validator_endpoint_set"),
                    decision(11, members("v2")),
                    decision(10, members("v3", "v1")),
                ],
            ),
        ]
    )
    chosen = get_scheduled_set(results, 10, suite=ED25519_SHA256)
    assert [v.id for v in chosen.validators] == ["v1", "v3"]
    assert chosen.get("v3") == Validator("v3", support.SIGNERS["v3"].public_key)
    assert [v.id for v in get_scheduled_set(results, 11, suite=ED25519_SHA256).validators] == ["v2"]


def test_a_block_scheduling_nothing_for_that_height_is_a_finality_error() -> None:
    results = ledger_pb2.BlockResults(
        results=[ledger_pb2.TxResult(ok=False, events=[decision(10, members("v0"))])]
    )
    for height in (10, 11):
        with pytest.raises(FinalityError):
            get_scheduled_set(results, height, suite=ED25519_SHA256)


@pytest.mark.parametrize(
    "listed",
    [
        "not json",  # ValueError
        json.dumps([{"id": "v0"}]),  # KeyError: no public key
        json.dumps(7),  # TypeError: not a list
        json.dumps([{"id": "v0", "public_key": "zz"}]),  # ValueError: not hex
    ],
)
def test_a_malformed_decision_is_a_finality_error(listed: str) -> None:
    results = ledger_pb2.BlockResults(
        results=[ledger_pb2.TxResult(ok=True, events=[decision(10, listed)])]
    )
    with pytest.raises(FinalityError):
        get_scheduled_set(results, 10, suite=ED25519_SHA256)


def test_a_decision_without_its_validators_is_a_finality_error() -> None:
    event = ledger_pb2.Event(
        name=VALIDATORS_SCHEDULED_EVENT,
        attrs=[ledger_pb2.EventAttr(key="activation_height", integer=10)],
    )
    results = ledger_pb2.BlockResults(results=[ledger_pb2.TxResult(ok=True, events=[event])])
    with pytest.raises(FinalityError):
        get_scheduled_set(results, 10, suite=ED25519_SHA256)


# ---- certificate_from_proven ---------------------------------------------------------------


def record(valid_until_ms: int) -> bytes:
    return Certificate(
        cert_id=CERT_ID,
        cert_type="diploma",
        issuer="org-a",
        holder="holder-1",
        doc_hash="ab" * 32,
        valid_until_ms=valid_until_ms,
        status=STATUS_VALID,
        issued_height=2,
        issued_tx="cd" * 32,
        status_height=2,
        reason="",
    ).encode()


def test_a_proven_absence_is_no_certificate() -> None:
    assert certificate_from_proven(CERT_ID, None, TIME_MS) is None


def test_the_status_is_judged_at_the_proven_headers_time() -> None:
    value = record(valid_until_ms=TIME_MS)
    at_end = certificate_from_proven(CERT_ID, value, TIME_MS)
    after = certificate_from_proven(CERT_ID, value, TIME_MS + 1)
    assert at_end is not None and after is not None
    assert (at_end["cert_id"], at_end["status"]) == (CERT_ID, "valid")
    assert after["status"] == "expired"
