"""Merkle roots, state commitments, key files, the mempool and the consensus wire codec."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consensus.messages import Commit, CommitCertificate, Prepare, PrePrepare, Suspicion, Vote
from node.chain.crypto import KeyFileError, KeyPair, load_key_file, read_public_key, save_key_file
from node.chain.merkle import empty_root, leaf_hash, merkle_root, node_hash
from node.chain.tx import build_tx, check_tx
from node.chain.wire import (
    WireError,
    certificate_from_proto,
    certificate_to_proto,
    decode_message,
    encode_message,
)
from node.mempool import Mempool, MempoolFull
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite

SUITE_PARAMS = [pytest.param(s, id=s.name) for s in SUITES.values()]


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_merkle_known_shapes(suite: Suite) -> None:
    a, b, c = b"a", b"b", b"c"
    h = suite.hash
    assert merkle_root([], suite) == empty_root(suite) == h(b"")
    assert merkle_root([a], suite) == leaf_hash(a, suite) == h(b"\x00a")
    assert merkle_root([a, b], suite) == node_hash(leaf_hash(a, suite), leaf_hash(b, suite), suite)
    assert node_hash(a, b, suite) == h(b"\x01ab")
    # Unbalanced: the left subtree holds the largest power of two below n.
    left = node_hash(leaf_hash(a, suite), leaf_hash(b, suite), suite)
    assert merkle_root([a, b, c], suite) == node_hash(left, leaf_hash(c, suite), suite)


def test_merkle_roots_of_the_two_suites_differ() -> None:
    assert merkle_root([], ED25519_SHA256) == hashlib.sha256(b"").digest()
    assert merkle_root([b"a"], SM2_SM3) != merkle_root([b"a"], ED25519_SHA256)


def _recursive_merkle_root(leaves: list[bytes], suite: Suite) -> bytes:
    """RFC 6962's definition, word for word: split at the largest power of two below n."""
    if not leaves:
        return empty_root(suite)
    if len(leaves) == 1:
        return leaf_hash(leaves[0], suite)
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(
        _recursive_merkle_root(leaves[:k], suite), _recursive_merkle_root(leaves[k:], suite), suite
    )


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_merkle_root_matches_the_recursive_definition(suite: Suite) -> None:
    leaves = [bytes([i % 256, i // 256]) for i in range(1100)]
    for n in [*range(70), 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 999, 1000, 1024, 1100]:
        assert merkle_root(leaves[:n], suite) == _recursive_merkle_root(leaves[:n], suite), n


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=20), st.data())
def test_merkle_root_changes_when_any_leaf_changes(
    leaves: list[bytes], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(leaves) - 1))
    changed = list(leaves)
    changed[i] = leaves[i] + b"!"
    suite = ED25519_SHA256
    assert merkle_root(changed, suite) != merkle_root(leaves, suite)
    assert merkle_root(leaves, suite) != merkle_root([*leaves, b""], suite)


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_leaf_cannot_pose_as_inner_node(suite: Suite) -> None:
    a, b = b"a", b"b"
    inner = node_hash(leaf_hash(a, suite), leaf_hash(b, suite), suite)
    assert merkle_root([inner], suite) != merkle_root([a, b], suite)


def test_key_file_round_trip_and_wrong_passphrase(tmp_path: Path) -> None:
    kp = KeyPair.generate()
    path = tmp_path / "k.json"
    save_key_file(path, kp, "a long passphrase", label="psb")
    assert path.stat().st_mode & 0o777 == 0o600
    assert kp.seed.hex() not in path.read_text()
    assert load_key_file(path, "a long passphrase") == kp
    assert read_public_key(path) == kp.public_key
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_key_file(path, "another passphrase")
    with pytest.raises(KeyFileError, match="not found"):
        load_key_file(tmp_path / "missing.json", "x")
    path.write_text("{not json")
    with pytest.raises(KeyFileError):
        load_key_file(path, "a long passphrase")


def test_mempool_dedups_orders_and_bounds() -> None:
    kp = KeyPair.generate()
    txs = [
        check_tx(build_tx("c", kp, "consent", "grant", {"n": i}), "c", suite=ED25519_SHA256)
        for i in range(5)
    ]
    pool = Mempool(txs_max=4)
    assert [pool.add(t) for t in txs[:4]] == [True] * 4
    assert pool.add(txs[0]) is False
    with pytest.raises(MempoolFull):
        pool.add(txs[4])
    assert [t.hash for t in pool.take(3, 1 << 20)] == [t.hash for t in txs[:3]]
    pool.remove([txs[1].hash])
    assert [t.hash for t in pool.take(10, 1 << 20)] == [txs[0].hash, txs[2].hash, txs[3].hash]
    assert bytes(txs[1].tx.signature) not in pool.by_signature
    assert len(pool.take(10, txs[0].size)) == 1  # byte budget


def test_wire_round_trip() -> None:
    d = b"\x07" * 32
    for m in (
        PrePrepare(1, 2, d, b"payload", "val-0", b"s" * 64),
        Prepare(1, 2, d, "val-1", b"s" * 64),
        Commit(1, 2, d, "val-2", b"s" * 64),
        Suspicion(view=1, height=2, sender="val-3", signature=b"s" * 64),
    ):
        assert decode_message(encode_message(m)) == m
    cert = CommitCertificate(5, d, (Vote("val-0", b"a" * 64), Vote("val-1", b"b" * 64)))
    assert certificate_from_proto(certificate_to_proto(cert)) == cert
    with pytest.raises(WireError):
        decode_message(b"\xff\xff\xff")
    with pytest.raises(WireError):
        decode_message(b"")
