"""The chain's hashes and transaction signatures go through its crypto suite (issue 18):
the transaction hash and signature check, the header hash, the transaction and results
roots, the state tree and its proofs and the genesis hash are SHA-256 / Ed25519 on an
`ed25519-sha256` chain and SM3 / SM2 on an `sm2-sm3` one; a transaction of the other suite
is refused with a clear error, and a light client checks an SM chain's answer end to end.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from consensus.crypto import SuiteSigner
from consensus.messages import CommitCertificate, Vote
from consensus.signing import commit_sign_bytes
from consensus.validators import Validator, ValidatorSet
from contracts.framework.codec import canonical_json
from node import limits
from node.chain.crypto import KeyPair
from node.chain.headers import header_bytes, header_hash, results_root, tx_root
from node.chain.merkle import merkle_root
from node.chain.stateproof import (
    LEAF_DOMAIN,
    VALUE_DOMAIN,
    compute_value_hash,
    encode_proof,
    verify_proof,
)
from node.chain.statetree import MemoryNodeStore, StateTree, build_tree
from node.chain.tx import TX_SIGN_DOMAIN, TxInvalid, body_bytes, build_tx, check_tx, tx_hash
from node.chain.wire import certificate_to_proto
from node.genesis import Genesis
from node.ledger.store import Store
from node.sdk.finality import FinalityError, check_proven_state
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from tests.unit import header_vector

CHAIN = "suite-chain"
SUITE_PARAMS = [pytest.param(s, id=s.name) for s in SUITES.values()]


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


def private_key(suite: Suite, name: str = "holder") -> bytes:
    return hashlib.sha256(f"{suite.name}/{name}".encode()).digest()


def signed_tx(suite: Suite, key: bytes) -> ledger_pb2.Transaction:
    """A consent grant signed in `suite` by the builder the SDK's client uses."""
    grant = {"request_id": "req-00000001"}
    nonce = b"\x01" * limits.NONCE_BYTES
    return build_tx(CHAIN, KeyPair(key, suite), "consent", "grant", grant, nonce=nonce)


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_transaction_is_hashed_and_checked_with_the_chains_suite(suite: Suite) -> None:
    tx = signed_tx(suite, private_key(suite))
    checked = check_tx(tx, CHAIN, suite=suite)
    assert checked.hash == tx_hash(tx, suite) == suite.hash(body_bytes(tx.body))
    assert tx_hash(tx, suite) != tx_hash(tx, other_suite(suite))


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_transaction_of_the_other_suite_is_refused_by_key_length(suite: Suite) -> None:
    other = other_suite(suite)
    tx = signed_tx(other, private_key(other))
    with pytest.raises(TxInvalid) as raised:
        check_tx(tx, CHAIN, suite=suite)
    assert raised.value.code == "invalid_argument"
    assert raised.value.message == (
        f"submitter must be a {suite.public_key_bytes}-byte public key of the chain's suite"
        f" ({suite.name})"
    )


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_changed_or_foreign_signature_is_refused(suite: Suite) -> None:
    tx = signed_tx(suite, private_key(suite))
    tx.body.nonce = b"\x02" * limits.NONCE_BYTES  # the signature no longer covers the body
    with pytest.raises(TxInvalid) as raised:
        check_tx(tx, CHAIN, suite=suite)
    assert raised.value.code == "bad_signature"
    other_key = private_key(suite, "someone else")
    forged = signed_tx(suite, private_key(suite))
    forged.signature = suite.sign(other_key, TX_SIGN_DOMAIN + body_bytes(forged.body))
    with pytest.raises(TxInvalid, match="does not verify"):
        check_tx(forged, CHAIN, suite=suite)
    unchecked = check_tx(forged, CHAIN, suite=suite, verify_signature_=False)
    assert unchecked.hash == suite.hash(body_bytes(forged.body))


def test_the_block_hash_is_the_suites_hash_of_the_documented_bytes() -> None:
    head = header_vector.HEADER
    assert header_hash(head, ED25519_SHA256) == hashlib.sha256(header_bytes(head)).digest()
    assert header_hash(head, SM2_SM3) == SM2_SM3.hash(header_bytes(head))
    assert header_hash(head, SM2_SM3) != header_hash(head, ED25519_SHA256)


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_the_block_roots_are_the_suites_merkle_roots(suite: Suite) -> None:
    hashes = [suite.hash(bytes([i])) for i in range(3)]
    assert tx_root(hashes, suite) == merkle_root(hashes, suite)
    results = [ledger_pb2.TxResult(ok=True), ledger_pb2.TxResult(ok=False)]
    encoded = [r.SerializeToString(deterministic=True) for r in results]
    assert results_root(results, suite) == merkle_root(encoded, suite)
    assert results_root([], suite) == suite.hash(b"")


