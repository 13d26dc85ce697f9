"""The chain's hashes and transaction signatures go through its crypto suite (issue 18):
the transaction hash and signature check, the header hash, the transaction and results
roots and the genesis hash are SHA-256 / Ed25519 on an `ed25519-sha256` chain and SM3 / SM2
on an `sm2-sm3` one; a transaction of the other suite is refused with a clear error.
"""

from __future__ import annotations

import hashlib

import pytest

from consensus.validators import Validator, ValidatorSet
from contracts.framework.codec import canonical_json
from node import limits
from node.chain.headers import header_bytes, header_hash, results_root, tx_root
from node.chain.merkle import merkle_root
from node.chain.tx import TX_SIGN_DOMAIN, TxInvalid, body_bytes, check_tx, encode_args, tx_hash
from node.genesis import Genesis
from proto import ledger_pb2
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite

CHAIN = "suite-chain"
SUITE_PARAMS = [pytest.param(s, id=s.name) for s in SUITES.values()]


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


def private_key(suite: Suite, name: str = "holder") -> bytes:
    return hashlib.sha256(f"{suite.name}/{name}".encode()).digest()


def signed_tx(suite: Suite, key: bytes, chain_id: str = CHAIN) -> ledger_pb2.Transaction:
    """A transaction signed in `suite` (what a wallet of that chain sends)."""
    body = ledger_pb2.TxBody(
        chain_id=chain_id,
        submitter=suite.public_key_from_private(key),
        nonce=b"\x01" * limits.NONCE_BYTES,
        contract="consent",
        method="grant",
        args=encode_args({"request_id": "req-00000001"}),
    )
    signature = suite.sign(key, TX_SIGN_DOMAIN + body_bytes(body))
    return ledger_pb2.Transaction(body=body, signature=signature)


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


def header() -> ledger_pb2.BlockHeader:
    return ledger_pb2.BlockHeader(
        chain_id=CHAIN,
        height=3,
        prev_hash=b"\x11" * 32,
        tx_root=b"\x22" * 32,
        state_root=b"\x33" * 32,
        results_root=b"\x44" * 32,
        proposer="val-1",
        view=1,
        time_ms=1767225600000,
    )


def test_the_block_hash_is_the_suites_hash_of_the_documented_bytes() -> None:
    head = header()
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
