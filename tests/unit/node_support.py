"""What the node tests share: a chain where the education bureau issues diplomas, and a real
`Node` on a LevelDB store in a test folder, with no peer reachable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from consensus.validators import Validator, ValidatorSet
from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.chain.pki import Role
from node.chain.tx import build_tx
from node.config import NodeConfig
from node.genesis import Genesis
from node.ledger.execution import Executed, check_block_txs, execute_block
from node.ledger.state import StoreState
from node.ledger.store import Store
from node.runtime import Node
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.transport_support import make_org


def diploma_genesis(chain_id: str, validators: Sequence[bytes], edu: KeyPair) -> Genesis:
    """Validators val-0, val-1, ... with these public keys; "edu" may issue diplomas."""
    return Genesis(
        chain_id=chain_id,
        genesis_time_ms=1_700_000_000_000,
        validators=ValidatorSet(tuple(Validator(f"val-{i}", k) for i, k in enumerate(validators))),
        organisations=(
            Organisation("edu", "Education Bureau", edu.public_key, ("issuer",), ("diploma",)),
        ),
    )


def issue_diploma(
    chain_id: str, edu: KeyPair, holder: KeyPair, cert_id: str, doc_hash: str, nonce: bytes
) -> ledger_pb2.Transaction:
    return build_tx(
        chain_id,
        edu,
        "certificates",
        "issue",
        {
            "cert_id": cert_id,
            "cert_type": "diploma",
            "holder": holder_id_for(holder.public_key, suite=ED25519_SHA256),
            "doc_hash": doc_hash,
            "valid_until_ms": 0,
        },
        nonce=nonce,
    )


def execute_txs(
    store: Store, genesis: Genesis, txs: list[ledger_pb2.Transaction], height: int
) -> Executed:
    """`txs` executed as block `height`, stamped `height` ms after genesis, on the store's
    committed state and tree: checked, replay-checked and run as a validator's own execution
    path does it (node/ledger/execution.py); `World.commit` stores the outcome."""
    return execute_block(
        StoreState(store),
        genesis.chain_id,
        height,
        genesis.genesis_time_ms + height,
        store.state_root() or b"",
        check_block_txs(txs, genesis.chain_id, suite=genesis.suite),
        is_committed=lambda h: store.tx_location(h) is not None,
        tree_nodes=store.tree,
        suite=genesis.suite,
    )


TEST_CA = make_org("edu")
"""The CA that issues the test validators' TLS certificates (no peer ever checks them)."""


def write_tls(home: Path, validator_id: str) -> tuple[Path, Path]:
    """A TLS certificate and key for `validator_id` in `home` (kept if already there)."""
    cert_path, key_path = home / f"{validator_id}.tls.pem", home / f"{validator_id}.tls.key"
    if not cert_path.exists():
        home.mkdir(parents=True, exist_ok=True)
        cert, key = TEST_CA.issue(Role.VALIDATOR, validator_id, (validator_id, "127.0.0.1"))
        cert_path.write_bytes(cert)
        key_path.write_bytes(key)
    return cert_path, key_path


def config_doc(home: Path, validator_id: str, **extra: object) -> dict[str, object]:
    """A node.json for `validator_id` in `home`, listening where no peer will call, with a
    TLS certificate and key written beside it."""
    cert_path, key_path = write_tls(home, validator_id)
    return {
        "validator_id": validator_id,
        "home": str(home),
        "listen": "127.0.0.1:1",
        "peers": {},
        "genesis_path": str(home / "genesis.json"),
        "key_path": str(home / f"{validator_id}.json"),
        "tls_cert_path": str(cert_path),
        "tls_key_path": str(key_path),
        **extra,
    }


def open_node(home: Path, genesis: Genesis, key: KeyPair, validator_id: str = "val-0") -> Node:
    config = NodeConfig.model_validate(config_doc(home, validator_id))
    return Node(config, genesis, key, Store(home / "db", ED25519_SHA256))
