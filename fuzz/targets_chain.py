"""Targets on the chain's formats: a transaction (decoding and admission's stateless checks;
admission into a mempool; a contract's execution), a proposed block, a state proof and a
proven certificate entry."""

from __future__ import annotations

import atexit

from google.protobuf.message import DecodeError

from contracts.runtime import CallContext, ContractError, execute
from fuzz import fixtures
from fuzz.chain_world import open_chain_world
from fuzz.target import OneInput, Target, check, outcome
from node.admission import Admission, SubmitRejected, check_for_admission
from node.chain.headers import header_hash
from node.chain.stateproof import ProofFormatError, decode_proof, encode_proof, verify_proof
from node.chain.tx import TxInvalid, check_tx
from node.ledger.execution import BlockInvalid
from node.mempool import CLIENTS, Mempool
from node.sdk.finality import FinalityError, check_proven_state
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256

TX_MODULES = ("node/chain/tx.py", "node/screening.py", "contracts/framework/declarations.py")


def _parse_tx(data: bytes) -> ledger_pb2.Transaction:
    tx = ledger_pb2.Transaction()
    tx.ParseFromString(data)
    return tx


def _tx_seeds() -> list[bytes]:
    return [t.SerializeToString(deterministic=True) for t in fixtures.seed_txs()]


def make_tx() -> OneInput:
    def one(data: bytes) -> str:
        return outcome(
            lambda: check_for_admission(_parse_tx(data), fixtures.CHAIN, suite=ED25519_SHA256),
            (DecodeError, TxInvalid),
        )

    return one


def make_admission() -> OneInput:
    """A validator's admission with its mempool; one seed transaction counts as committed
    (the replay refusal). A refused transaction must leave the mempool as it was; an admitted
    one is taken out again, so every input meets the same state."""
    committed = {check_tx(fixtures.seed_txs()[1], fixtures.CHAIN, suite=ED25519_SHA256).hash}
    admission = Admission(
        fixtures.CHAIN, Mempool(), {}, committed.__contains__, lambda: None, suite=ED25519_SHA256
    )
    atexit.register(admission.close)
    pool = admission.mempool

    def snapshot() -> tuple[object, ...]:
        held = [c.hash for c in pool.take(len(pool), 2**62)]
        rooms = (pool.get_lane_room(CLIENTS), pool.get_lane_room("val-1"))
        return held, set(pool.by_signature), rooms, pool.get_submitter_room(fixtures.EDU.public_key)

    def one(data: bytes) -> str:
        before = snapshot()
        try:
            tx = _parse_tx(data)
        except DecodeError:
            return "DecodeError"
        for forward, peer in ((True, None), (False, "val-1")):
            try:
                checked = admission.admit(tx, forward=forward, peer=peer)
            except SubmitRejected as exc:
                check(snapshot() == before, f"a refused transaction changed the mempool: {exc}")
                return f"SubmitRejected.{exc.status.name}"
            pool.remove([checked.hash])
            check(len(pool) == 0 and not pool.by_signature, "the mempool kept a removed tx")
        return "ok"

    return one


def make_execute() -> OneInput:
    """A contract's execution of a decoded call (signature unchecked: any submitter), on the
    chain's state with the diploma issued: the call may only return writes or raise
    ContractError, and the state it read is never changed."""
    state = fixtures.issued_state()
    items = state.items()

    def one(data: bytes) -> str:
        try:
            checked = check_tx(
                _parse_tx(data), fixtures.CHAIN, verify_signature_=False, suite=ED25519_SHA256
            )
        except (DecodeError, TxInvalid) as exc:
            return type(exc).__name__
        body = checked.tx.body
        ctx = CallContext(
            fixtures.CHAIN, bytes(body.submitter), 2, fixtures.GENESIS_TIME_MS + 2, checked.hash
        )
        result = outcome(
            lambda: execute(state, ctx, body.contract, body.method, checked.args), (ContractError,)
        )
        check(state.items() == items, "a contract call changed the state it read")
        return result

    return one


