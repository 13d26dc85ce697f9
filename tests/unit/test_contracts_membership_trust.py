"""Organisation CA certificates and revoked serials on-chain (issue 11): ``set_ca``,
``revoke_certificate``, the ``trust`` query, ``add_org``/``remove_org`` carrying the CA,
genesis pinning CAs. Every refusal is checked to leave state unchanged (``Ledger.reject``)."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.framework import limits
from contracts.framework.arguments import get_screening_problem
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.membership import trust
from contracts.membership.events import MembershipEvent
from contracts.membership.organisations import Organisation
from contracts.runtime import ArgValue, genesis_writes
from node.chain import pki
from node.chain.crypto import KeyPair
from node.genesis import Genesis
from suites import ED25519_SHA256
from tests.unit import node_support
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import add_org_args, pass_proposal


def fake_pem(body: str = "MIIBfake", *, length: int | None = None) -> str:
    """Text shaped like one PEM certificate (contracts check nothing more), of ``length``
    characters if given."""
    head, tail = trust.PEM_BEGIN + "\n", "\n" + trust.PEM_END + "\n"
    if length is not None:
        body = "A" * (length - len(head) - len(tail))
    return head + body + tail


NEW_ORG = Organisation(
    id="weihai-bigdata",
    name="威海市大数据中心",
    public_key=support.key_of("weihai-bigdata"),
    roles=("verifier", "auditor"),
)
"""The organisation ``add_org_args`` adds."""

PSB_CA = fake_pem("MIIBpsb")
BANK_CA = fake_pem("MIIBbank")
SERIAL = "7f3a" * 10  # 40 hex digits, as a CA's 159-bit random serial is


def ledger_with_cas() -> support.Ledger:
    """The support ledger, with the PSB and the bank having set their CAs."""
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": PSB_CA})
    ledger.call(support.BANK, "membership.set_ca", {"ca_certificate": BANK_CA})
    return ledger


def trust_of(ledger: support.Ledger, org_id: str) -> dict[str, object]:
    found = ledger.query("membership", "trust", {})["organisations"]
    entry: dict[str, object] = next(o for o in found if o["org_id"] == org_id)
    return entry


def revoke(ledger: support.Ledger, org: support.Sender, serial: str) -> None:
    ledger.call(org, "membership.revoke_certificate", {"serial": serial})


# --- set_ca --------------------------------------------------------------------------------


def test_set_ca_by_the_organisation_itself() -> None:
    ledger = support.Ledger()
    result = ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": PSB_CA})
    (event,) = result.events
    assert event.name == MembershipEvent.CA_SET == "membership.ca_set"
    assert event.subjects == (support.PSB.id,)
    assert dict(event.attrs) == {
        "ca_sha256": trust.get_pem_digest(PSB_CA, suite=ED25519_SHA256),
        "org_id": support.PSB.id,
        "replaced": False,
        "revocations_cleared": 0,
    }
    assert trust_of(ledger, support.PSB.id) == {
        "org_id": support.PSB.id,
        "ca_certificate": PSB_CA,
        "ca_set_height": 1,
        "revoked_serials": [],
    }
    # Only its own: every other organisation still has none.
    assert trust_of(ledger, support.BANK.id)["ca_certificate"] is None


def test_replacing_the_ca_clears_the_old_ca_revocations() -> None:
    ledger = ledger_with_cas()
    revoke(ledger, support.PSB, SERIAL)
    revoke(ledger, support.PSB, "1")
    new_ca = fake_pem("MIIBpsb2")
    result = ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": new_ca})
    assert dict(result.events[0].attrs)["replaced"] is True
    assert dict(result.events[0].attrs)["revocations_cleared"] == 2
    entry = trust_of(ledger, support.PSB.id)
    assert entry["ca_certificate"] == new_ca
    assert entry["revoked_serials"] == []
    # The bank's CA is untouched.
    assert trust_of(ledger, support.BANK.id)["ca_certificate"] == BANK_CA


def test_set_ca_refusals_leave_state_unchanged() -> None:
    ledger = ledger_with_cas()
    # The same CA again: already_exists (idempotent refusal).
    ledger.reject(support.PSB, "membership.set_ca", {"ca_certificate": PSB_CA}, "already_exists")
    # Not a member organisation.
    ledger.reject(
        support.ALICE_KEY, "membership.set_ca", {"ca_certificate": PSB_CA}, "permission_denied"
    )
    ledger.reject(
        support.STRANGER_KEY, "membership.set_ca", {"ca_certificate": PSB_CA}, "permission_denied"
    )
    # Naming another organisation is not even an argument: no one sets another's CA.
    ledger.reject(
        support.BANK,
        "membership.set_ca",
        {"ca_certificate": fake_pem("MIIBx"), "org_id": support.PSB.id},
        "invalid_argument",
    )
    ledger.reject(support.PSB, "membership.set_ca", {}, "invalid_argument")
    assert trust_of(ledger, support.PSB.id)["ca_certificate"] == PSB_CA


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "MIIBnotpem",
        trust.PEM_BEGIN + "\nMIIB\n",  # no end
        "\n" + fake_pem(),  # does not begin with the header
        fake_pem("MIIB\u00e9"),  # not ASCII
        fake_pem() + fake_pem(),  # a bundle
        fake_pem().replace("CERTIFICATE", "PRIVATE KEY"),
        fake_pem(length=limits.CA_CERTIFICATE_PEM_LENGTH_MAX + 1),
    ],
)
def test_set_ca_refuses_what_is_not_one_pem_certificate(pem: str) -> None:
    ledger = support.Ledger()
    ledger.reject(support.PSB, "membership.set_ca", {"ca_certificate": pem}, "invalid_argument")
    assert trust_of(ledger, support.PSB.id)["ca_certificate"] is None


def test_set_ca_at_the_length_limit() -> None:
    ledger = support.Ledger()
    pem = fake_pem(length=limits.CA_CERTIFICATE_PEM_LENGTH_MAX)
    assert len(pem) == limits.CA_CERTIFICATE_PEM_LENGTH_MAX
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": pem})
    assert trust_of(ledger, support.PSB.id)["ca_certificate"] == pem


def test_set_ca_non_string_is_refused() -> None:
    ledger = support.Ledger()
    ledger.reject(support.PSB, "membership.set_ca", {"ca_certificate": 5}, "invalid_argument")


# --- revoke_certificate --------------------------------------------------------------------


def test_revoke_certificate() -> None:
    ledger = ledger_with_cas()
    result = ledger.call(support.PSB, "membership.revoke_certificate", {"serial": SERIAL})
    (event,) = result.events
    assert event.name == MembershipEvent.CERTIFICATE_REVOKED == "membership.certificate_revoked"
    assert event.subjects == (support.PSB.id,)
    assert dict(event.attrs) == {"org_id": support.PSB.id, "serial": SERIAL}
    assert result.writes == (
        (trust.get_revoked_key(support.PSB.id, SERIAL), b'{"revoked_height":3}'),
    )
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == [SERIAL]
    # Another organisation's list is its own.
    assert trust_of(ledger, support.BANK.id)["revoked_serials"] == []


def test_revoked_serials_are_listed_in_numeric_order() -> None:
    ledger = ledger_with_cas()
    for serial in ("ff", "1", "100", "a", SERIAL):
        revoke(ledger, support.PSB, serial)
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == ["1", "a", "ff", "100", SERIAL]


def test_revoke_refusals_leave_state_unchanged() -> None:
    ledger = ledger_with_cas()
    revoke(ledger, support.PSB, SERIAL)
    target = "membership.revoke_certificate"
    # Already revoked: already_exists.
    ledger.reject(support.PSB, target, {"serial": SERIAL}, "already_exists")
    # Not a member.
    ledger.reject(support.ALICE_KEY, target, {"serial": "abc"}, "permission_denied")
    # A member without a CA on-chain has issued nothing the chain trusts.
    ledger.reject(support.NOTARY, target, {"serial": "abc"}, "failed_precondition")
    # Naming the organisation is not an argument: no one revokes another's serials.
    ledger.reject(
        support.BANK, target, {"serial": "abc", "org_id": support.PSB.id}, "invalid_argument"
    )
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == [SERIAL]


def test_another_organisation_cannot_revoke_your_serial() -> None:
    ledger = ledger_with_cas()
    # The bank "revoking" the PSB's serial only lists it among the bank's own.
    revoke(ledger, support.BANK, SERIAL)
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == []
    assert trust_of(ledger, support.BANK.id)["revoked_serials"] == [SERIAL]
    # And the PSB may still revoke it itself.
    revoke(ledger, support.PSB, SERIAL)
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == [SERIAL]


@pytest.mark.parametrize(
    "serial",
    [
        "",
        "0",
        "0abc",  # a leading zero: one spelling per serial
        "ABC",  # uppercase
        "0x1f",
        "12 34",
        "g1",
        "f" * (limits.CERT_SERIAL_HEX_LENGTH_MAX + 1),
        12345,
    ],
)
def test_revoke_refuses_a_malformed_serial(serial: ArgValue) -> None:
    ledger = ledger_with_cas()
    ledger.reject(
        support.PSB, "membership.revoke_certificate", {"serial": serial}, "invalid_argument"
    )


def test_serial_at_its_length_limit() -> None:
    ledger = ledger_with_cas()
    longest = "f" * limits.CERT_SERIAL_HEX_LENGTH_MAX
    revoke(ledger, support.PSB, longest)
    assert trust_of(ledger, support.PSB.id)["revoked_serials"] == [longest]


def test_revoked_serials_at_their_limit() -> None:
    ledger = ledger_with_cas()
    # Fill to one below the bound directly, then revoke the last allowed one by transaction.
    ledger.state.apply_writes(
        (trust.get_revoked_key(support.PSB.id, f"{n:x}"), trust.Revocation(1).encode())
        for n in range(1, limits.REVOKED_SERIALS_MAX)
    )
    revoke(ledger, support.PSB, SERIAL)
    assert len(trust_of(ledger, support.PSB.id)["revoked_serials"]) == (  # type: ignore[arg-type]
        limits.REVOKED_SERIALS_MAX
    )
    ledger.reject(
        support.PSB, "membership.revoke_certificate", {"serial": "abcdef"}, "failed_precondition"
    )
    # The bound is per organisation: the bank still has room.
    revoke(ledger, support.BANK, "abcdef")
    # Replacing the CA starts a new list.
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": fake_pem("MIIBnew")})
    revoke(ledger, support.PSB, "abcdef")


def test_admission_screening_passes_random_serials_and_refuses_a_phone_number() -> None:
    """Hex serials mix letters into their digits, so screening (unchanged) lets a CA's
    random serial through; a mobile number typed as a serial is still refused."""
    assert get_screening_problem({"serial": SERIAL}) is None
    assert get_screening_problem({"serial": "1381234567812345678901234567890a"}) is None
    assert get_screening_problem({"serial": "13812345678"}) is not None


# --- governance: add_org and remove_org ----------------------------------------------------


def test_add_org_with_its_ca_and_remove_org_deletes_it() -> None:
    ledger = support.Ledger()
    new_ca = fake_pem("MIIBnew")
    pass_proposal(ledger, add_org_args("PROP-CA-0001", ca_certificate=new_ca))
    set_events = [e for e in ledger.results[-1].events if e.name == MembershipEvent.CA_SET]
    assert [e.subjects for e in set_events] == [("weihai-bigdata", "PROP-CA-0001")]
    assert trust_of(ledger, "weihai-bigdata")["ca_certificate"] == new_ca
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-CA-0001"})
    assert proposal["params"]["ca_certificate"] == new_ca

    # The new organisation revokes one of its certificates, then is removed.
    ledger.call(NEW_ORG, "membership.revoke_certificate", {"serial": SERIAL})
    pass_proposal(
        ledger, {"proposal_id": "PROP-CA-0002", "action": "remove_org", "org_id": "weihai-bigdata"}
    )
    removed = [e for e in ledger.results[-1].events if e.name == MembershipEvent.CA_REMOVED]
    assert [(e.subjects, dict(e.attrs)["revocations_cleared"]) for e in removed] == [
        (("weihai-bigdata", "PROP-CA-0002"), 1)
    ]
    assert not any(
        key.startswith(
            (trust.CAS.key("weihai-bigdata"), trust.get_revoked_prefix("weihai-bigdata"))
        )
        for key, _ in ledger.state.items()
    )
    assert "weihai-bigdata" not in [
        o["org_id"] for o in ledger.query("membership", "trust", {})["organisations"]
    ]


def test_add_org_without_a_ca_writes_none() -> None:
    ledger = support.Ledger()
    pass_proposal(ledger, add_org_args("PROP-CA-0003"))
    assert trust_of(ledger, "weihai-bigdata")["ca_certificate"] is None
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-CA-0003"})
    assert "ca_certificate" not in proposal["params"]
    assert not any(e.name == MembershipEvent.CA_SET for e in ledger.results[-1].events)


def test_remove_org_without_a_ca_writes_no_ca_deletes() -> None:
    ledger = support.Ledger()
    pass_proposal(
        ledger, {"proposal_id": "PROP-CA-0004", "action": "remove_org", "org_id": support.BANK.id}
    )
    result = ledger.results[-1]
    assert not any(key.startswith(trust.CAS.prefix) for key, _ in result.writes)
    assert not any(e.name == MembershipEvent.CA_REMOVED for e in result.events)


def test_add_org_with_a_malformed_ca_is_refused() -> None:
    ledger = support.Ledger()
    ledger.reject(
        support.PSB,
        "membership.propose",
        add_org_args("PROP-CA-0005", ca_certificate="not a certificate"),
        "invalid_argument",
    )


# --- genesis and the trust query -----------------------------------------------------------


def test_genesis_pins_founding_cas() -> None:
    writes = dict(
        genesis_writes(
            support.ORGANISATIONS, ca_certificates={support.PSB.id: PSB_CA}, suite=ED25519_SHA256
        )
    )
    assert writes[trust.CAS.key(support.PSB.id)] == trust.CaCertificate(PSB_CA, 0).encode()
    # Without CAs, genesis is exactly what it was.
    without = dict(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    assert {k: v for k, v in writes.items() if not k.startswith(trust.CAS.prefix)} == without


@pytest.mark.parametrize(
    "cas", [{"nobody": PSB_CA}, {support.PSB.id: "not pem"}, {support.PSB.id: b"bytes"}]
)
def test_genesis_refuses_bad_cas(cas: dict[str, object]) -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(support.ORGANISATIONS, ca_certificates=cas, suite=ED25519_SHA256)  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"


def test_trust_query_is_sorted_and_deterministic() -> None:
    ledger = ledger_with_cas()
    revoke(ledger, support.BANK, "b")
    revoke(ledger, support.BANK, "a")
    answer = ledger.query("membership", "trust", {})
    ids = [o["org_id"] for o in answer["organisations"]]
    assert ids == sorted(o.id for o in support.ORGANISATIONS)
    assert trust_of(ledger, support.BANK.id)["revoked_serials"] == ["a", "b"]
    copy = support.Ledger()
    copy.state = MemoryState(ledger.state.items())
    assert copy.query("membership", "trust", {}) == answer
    with pytest.raises(ContractError) as info:
        ledger.query("membership", "trust", {"limit": 5})
    assert info.value.code == "invalid_argument"


def test_trust_query_feeds_the_node_pki() -> None:
    """What the chain holds is what ``node.chain.pki`` checks against: a revoked serial,
    as the query lists it, refuses the certificate."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ca_pem, ca_key = pki.make_ca(support.PSB.id, now, 365)
    cert_pem, _ = pki.issue(ca_pem, ca_key, support.PSB.id, "issuer", "desk-1", (), now, 30)
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": ca_pem.decode("ascii")})

    def snapshot() -> pki.Trust:
        orgs = ledger.query("membership", "trust", {})["organisations"]
        return pki.Trust(
            cas={o["org_id"]: o["ca_certificate"].encode() for o in orgs if o["ca_certificate"]},
            revoked={o["org_id"]: {int(s, 16) for s in o["revoked_serials"]} for o in orgs},
        )

    identity = pki.check_against(cert_pem, snapshot(), now)
    revoke(ledger, support.PSB, f"{identity.serial:x}")
    with pytest.raises(pki.CertificateRefused, match="revoked"):
        pki.check_against(cert_pem, snapshot(), now)


def test_genesis_file_carries_cas_and_keeps_its_hash_without_them() -> None:
    plain = node_support.diploma_genesis("trust-test", [b"v" * 32], KeyPair.generate())
    pinned = Genesis(
        plain.chain_id,
        plain.genesis_time_ms,
        plain.validators,
        plain.organisations,
        ca_certificates=(("edu", PSB_CA),),
    )
    assert "ca_certificate" not in plain.to_json()["organisations"][0]  # type: ignore[index]
    assert Genesis.from_json(plain.to_json()).hash == plain.hash
    reloaded = Genesis.from_json(pinned.to_json())
    assert reloaded == pinned
    assert reloaded.hash != plain.hash
    assert dict(reloaded.state_writes())[trust.CAS.key("edu")] == (
        trust.CaCertificate(PSB_CA, 0).encode()
    )
