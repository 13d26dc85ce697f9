"""Genesis validator operators, and the node's trust snapshot (node/trust.py): built from
chain state at start, replaced after a block that changed membership state (in force from
the next block), kept otherwise; an unusable CA leaves its organisation out."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from consensus.validators import Validator, ValidatorSet
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.membership import validator_set
from contracts.membership.organisations import Organisation
from contracts.runtime import genesis_writes
from node.chain import pki
from node.chain.crypto import KeyPair
from node.chain.pki import Role
from node.chain.tx import build_tx
from node.genesis import Genesis, GenesisError
from node.runtime import Node
from node.trust import read_trust
from node.validators import read_operators
from tests.unit.node_support import TEST_CA, issue_diploma, open_node
from tests.unit.sm2_certificates_support import SM2_CA_PEM
from tests.unit.transport_support import make_org

VALIDATOR = KeyPair(b"\x31" * 32)
EDU = KeyPair(b"\x32" * 32)
BANK = KeyPair(b"\x33" * 32)
HOLDER = KeyPair(b"\x34" * 32)
BANK_CA = make_org("bank")
CHAIN = "unit-trust"


def trust_genesis(**overrides: object) -> Genesis:
    """val-0 operated by edu; edu and bank pin their CAs."""
    fields: dict[str, object] = {
        "chain_id": CHAIN,
        "genesis_time_ms": 1_700_000_000_000,
        "validators": ValidatorSet((Validator("val-0", VALIDATOR.public_key),)),
        "organisations": (
            Organisation("bank", "Bank", BANK.public_key, ("verifier",)),
            Organisation("edu", "Education Bureau", EDU.public_key, ("issuer",), ("diploma",)),
        ),
        "ca_certificates": (("bank", BANK_CA.ca.decode()), ("edu", TEST_CA.ca.decode())),
        "validator_operators": (("val-0", "edu"),),
    }
    fields.update(overrides)
    return Genesis(**fields)  # type: ignore[arg-type]


# ---- genesis operators ----------------------------------------------------------------------


def test_the_operator_round_trips_and_reaches_the_validator_entry() -> None:
    genesis = trust_genesis()
    doc = genesis.to_json()
    assert doc["validators"] == [
        {"id": "val-0", "public_key": VALIDATOR.public_key.hex(), "operator": "edu"}
    ]
    assert Genesis.from_json(doc) == genesis
    state = dict(genesis.state_writes())
    (entry,) = validator_set.ScheduledSet.decode(state[validator_set.get_set_key(0)]).validators
    assert entry.operator == "edu"


def test_without_operators_the_file_and_the_state_are_as_before() -> None:
    genesis = trust_genesis(validator_operators=())
    assert "operator" not in genesis.to_json()["validators"][0]  # type: ignore[index]
    state = dict(genesis.state_writes())
    (entry,) = validator_set.ScheduledSet.decode(state[validator_set.get_set_key(0)]).validators
    assert entry.operator == ""


def test_an_operator_must_be_a_founding_organisation() -> None:
    doc = trust_genesis().to_json()
    doc["validators"][0]["operator"] = "nobody"  # type: ignore[index]
    with pytest.raises(GenesisError, match="not a founding organisation"):
        Genesis.from_json(doc)
    doc["validators"][0]["operator"] = 7  # type: ignore[index]
    with pytest.raises(GenesisError):
        Genesis.from_json(doc)
    orgs = trust_genesis().organisations
    validators = trust_genesis().validators.validators
    with pytest.raises(ContractError, match="founding organisation"):
        genesis_writes(orgs, validators, validator_operators={"val-0": "nobody"})
    with pytest.raises(ContractError, match="unknown validator"):
        genesis_writes(orgs, validators, validator_operators={"val-9": "edu"})


def test_operators_of_the_sets_in_force_and_scheduled() -> None:
    genesis = trust_genesis()
    state = MemoryState(genesis.state_writes())
    assert read_operators(state, 1) == {"val-0": "edu"}


# ---- the trust snapshot ---------------------------------------------------------------------


def test_the_snapshot_holds_the_pinned_cas() -> None:
    trust = read_trust(MemoryState(trust_genesis().state_writes()))
    assert dict(trust.cas) == {"bank": BANK_CA.ca, "edu": TEST_CA.ca}
    assert dict(trust.revoked) == {}


def test_an_unusable_ca_leaves_its_organisation_out(caplog: pytest.LogCaptureFixture) -> None:
    shaped = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    edu_ca = make_org("edu").ca.decode()
    genesis = trust_genesis(
        ca_certificates=(("bank", shaped), ("edu", TEST_CA.ca.decode())),
    )
    with caplog.at_level(logging.ERROR, logger="trustledger.trust"):
        trust = read_trust(MemoryState(genesis.state_writes()))
    assert set(trust.cas) == {"edu"}
    assert "CA certificate of bank" in caplog.text
    # A well-formed CA of another organisation is left out too.
    genesis = trust_genesis(ca_certificates=(("bank", edu_ca),))
    assert set(read_trust(MemoryState(genesis.state_writes())).cas) == set()


def test_an_sm2_ca_on_the_chain_leaves_its_organisation_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An operator of an SM chain may put an SM2 CA on it (genesis, or governance's
    set_ca): the trust read leaves that organisation out and says why, and does not fail
    (it raised `UnsupportedAlgorithm`, which would have stopped every validator at the
    block that set it)."""
    genesis = trust_genesis(
        ca_certificates=(("bank", BANK_CA.ca.decode()), ("edu", SM2_CA_PEM.decode()))
    )
    with caplog.at_level(logging.ERROR, logger="trustledger.trust"):
        trust = read_trust(MemoryState(genesis.state_writes()))
    assert set(trust.cas) == {"bank"}
    assert "CA certificate of edu on the chain is unusable" in caplog.text
    assert "it is SM2" in caplog.text


