"""The genesis file names the chain's crypto suite (issue 18); older files keep their hash."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from consensus.validators import Validator, ValidatorSet
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.genesis import Genesis, GenesisError
from suites import ED25519_SHA256, SM2_SM3, Suite
from tests.unit import test_contracts_support as support


def _base() -> Genesis:
    return Genesis(
        chain_id="c",
        genesis_time_ms=1,
        validators=ValidatorSet((Validator("v", b"\x01" * 32),)),
        organisations=(support.UNIVERSITY,),
    )


SM_VALIDATOR = KeyPair(b"\x01" * 32, SM2_SM3).public_key
SM_UNIVERSITY = KeyPair(b"\x02" * 32, SM2_SM3).public_key


def _sm() -> Genesis:
    """The base chain on ``sm2-sm3``, with SM2 validator and organisation keys."""
    return dataclasses.replace(
        _base(),
        validators=ValidatorSet((Validator("v", SM_VALIDATOR),)),
        organisations=(dataclasses.replace(support.UNIVERSITY, public_key=SM_UNIVERSITY),),
        suite=SM2_SM3,
    )


def test_a_chain_without_a_suite_field_is_ed25519_and_keeps_its_hash() -> None:
    base = _base()
    doc = base.to_json()
    assert "suite" not in doc
    loaded = Genesis.from_json(json.loads(json.dumps(doc)))
    assert loaded.suite is ED25519_SHA256
    assert loaded.hash == base.hash


def test_the_sm_suite_is_written_read_back_and_changes_the_hash() -> None:
    sm = _sm()
    doc = sm.to_json()
    assert doc["suite"] == "sm2-sm3"
    loaded = Genesis.from_json(json.loads(json.dumps(doc)))
    assert loaded.suite is SM2_SM3
    assert loaded.hash == sm.hash != _base().hash
    # Naming the default explicitly is the same chain as leaving it out.
    explicit = Genesis.from_json({**_base().to_json(), "suite": "ed25519-sha256"})
    assert explicit.suite is ED25519_SHA256 and explicit.hash == _base().hash


@pytest.mark.parametrize(
    ("suite", "organisations", "refused"),
    [
        # An Ed25519 organisation key on an SM chain, and an SM2 one on an Ed25519 chain.
        (SM2_SM3, (support.UNIVERSITY,), "must be a sm2-sm3 public key (65 bytes)"),
        (
            ED25519_SHA256,
            (dataclasses.replace(support.UNIVERSITY, public_key=SM_UNIVERSITY),),
            "must be a ed25519-sha256 public key (32 bytes)",
        ),
        # 65 bytes that are no point of the SM2 curve.
        (
            SM2_SM3,
            (dataclasses.replace(support.UNIVERSITY, public_key=b"\x04" + b"\x01" * 64),),
            "must be a sm2-sm3 public key (a point of its curve)",
        ),
    ],
)
def test_an_organisation_key_of_another_suite_is_refused_at_genesis(
    suite: Suite, organisations: tuple[Organisation, ...], refused: str
) -> None:
    doc = dataclasses.replace(_sm(), suite=suite, organisations=organisations).to_json()
    with pytest.raises(GenesisError, match=re.escape(refused)):
        Genesis.from_json(doc)


def test_a_validator_key_of_another_suite_is_refused_at_genesis() -> None:
    doc = dataclasses.replace(
        _sm(), validators=ValidatorSet((Validator("v", b"\x01" * 32),))
    ).to_json()
    with pytest.raises(GenesisError, match="sm2-sm3 public key"):
        Genesis.from_json(doc)


@pytest.mark.parametrize("name", ["sm2", "", 7, None])
def test_an_unknown_suite_is_refused_naming_the_known_ones(name: object) -> None:
    with pytest.raises(GenesisError, match="crypto suite") as caught:
        Genesis.from_json({**_base().to_json(), "suite": name})
    assert "ed25519-sha256, sm2-sm3" in str(caught.value)
