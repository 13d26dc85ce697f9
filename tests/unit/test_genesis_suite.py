"""The genesis file names the chain's crypto suite (issue 18); older files keep their hash."""

from __future__ import annotations

import dataclasses
import json

import pytest

from consensus.validators import Validator, ValidatorSet
from node.genesis import Genesis, GenesisError
from suites import ED25519_SHA256, SM2_SM3
from tests.unit import test_contracts_support as support


def _base() -> Genesis:
    return Genesis(
        chain_id="c",
        genesis_time_ms=1,
        validators=ValidatorSet((Validator("v", b"\x01" * 32),)),
        organisations=(support.UNIVERSITY,),
    )


def test_a_chain_without_a_suite_field_is_ed25519_and_keeps_its_hash() -> None:
    base = _base()
    doc = base.to_json()
    assert "suite" not in doc
    loaded = Genesis.from_json(json.loads(json.dumps(doc)))
    assert loaded.suite is ED25519_SHA256
    assert loaded.hash == base.hash


def test_the_sm_suite_is_written_read_back_and_changes_the_hash() -> None:
    sm = dataclasses.replace(_base(), suite=SM2_SM3)
    doc = sm.to_json()
    assert doc["suite"] == "sm2-sm3"
    loaded = Genesis.from_json(json.loads(json.dumps(doc)))
    assert loaded.suite is SM2_SM3
    assert loaded.hash == sm.hash != _base().hash
    # Naming the default explicitly is the same chain as leaving it out.
    explicit = Genesis.from_json({**_base().to_json(), "suite": "ed25519-sha256"})
    assert explicit.suite is ED25519_SHA256 and explicit.hash == _base().hash


@pytest.mark.parametrize("name", ["sm2", "", 7, None])
def test_an_unknown_suite_is_refused_naming_the_known_ones(name: object) -> None:
    with pytest.raises(GenesisError, match="crypto suite") as caught:
        Genesis.from_json({**_base().to_json(), "suite": name})
    assert "ed25519-sha256, sm2-sm3" in str(caught.value)
