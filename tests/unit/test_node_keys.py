"""A node's keys across a validator-key rotation: which it hands to consensus, which
configurations it refuses, and its config's next_key_paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from consensus.validators import Validator, ValidatorSchedule, ValidatorSet
from node.chain.crypto import KeyPair
from node.config import NodeConfig
from node.genesis import Genesis
from node.ledger.store import Store
from node.runtime import Node
from node.validators import KeyConfigError, get_key_problem, get_missing_keys, keys_to_hand
from suites import ED25519_SHA256
from tests.unit import node_support

OLD = b"\x01" * 32
NEW = b"\x02" * 32
OTHER = b"\x03" * 32
NEWER = b"\x04" * 32
UNLISTED = b"\x05" * 32


def vset(**keys: bytes) -> ValidatorSet:
    return ValidatorSet(tuple(Validator(vid.replace("_", "-"), k) for vid, k in keys.items()))


GENESIS = vset(val_0=OTHER, val_1=OLD)
ROTATED = vset(val_0=OTHER, val_1=NEW)
REMOVED = vset(val_0=OTHER)
# val-1's key rotates from OLD to NEW at height 20.
SCHEDULE = ValidatorSchedule(((0, GENESIS), (20, ROTATED)))


def held(*keys: bytes) -> dict[bytes, str]:
    return {k: f"key-{k[0]}.json" for k in keys}


def test_both_keys_are_handed_before_activation_only_the_new_one_after() -> None:
    both = held(OLD, NEW)
    assert keys_to_hand("val-1", both, SCHEDULE, 5) == [OLD, NEW]
    assert keys_to_hand("val-1", both, SCHEDULE, 19) == [OLD, NEW]
    assert keys_to_hand("val-1", both, SCHEDULE, 20) == [NEW]
    assert keys_to_hand("val-1", both, SCHEDULE, 100) == [NEW]
    # An unlisted key is never handed; another validator's keys are not ours.
    assert keys_to_hand("val-1", held(UNLISTED, NEW), SCHEDULE, 5) == [NEW]
    assert keys_to_hand("val-0", both, SCHEDULE, 5) == []
    # A removed validator signs nothing from the removal's activation on.
    removal = ValidatorSchedule(((0, GENESIS), (20, REMOVED)))
    assert keys_to_hand("val-1", held(OLD), removal, 19) == [OLD]
    assert keys_to_hand("val-1", held(OLD), removal, 20) == []


def test_missing_keys_name_the_heights_the_node_will_not_sign() -> None:
    assert get_missing_keys("val-1", held(OLD, NEW), SCHEDULE, 5) == []
    assert get_missing_keys("val-1", held(OLD), SCHEDULE, 5) == [(20, NEW)]
    assert get_missing_keys("val-1", held(NEW), SCHEDULE, 5) == [(5, OLD)]
    assert get_missing_keys("val-1", held(OLD), SCHEDULE, 25) == [(25, NEW)]
    assert get_missing_keys("val-1", held(NEW), SCHEDULE, 25) == []
    three = SCHEDULE.with_activation(40, vset(val_0=OTHER, val_1=NEWER))
    assert get_missing_keys("val-1", held(OLD, NEW), three, 5) == [(40, NEWER)]


def test_keys_that_fit_are_accepted() -> None:
    for keys, height in (
        ((OLD,), 1),  # genesis key, no rotation known yet
        ((OLD, NEW), 1),  # rotation scheduled: both keys
        ((OLD, NEW), 30),  # rotation in force: the old key is harmless
        ((NEW,), 30),  # after activation the new key alone
        ((NEW,), 10),  # the new key alone before activation: signs from 20 on
        ((OLD, UNLISTED), 1),  # the next key of a rotation not decided yet
    ):
        assert get_key_problem("val-1", held(*keys), SCHEDULE, height) is None, keys
    # A validator in no set yet follows the chain with its key.
    assert get_key_problem("val-9", held(UNLISTED), SCHEDULE, 1) is None


def test_keys_that_cannot_be_right_are_refused() -> None:
    problem = get_key_problem("val-1", held(OLD, OTHER), SCHEDULE, 1)
    assert problem is not None and "key of validator 'val-0'" in problem
    assert "key-3.json" in problem
    problem = get_key_problem("val-9", held(NEW), SCHEDULE, 1)
    assert problem is not None and "key of validator 'val-1'" in problem
    problem = get_key_problem("val-1", held(UNLISTED), SCHEDULE, 1)
    assert problem is not None and "none of the node's keys" in problem
    # After the rotation took effect, the old key alone cannot sign.
    problem = get_key_problem("val-1", held(OLD), SCHEDULE, 20)
    assert problem is not None and "signs from height 20 on with key 0202" in problem
    assert get_key_problem("val-1", {}, SCHEDULE, 1) == "the node holds no key"


def config_doc(tmp_path: Path, **extra: object) -> dict[str, object]:
    return node_support.config_doc(tmp_path, "val-1", **extra)


def test_config_next_key_paths(tmp_path: Path) -> None:
    # A node.json written before rotations loads with no next key.
    path = tmp_path / "node.json"
    path.write_text(json.dumps(config_doc(tmp_path)), encoding="utf-8")
    config = NodeConfig.load(path)
    assert config.next_key_paths == []
    assert config.all_key_paths == [tmp_path / "val-1.json"]
    # The next key round-trips through save and load.
    nxt = tmp_path / "val-1.next.json"
    config.model_copy(update={"next_key_paths": [nxt]}).save(path)
    loaded = NodeConfig.load(path)
    assert loaded.next_key_paths == [nxt]
    assert loaded.all_key_paths == [tmp_path / "val-1.json", nxt]


@pytest.mark.parametrize(
    "paths",
    [
        ["val-1.json"],  # the same file as key_path
        ["a.json", "a.json"],
        ["a.json", "b.json", "c.json", "d.json"],  # more than NEXT_KEYS_MAX
    ],
)
def test_config_refuses_bad_next_key_paths(tmp_path: Path, paths: list[str]) -> None:
    doc = config_doc(tmp_path, next_key_paths=[str(tmp_path / p) for p in paths])
    with pytest.raises(ValidationError):
        NodeConfig.model_validate(doc)


def one_validator_genesis(key: KeyPair) -> Genesis:
    return Genesis(
        chain_id="unit-keys",
        genesis_time_ms=1_700_000_000_000,
        validators=ValidatorSet((Validator("val-0", key.public_key),)),
        organisations=(),
    )


def test_node_refuses_keys_that_do_not_fit_and_starts_with_a_next_key(tmp_path: Path) -> None:
    own, nxt, stranger = KeyPair(b"\x11" * 32), KeyPair(b"\x12" * 32), KeyPair(b"\x13" * 32)
    genesis = one_validator_genesis(own)
    config = NodeConfig.model_validate(
        {**config_doc(tmp_path), "validator_id": "val-0", "peers": {}}
    )
    for keypair, next_keys, message in (
        (stranger, (), "none of the node's keys"),
        (own, (own,), "holds the same key"),
    ):
        store = Store(tmp_path / "db", ED25519_SHA256)
        try:
            with pytest.raises(KeyConfigError, match=message):
                Node(config, genesis, keypair, store, next_keys=next_keys)
        finally:
            store.close()
    store = Store(tmp_path / "db", ED25519_SHA256)
    try:
        node = Node(config, genesis, own, store, next_keys=(nxt,))
        assert set(node.keys) == {own.public_key, nxt.public_key}
        assert node.replica.can_propose()  # signs height 1 with its genesis key
    finally:
        store.close()
