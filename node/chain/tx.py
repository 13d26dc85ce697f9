"""Transaction envelopes: building, canonical bytes, hashing and stateless validation.

Canonical bytes are protobuf's deterministic serialisation of the TxBody; arguments
must be in strictly ascending name order, so one call has exactly one encoding and
therefore one hash. The signature covers a domain tag and those bytes; the chain id
inside the body keeps a transaction from being replayed on another chain.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from contracts.framework.errors import ContractError
from contracts.runtime import screen_arguments
from node import limits
from node.chain.crypto import KeyPair
from proto import ledger_pb2
from suites import Suite

TX_SIGN_DOMAIN = b"trustledger/v1/tx\x00"
_NAME = re.compile(r"[a-z][a-z0-9_]*")  # whole names only: see `_is_name`

ArgValue = str | int | bytes | bool
SINT64_MIN = -(2**63)
SINT64_MAX = 2**63 - 1


class TxInvalid(Exception):
    """A transaction fails a stateless check. `code` names which, for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.lru_cache(maxsize=limits.NAMES_CACHED_MAX)
def _is_name(s: str) -> bool:
    """Whether ``s`` matches ``_NAME``; memoised on the text, as every transaction of a block
    names the same few contracts, methods and arguments (a pure function of ``s``). Callers
    check the length first, so the cache holds only short strings. `fullmatch`, not a `$`
    anchor, which also matches before a final newline and let "issue\n" pass."""
    return _NAME.fullmatch(s) is not None


def body_bytes(body: ledger_pb2.TxBody) -> bytes:
    return body.SerializeToString(deterministic=True)


def tx_hash(tx: ledger_pb2.Transaction, suite: Suite) -> bytes:
    """The chain's suite's hash (SHA-256 or SM3) of the body's canonical bytes."""
    return suite.hash(body_bytes(tx.body))


def encode_args(args: Mapping[str, ArgValue]) -> list[ledger_pb2.Arg]:
    out: list[ledger_pb2.Arg] = []
    for name in sorted(args):
        value = args[name]
        arg = ledger_pb2.Arg(name=name)
        # bool before int: bool is a subclass of int.
        if isinstance(value, bool):
            arg.flag = value
        elif isinstance(value, int):
            if not SINT64_MIN <= value <= SINT64_MAX:
                raise TxInvalid("invalid_argument", f"argument {name!r} is out of int64 range")
            arg.integer = value
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise TxInvalid("invalid_argument", f"argument {name!r} is not valid text") from exc
            arg.text = value
        elif isinstance(value, bytes):
            arg.blob = value
        else:
            raise TxInvalid("invalid_argument", f"argument {name!r} has unsupported type")
        out.append(arg)
    return out


def decode_args(args: Iterable[ledger_pb2.Arg]) -> dict[str, ArgValue]:
    """Arguments as a dict; rejects unsorted, duplicate, unnamed or empty arguments."""
    out: dict[str, ArgValue] = {}
    previous = ""
    for arg in args:
        name = arg.name
        if len(name) > limits.ARG_NAME_BYTES_MAX or not _is_name(name):
            raise TxInvalid("invalid_argument", f"bad argument name {name!r}")
        if name <= previous:
            raise TxInvalid("invalid_argument", "arguments must be unique and sorted by name")
        previous = name
        kind = arg.WhichOneof("value")
        if kind is None:
            raise TxInvalid("invalid_argument", f"argument {name!r} has no value")
        out[name] = getattr(arg, kind)
    return out


def build_tx(
    chain_id: str,
    keypair: KeyPair,
    contract: str,
    method: str,
    args: Mapping[str, ArgValue],
    *,
    nonce: bytes | None = None,
) -> ledger_pb2.Transaction:
    body = ledger_pb2.TxBody(
        chain_id=chain_id,
        submitter=keypair.public_key,
        nonce=nonce if nonce is not None else os.urandom(limits.NONCE_BYTES),
        contract=contract,
        method=method,
        args=encode_args(args),
    )
    signature = keypair.sign(TX_SIGN_DOMAIN + body_bytes(body))
    return ledger_pb2.Transaction(body=body, signature=signature)