def make_block() -> OneInput:
    """A backup's check of a proposal for height 1 (header, transactions' stateless checks
    and screen, execution, roots); the digest is the parsed header's, so inputs get past it.
    The backup's store must not move."""
    world = open_chain_world()
    atexit.register(world.close)
    store = world.backup.world.store
    root = store.state_root()

    def one(data: bytes) -> str:
        def run() -> None:
            block = ledger_pb2.Block()
            block.ParseFromString(data)
            world.backup.check(block, view=0, digest=header_hash(block.header, ED25519_SHA256))

        result = outcome(run, (DecodeError, BlockInvalid))
        check(store.tip_height() == 0 and store.state_root() == root, "checking moved the store")
        return result

    return one


def _block_seed() -> list[bytes]:
    world = open_chain_world()
    try:
        return [world.proposal]
    finally:
        world.close()


def make_state_proof() -> OneInput:
    """A state proof's decoding, then its verification against the chain's root for the
    diploma's key: verify_proof answers a bool and never raises for a decoded proof."""
    world = open_chain_world()
    proven = world.proven
    world.close()
    root, key, value = bytes(proven.header.state_root), bytes(proven.key), bytes(proven.value)

    def one(data: bytes) -> str:
        try:
            proof = decode_proof(data)
        except ProofFormatError:
            return "ProofFormatError"
        check(encode_proof(proof) == data, "a proof decodes from bytes it does not encode to")
        ok = verify_proof(root, key, value, proof, ED25519_SHA256)
        verify_proof(root, key, None, proof, ED25519_SHA256)
        return "ok" if ok else "not_proven"

    return one


def _proof_seeds() -> list[bytes]:
    world = open_chain_world()
    try:
        return [bytes(world.proven.proof)]
    finally:
        world.close()


def make_certificate_proof() -> OneInput:
    """A node's answer to GetProvenState, checked as a light client does (header, commit
    certificate of the validators, state proof)."""
    world = open_chain_world()
    key = bytes(world.proven.key)
    world.close()

    def one(data: bytes) -> str:
        def run() -> None:
            proven = node_pb2.ProvenState()
            proven.ParseFromString(data)
            check_proven_state(
                fixtures.CHAIN, fixtures.VALIDATORS, proven, key, suite=ED25519_SHA256
            )

        return outcome(run, (DecodeError, FinalityError))

    return one


def _certificate_proof_seeds() -> list[bytes]:
    world = open_chain_world()
    try:
        return [world.proven.SerializeToString(deterministic=True)]
    finally:
        world.close()


TARGETS = [
    Target(
        "tx",
        "Transaction bytes: decode + every stateless admission check",
        make_tx,
        _tx_seeds,
        (DecodeError, TxInvalid),
        TX_MODULES,
        share=8,
    ),
    Target(
        "admission",
        "Transaction bytes into a validator's mempool (client and peer): a refusal changes nothing",
        make_admission,
        _tx_seeds,
        (DecodeError, SubmitRejected),
        (*TX_MODULES, "node/admission.py", "node/mempool.py"),
        share=4,
    ),
    Target(
        "execute",
        "A decoded call run by its contract: writes or ContractError, the state read unchanged",
        make_execute,
        _tx_seeds,
        (DecodeError, TxInvalid, ContractError),
        (
            "contracts/runtime.py",
            "contracts/certificates/transactions.py",
            "contracts/certificates/contract.py",
        ),
        share=8,
    ),
    Target(
        "block",
        "A proposed block checked by a backup: BlockInvalid or executed, its store unchanged",
        make_block,
        _block_seed,
        (DecodeError, BlockInvalid),
        ("node/blocks.py", "node/ledger/execution.py", "node/chain/tx.py"),
        share=2,
        max_len=16384,
    ),
    Target(
        "state_proof",
        "A state proof's bytes: ProofFormatError, or a proof whose verification answers a bool",
        make_state_proof,
        _proof_seeds,
        (ProofFormatError,),
        ("node/chain/stateproof.py",),
        share=10,
    ),
    Target(
        "certificate_proof",
        "A GetProvenState answer checked as a light client does: FinalityError or the value",
        make_certificate_proof,
        _certificate_proof_seeds,
        (DecodeError, FinalityError),
        ("node/sdk/finality.py", "node/chain/stateproof.py", "consensus/validators.py"),
        share=6,
    ),
]
