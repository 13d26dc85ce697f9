"""Transactions: canonical bytes, hashing, signatures and stateless checks."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consensus.crypto import verify_ed25519
from node import limits
from node.chain import ids
from node.chain.crypto import KeyPair
from node.chain.tx import TxInvalid, build_tx, check_tx, decode_args, encode_args, tx_hash
from proto import ledger_pb2
from suites import ED25519_SHA256

CHAIN = "test-chain"
KEY = KeyPair(bytes(range(32)))
NONCE = b"\x01" * limits.NONCE_BYTES

# Text without digits or "@": admission refuses values that look like ID or phone numbers
# or e-mail addresses, which is tested on its own below.
arg_values = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="@"),
        max_size=40,
    ),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.binary(max_size=40),
    st.booleans(),
)
arg_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@given(st.dictionaries(arg_names, arg_values, max_size=limits.TX_ARGS_MAX))
def test_args_round_trip_and_canonical_order(args: dict[str, object]) -> None:
    encoded = encode_args(args)  # type: ignore[arg-type]
    assert [a.name for a in encoded] == sorted(args)
    decoded = decode_args(encoded)
    assert decoded == args
    assert {k: type(v) for k, v in decoded.items()} == {k: type(v) for k, v in args.items()}


@given(st.dictionaries(arg_names, arg_values, min_size=1, max_size=8))
def test_hash_does_not_depend_on_how_args_were_built(args: dict[str, object]) -> None:
    a = build_tx(CHAIN, KEY, "consent", "grant", args, nonce=NONCE)  # type: ignore[arg-type]
    b = build_tx(CHAIN, KEY, "consent", "grant", dict(reversed(list(args.items()))), nonce=NONCE)  # type: ignore[arg-type]
    assert a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
    assert (
        tx_hash(a, ED25519_SHA256)
        == tx_hash(b, ED25519_SHA256)
        == check_tx(a, CHAIN, suite=ED25519_SHA256).hash
    )


def test_hash_changes_with_every_field() -> None:
    base = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"}, nonce=NONCE)
    variants = [
        build_tx("other", KEY, "consent", "grant", {"request_id": "req-00000001"}, nonce=NONCE),
        build_tx(
            CHAIN,
            KeyPair(bytes(32)),
            "consent",
            "grant",
            {"request_id": "req-00000001"},
            nonce=NONCE,
        ),
        build_tx(
            CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"}, nonce=b"\x02" * 16
        ),
        build_tx(CHAIN, KEY, "certificates", "grant", {"request_id": "req-00000001"}, nonce=NONCE),
        build_tx(CHAIN, KEY, "consent", "refuse", {"request_id": "req-00000001"}, nonce=NONCE),
        build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000002"}, nonce=NONCE),
    ]
    hashes = {tx_hash(base, ED25519_SHA256)} | {tx_hash(v, ED25519_SHA256) for v in variants}
    assert len(hashes) == 1 + len(variants)


def test_fresh_nonces_make_identical_calls_distinct() -> None:
    a = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"})
    b = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"})
    assert tx_hash(a, ED25519_SHA256) != tx_hash(b, ED25519_SHA256)


def test_check_accepts_a_good_transaction() -> None:
    tx = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001", "max_uses": 2})
    checked = check_tx(tx, CHAIN, suite=ED25519_SHA256)
    assert checked.args == {"request_id": "req-00000001", "max_uses": 2}
    assert checked.size == tx.ByteSize()


def _code(tx: ledger_pb2.Transaction, chain: str = CHAIN) -> str:
    with pytest.raises(TxInvalid) as info:
        check_tx(tx, chain, suite=ED25519_SHA256)
    return info.value.code


def test_check_rejects_each_bad_shape() -> None:
    good = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"})
    assert _code(good, "other-chain") == "wrong_chain"

    tampered = ledger_pb2.Transaction()
    tampered.CopyFrom(good)
    tampered.body.method = "refuse"
    assert _code(tampered) == "bad_signature"

    resigned = ledger_pb2.Transaction()
    resigned.CopyFrom(good)
    resigned.body.submitter = KeyPair(bytes(32)).public_key
    assert _code(resigned) == "bad_signature"

    for mutate in (
        lambda t: setattr(t.body, "submitter", b"short"),
        lambda t: setattr(t.body, "nonce", b"x"),
        lambda t: setattr(t.body, "contract", "Bad Name"),
        lambda t: setattr(t.body, "method", ""),
        lambda t: t.body.args.add(name="zz"),  # an argument with no value
        lambda t: t.body.args.add(name="request_id", text="dup"),
    ):
        bad = ledger_pb2.Transaction()
        bad.CopyFrom(good)
        mutate(bad)
        assert _code(bad) == "invalid_argument"

    big = build_tx(CHAIN, KEY, "consent", "grant", {"blob": b"x" * limits.TX_BYTES_MAX})
    assert _code(big) == "too_large"
    many = build_tx(
        CHAIN, KEY, "consent", "grant", {f"a{i}": i for i in range(limits.TX_ARGS_MAX + 1)}
    )
    assert _code(many) == "invalid_argument"


def test_signature_helper_never_raises_on_garbage() -> None:
    assert verify_ed25519(b"", b"m", b"") is False
    assert verify_ed25519(b"\x00" * 32, b"m", b"\x00" * 64) is False
    sig = KEY.sign(b"m")
    assert verify_ed25519(KEY.public_key, b"m", sig) is True
    assert verify_ed25519(KEY.public_key, b"n", sig) is False


def test_personal_data_is_refused_at_admission() -> None:
    """A refused call still lands in its block: personal data must stop before that."""
    for args in (
        {"reason": "holder 110105199001011234 moved"},
        {"purpose": "call 13800138000"},
        {"purpose": "write to li.na@example.cn"},
    ):
        tx = build_tx(CHAIN, KEY, "certificates", "revoke", {"cert_id": "cert-abcdefgh", **args})
        assert _code(tx) == "personal_data"


@given(st.binary(min_size=15, max_size=15))
def test_generated_ids_pass_screening(random_bytes: bytes) -> None:
    """The id's 120 random bits come from hypothesis (it drew an unused integer before and
    `new_id` read os.urandom), so a failing id can be found, shrunk and replayed."""
    with mock.patch.object(ids.os, "urandom", return_value=random_bytes) as urandom:
        request_id = ids.new_id("req")
    urandom.assert_called_once_with(15)
    tx = build_tx(CHAIN, KEY, "consent", "access", {"request_id": request_id})
    checked = check_tx(tx, CHAIN, suite=ED25519_SHA256)
    assert checked.args == {"request_id": request_id}
    assert checked.hash == tx_hash(tx, ED25519_SHA256)


@given(st.integers(min_value=0, max_value=2**31))
def test_field_commitments_pass_screening(seed: int) -> None:
    """Random hex digests inside JSON (field commitments) never look like personal data."""
    import json
    import random

    rnd = random.Random(seed)
    hashes = {f"f{i}": rnd.getrandbits(256).to_bytes(32, "big").hex() for i in range(9)}
    tx = build_tx(CHAIN, KEY, "certificates", "issue", {"field_hashes": json.dumps(hashes)})
    checked = check_tx(tx, CHAIN, suite=ED25519_SHA256)
    assert checked.args == {"field_hashes": json.dumps(hashes)}
    assert checked.hash == tx_hash(tx, ED25519_SHA256)


def test_digest_with_an_id_like_digit_run_is_not_personal_data() -> None:
    import json

    # A real random digest whose tail reads like a 15-digit ID number (found by search).
    digest = "01b1c0996acd2fff85b8d3aeb45a00a312767e35db1178dcc607863890819060"
    tx = build_tx(CHAIN, KEY, "certificates", "issue", {"field_hashes": json.dumps({"a": digest})})
    check_tx(tx, CHAIN, suite=ED25519_SHA256)
    # The same digits outside a digest are still refused.
    bad = build_tx(
        CHAIN, KEY, "certificates", "issue", {"field_hashes": json.dumps({"a": "13800138000"})}
    )
    assert _code(bad) == "personal_data"


def test_text_that_is_not_unicode_is_refused_clearly() -> None:
    with pytest.raises(TxInvalid, match="not valid text"):
        build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "\ud800"})


def test_memoised_name_checks_answer_like_the_pattern_every_time() -> None:
    """Argument, contract and method names are checked through a memo: asked again, and in
    any order, every name gets the pattern's and the length limit's answer."""
    names = ["a", "cert_id", "Cert_id", "1a", "a-b", "", "a" * 32, "a" * 33, "é", "b" * 500]
    names += ["issue\n", "cert_id\n", "a\nb", " a"]  # a newline must not pass as the end
    for name in [*names, *reversed(names), *names]:
        expected = re.fullmatch(r"[a-z][a-z0-9_]*", name) is not None and len(name) <= 32
        arg = ledger_pb2.Arg(name=name, integer=1)
        if expected:
            assert decode_args([arg]) == {name: 1}
        else:
            with pytest.raises(TxInvalid):
                decode_args([arg])
        tx = build_tx(CHAIN, KEY, "consent", "grant", {"request_id": "req-00000001"})
        tx.body.contract = name
        assert (_code(tx) != "invalid_argument") == expected, name