@dataclass(frozen=True, slots=True)
class CheckedTx:
    """A transaction that passed every stateless check, with what was derived from it."""

    tx: ledger_pb2.Transaction
    hash: bytes
    args: dict[str, ArgValue]
    size: int


TxScreen = Callable[[bytes, ledger_pb2.TxBody, dict[str, ArgValue]], None]
"""A check of a call's arguments, given (body hash, body, decoded arguments), that raises
TxInvalid: the node's admission screen (node/screening.py), which remembers what passed."""


def screen_args(_hash: bytes, body: ledger_pb2.TxBody, args: dict[str, ArgValue]) -> None:
    """The personal-data screen of every argument (but those the method declares as an
    organisation's credit code: `contracts.runtime.screen_arguments`); the default
    `TxScreen` of `check_tx`."""
    try:
        screen_arguments(args, body.contract, body.method)
    except ContractError as exc:
        raise TxInvalid("personal_data", exc.message) from exc


def check_tx(
    tx: ledger_pb2.Transaction,
    chain_id: str,
    *,
    suite: Suite,
    verify_signature_: bool = True,
    screen: TxScreen = screen_args,
) -> CheckedTx:
    """Every check that needs no state: size, shape, chain id, the screen of the
    arguments, signature (in that order, so a refusal names the first problem). `suite` is
    the chain's: the submitter's key is one of its public keys, the hash is its hash, the
    signature its signature.

    `verify_signature_=False` is only for blocks that carry a verified commit certificate:
    2f+1 validators, at least f+1 of them honest, checked those signatures before voting.
    The same goes for the screen: it keeps personal data and undeclared arguments out of
    blocks, and a certified block is already in the chain, so it is skipped there too.
    """
    checked, signed = precheck_tx(
        tx, chain_id, suite=suite, screen=screen if verify_signature_ else None
    )
    if verify_signature_ and not suite.verify(tx.body.submitter, signed, tx.signature):
        raise TxInvalid("bad_signature", "transaction signature does not verify")
    return checked


def precheck_tx(
    tx: ledger_pb2.Transaction, chain_id: str, *, suite: Suite, screen: TxScreen | None
) -> tuple[CheckedTx, bytes]:
    """`check_tx` but for the signature, and the bytes the signature must cover: split so
    that a node can verify the signatures of many transactions together, on every core, or
    skip a signature it verified before (node/verifying.py). `screen` None: not screened
    (a certified block's transactions only). Raises TxInvalid."""
    size = tx.ByteSize()
    if size > limits.TX_BYTES_MAX:
        raise TxInvalid(
            "too_large", f"transaction is {size} bytes; the limit is {limits.TX_BYTES_MAX}"
        )
    body = tx.body
    if body.chain_id != chain_id:
        raise TxInvalid(
            "wrong_chain", f"transaction is for chain {body.chain_id!r}, not {chain_id!r}"
        )
    if len(body.submitter) != suite.public_key_bytes:
        raise TxInvalid(
            "invalid_argument",
            f"submitter must be a {suite.public_key_bytes}-byte public key of the chain's"
            f" suite ({suite.name})",
        )
    if len(body.nonce) != limits.NONCE_BYTES:
        raise TxInvalid("invalid_argument", f"nonce must be {limits.NONCE_BYTES} bytes")
    contract = body.contract
    if len(contract) > limits.CONTRACT_NAME_BYTES_MAX or not _is_name(contract):
        raise TxInvalid("invalid_argument", f"bad contract name {contract!r}")
    method = body.method
    if len(method) > limits.METHOD_NAME_BYTES_MAX or not _is_name(method):
        raise TxInvalid("invalid_argument", f"bad method name {method!r}")
    if len(body.args) > limits.TX_ARGS_MAX:
        raise TxInvalid("invalid_argument", f"at most {limits.TX_ARGS_MAX} arguments")
    args = decode_args(body.args)
    raw = body_bytes(body)
    hash_ = suite.hash(raw)
    if screen is not None:
        # A refused call still lands in its block, so personal data is stopped here.
        screen(hash_, body, args)
    return CheckedTx(tx=tx, hash=hash_, args=args, size=size), TX_SIGN_DOMAIN + raw