def _drive(node: Node, *txs: object) -> None:
    async def run() -> None:
        for tx in txs:
            node.admission.admit(tx, forward=False)  # type: ignore[arg-type]
        node.drive()

    asyncio.run(run())


def test_the_snapshot_follows_membership_blocks_and_only_them(tmp_path: Path) -> None:
    node = open_node(tmp_path, trust_genesis(), VALIDATOR)
    try:
        start = node.trust()
        assert set(start.cas) == {"bank", "edu"}

        # A block that writes no membership key keeps the very same snapshot.
        _drive(node, issue_diploma(CHAIN, EDU, HOLDER, "cert-trust-1", "ab" * 32, b"\x01" * 16))
        assert node.store.tip_height() == 1
        assert node.trust() is start

        # A revocation is in the snapshot once its block is committed.
        cert, _ = BANK_CA.issue(Role.VERIFIER, "desk")
        serial = pki.get_identity(cert).serial
        revoke = build_tx(
            CHAIN, BANK, "membership", "revoke_certificate", {"serial": f"{serial:x}"}
        )
        _drive(node, revoke)
        assert node.store.tip_height() == 2
        revoked = node.trust()
        assert revoked is not start
        assert serial in revoked.revoked["bank"]
        with pytest.raises(pki.CertificateRefused, match="revoked"):
            pki.check_against(cert, revoked, pki.get_identity(cert).not_before)
        assert pki.check_against(cert, start, pki.get_identity(cert).not_before).org == "bank"
    finally:
        node.store.close()


def test_a_block_setting_an_sm2_ca_is_committed_and_the_node_goes_on(tmp_path: Path) -> None:
    """Governance's set_ca checks only the PEM's shape (contracts parse no X.509): a member
    setting an SM2 CA used to make the trust read after that block raise, on every
    validator, and again at each restart. Now its organisation is left out of the trust,
    and blocks keep coming."""
    node = open_node(tmp_path, trust_genesis(), VALIDATOR)
    try:
        set_sm2 = build_tx(
            CHAIN, BANK, "membership", "set_ca", {"ca_certificate": SM2_CA_PEM.decode()}
        )
        _drive(node, set_sm2)
        assert node.store.tip_height() == 1
        assert set(node.trust().cas) == {"edu"}  # bank's CA in force is unusable: left out
        _drive(node, issue_diploma(CHAIN, EDU, HOLDER, "cert-trust-2", "ab" * 32, b"\x02" * 16))
        assert node.store.tip_height() == 2
    finally:
        node.store.close()
    reopened = open_node(tmp_path, trust_genesis(), VALIDATOR)  # and it starts again
    try:
        assert set(reopened.trust().cas) == {"edu"}
    finally:
        reopened.store.close()


# ---- genesis credit codes (issue 17) --------------------------------------------------------


def test_credit_codes_round_trip_reach_the_state_and_leave_other_files_as_before() -> None:
    code = "11371000000000002F"
    genesis = trust_genesis(credit_codes=(("edu", code),))
    doc = genesis.to_json()
    orgs = {o["id"]: o for o in doc["organisations"]}  # type: ignore[union-attr]
    assert orgs["edu"]["credit_code"] == code and "credit_code" not in orgs["bank"]
    assert Genesis.from_json(doc) == genesis
    assert dict(genesis.state_writes())[b"membership/credit_code/edu"] == code.encode()
    without = trust_genesis()
    assert "credit_code" not in str(without.to_json())
    assert genesis.hash != without.hash and genesis.state_root != without.state_root


def test_a_malformed_credit_code_in_the_file_is_refused_with_a_clear_error() -> None:
    for bad in ("11371000000000002X", 11371000000000002, "short"):
        doc = trust_genesis().to_json()
        doc["organisations"][1]["credit_code"] = bad  # type: ignore[index]
        with pytest.raises(GenesisError, match=r"credit code|credit_code"):
            Genesis.from_json(doc)
