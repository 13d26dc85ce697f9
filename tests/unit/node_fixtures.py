"""Small chains and node configs the node's unit tests build (tests/unit/test_node_*.py)."""

from __future__ import annotations

from pathlib import Path

from consensus.validators import Validator, ValidatorSet
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.genesis import Genesis

GENESIS_TIME_MS = 1_700_000_000_000


def one_validator_genesis(chain_id: str, validator: KeyPair, edu: KeyPair) -> Genesis:
    """A chain of one validator, val-0, and one member: the education bureau, which may
    issue diplomas."""
    return Genesis(
        chain_id=chain_id,
        genesis_time_ms=GENESIS_TIME_MS,
        validators=ValidatorSet((Validator("val-0", validator.public_key),)),
        organisations=(
            Organisation("edu", "Education Bureau", edu.public_key, ("issuer",), ("diploma",)),
        ),
    )


def node_config_doc(home: Path, validator_id: str, **extra: object) -> dict[str, object]:
    """A node.json document for `validator_id` at `home`, listening nowhere useful."""
    return {
        "validator_id": validator_id,
        "home": str(home),
        "listen": "127.0.0.1:1",
        "peers": {},
        "genesis_path": str(home / "genesis.json"),
        "key_path": str(home / f"{validator_id}.json"),
        **extra,
    }