def test_the_genesis_hash_is_the_suites_hash() -> None:
    key = ED25519_SHA256.generate_keypair().public_key
    sm2_key = SM2_SM3.generate_keypair().public_key
    default = Genesis(
        chain_id=CHAIN,
        genesis_time_ms=0,
        validators=ValidatorSet((Validator("v", key),)),
        organisations=(),
    )
    national = Genesis(
        chain_id=CHAIN,
        genesis_time_ms=0,
        validators=ValidatorSet((Validator("v", sm2_key),)),
        organisations=(),
        suite=SM2_SM3,
    )
    assert (
        default.hash == hashlib.sha256(b"trustledger/v1/genesis\x00" + canonical(default)).digest()
    )
    assert national.hash == SM2_SM3.hash(b"trustledger/v1/genesis\x00" + canonical(national))


def canonical(genesis: Genesis) -> bytes:
    return canonical_json(genesis.to_json())


STATE = {b"a": b"1", b"b": b"2", f"k{7}".encode(): b"3"}


def state_tree(suite: Suite) -> StateTree:
    tree = StateTree(MemoryNodeStore(), suite=suite)
    tree.apply(list(STATE.items()))
    return tree


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_the_state_tree_and_its_proofs_hash_with_the_chains_suite(suite: Suite) -> None:
    tree = state_tree(suite)
    other = other_suite(suite)
    assert tree.root == build_tree(list(STATE.items()), suite).root
    assert tree.root != build_tree(list(STATE.items()), other).root
    for key, value in [*STATE.items(), (b"absent", None)]:
        proof = tree.prove(key)
        assert verify_proof(tree.root, key, value, proof, suite)
        assert not verify_proof(tree.root, key, value, proof, other)
    # a one-leaf tree's root is its leaf hash, in the suite's hash
    single = build_tree([(b"a", b"1")], suite).root
    value_hash = suite.hash(VALUE_DOMAIN + struct.pack(">I", 1) + b"a1")
    assert single == suite.hash(LEAF_DOMAIN + suite.hash(b"a") + value_hash)
    assert compute_value_hash(b"a", b"1", suite) == value_hash


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_nodes_live_tree_uses_the_suite_of_its_store(suite: Suite, tmp_path: Path) -> None:
    store = Store(tmp_path / "db", suite)
    try:
        update = store.tree.update(list(STATE.items()))
        assert update.root == state_tree(suite).root
        store.tree.commit(update)
        proof = store.tree.prove(b"a")
        assert verify_proof(store.tree.root, b"a", b"1", proof, suite)
    finally:
        store.close()


SM_SIGNERS = {
    vid: SuiteSigner(vid, SM2_SM3, private_key(SM2_SM3, vid)) for vid in ("v0", "v1", "v2", "v3")
}
SM_VALIDATORS = ValidatorSet(
    tuple(Validator(vid, signer.public_key) for vid, signer in SM_SIGNERS.items())
)


def test_a_light_client_checks_an_sm_chains_answer_with_sm2_and_sm3() -> None:
    tree = state_tree(SM2_SM3)
    head = ledger_pb2.BlockHeader(
        chain_id=CHAIN, height=5, prev_hash=b"\x07" * 32, state_root=tree.root, proposer="v0"
    )
    digest = header_hash(head, SM2_SM3)
    sign_bytes = commit_sign_bytes(CHAIN, 0, 5, digest)
    votes = tuple(Vote(v, SM_SIGNERS[v].sign(sign_bytes)) for v in ("v0", "v1", "v2"))
    commit = certificate_to_proto(CommitCertificate(5, digest, votes, view=0))
    answer = node_pb2.ProvenState(
        key=b"b",
        present=True,
        value=b"2",
        proof=encode_proof(tree.prove(b"b")),
        height=5,
        header=head,
        commit=commit,
    )
    assert check_proven_state(CHAIN, SM_VALIDATORS, answer, b"b", suite=SM2_SM3) == b"2"
    with pytest.raises(FinalityError, match="another block"):  # the SHA-256 block hash differs
        check_proven_state(CHAIN, SM_VALIDATORS, answer, b"b", suite=ED25519_SHA256)
