"""Signed presentations (亮证, docs/presentations.md): what a wallet may make, and each
refusal a verifier gives, in its order, with the chain's record of a real certificate
(issued through the contracts in memory; the proof itself is node/sdk/finality's, tested
there, and the whole path runs against a devnet in tests/integration/test_lifecycle.py and,
on an SM chain, tests/integration/test_sm_devnet.py). Both suites run every check: an
``ed25519-sha256`` chain's ``TLP1`` and an ``sm2-sm3`` chain's ``TLP2``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from contracts.certificates.commitments import (
    compute_document_hash_from_commitments,
    compute_field_commitments,
    encode_field_hashes,
)
from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.sdk import presentation as fmt
from node.sdk.finality import ProvenValue
from node.sdk.presentation import PresentationInvalid, PresentationRefused, Refusal
from node.sdk.presentation_check import NonceBook, check_presentation
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from suites.sm2_sm3 import N as SM2_ORDER
from tests.unit import presentation_vector as vector
from tests.unit.consensus_support import VALIDATORS
from tests.unit.test_contracts_suites import sm_organisations
from tests.unit.test_contracts_support import ORGANISATIONS, UNIVERSITY, Ledger

NOW = vector.ISSUED_AT_MS
FIELDS: dict[str, str] = vector.DOCUMENT["fields"]  # type: ignore[assignment]
SUITE = ED25519_SHA256
"""The suite of the test running (set by the autouse fixture below, for every test)."""
HOLDER = KeyPair(vector.HOLDER_SEED, SUITE)


@pytest.fixture(autouse=True, params=list(SUITES), ids=list(SUITES))
def suite(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Suite:
    """Every test of this module runs once per suite: the chain's, its holder's key."""
    chosen = SUITES[request.param]
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "SUITE", chosen)
    monkeypatch.setattr(this, "HOLDER", KeyPair(vector.HOLDER_SEED, chosen))
    return chosen


def other_suite() -> Suite:
    return SM2_SM3 if SUITE is ED25519_SHA256 else ED25519_SHA256


def make(names: list[str] | None = None, **options: Any) -> str:
    kwargs: dict[str, Any] = {"nonce": vector.NONCE, "now_ms": NOW, "verifier": "bank"}
    kwargs.update(options)
    holder = kwargs.pop("holder", HOLDER)
    document = kwargs.pop("document", vector.DOCUMENT)
    return fmt.make_presentation(holder, document, names or ["university"], **kwargs)


@dataclass
class FakeClient:
    """The two reads a verifier makes, answered from an in-memory chain."""

    ledger: Ledger
    delegations: list[dict[str, Any]] = field(default_factory=list)
    suite: Suite = field(default_factory=lambda: SUITE)

    def get_proven_state(self, key: bytes, validators: object) -> ProvenValue:
        return ProvenValue(self.ledger.state.get(key), self.ledger.height, self.ledger.time_ms)

    def query(self, contract: str, method: str, **args: Any) -> Any:
        assert (contract, method) == ("delegation", "list_by_holder")
        return self.delegations


def university(orgs: tuple[Organisation, ...]) -> Organisation:
    """The issuing university of this suite's consortium (its key is of the suite)."""
    return next(o for o in orgs if o.id == UNIVERSITY.id)


def chain(*, commitments: bool = True) -> FakeClient:
    """The vector's diploma, issued to the vector's holder with its field commitments."""
    orgs = ORGANISATIONS if SUITE is ED25519_SHA256 else sm_organisations()
    ledger = Ledger(orgs, SUITE)
    salt = bytes.fromhex(str(vector.DOCUMENT["salt"]))
    hashes = compute_field_commitments("diploma", FIELDS, salt, suite=SUITE)
    args: dict[str, Any] = {
        "cert_id": vector.DOCUMENT["cert_id"],
        "cert_type": "diploma",
        "holder": holder_id_for(HOLDER.public_key, suite=SUITE),
        "doc_hash": compute_document_hash_from_commitments("diploma", hashes, suite=SUITE),
        "valid_until_ms": 0,
    }
    if commitments:
        args["field_hashes"] = encode_field_hashes(hashes)
    ledger.call(university(orgs), "certificates.issue", args)
    return FakeClient(ledger)


def check(text: Any, client: FakeClient | None = None, **options: Any) -> Any:
    kwargs: dict[str, Any] = {"verifier": "bank", "now_ms": NOW + 1000, "nonces": NonceBook()}
    kwargs.update(options)
    return check_presentation(client or chain(), text, VALIDATORS, **kwargs)  # type: ignore[arg-type]


def refused(text: Any, client: FakeClient | None = None, **options: Any) -> Refusal:
    with pytest.raises(PresentationRefused) as caught:
        check(text, client, **options)
    return caught.value.reason


# ---------------------------------------------------------------- what a wallet makes


def test_a_presentation_reads_back_as_signed_and_carries_only_the_chosen_fields() -> None:
    text = make(["university", "degree"])
    p = fmt.read_presentation(text)
    assert text.startswith(fmt.PREFIX if SUITE is ED25519_SHA256 else fmt.PREFIX_V2)
    assert p.suite is SUITE and p.holder_public_key == HOLDER.public_key
    assert [(f.name, f.value) for f in p.fields] == [
        ("university", FIELDS["university"]),
        ("degree", FIELDS["degree"]),
    ]
    assert (p.verifier, p.nonce, p.issued_at_ms) == ("bank", vector.NONCE, NOW)
    assert p.expires_at_ms == NOW + fmt.TTL_MS_DEFAULT
    assert p.holder == holder_id_for(HOLDER.public_key, suite=SUITE)
    assert FIELDS["id_number"] not in text and FIELDS["holder_name"] not in str(p)


def test_a_wallet_refuses_what_it_cannot_make() -> None:
    for names in (["salary"], []):
        with pytest.raises(PresentationInvalid):
            fmt.make_presentation(HOLDER, vector.DOCUMENT, names, nonce=vector.NONCE, now_ms=NOW)
    for ttl in (0, fmt.TTL_MS_MAX + 1):
        with pytest.raises(PresentationInvalid):
            make(ttl_ms=ttl)
    assert fmt.read_presentation(make(ttl_ms=fmt.TTL_MS_MAX)).expires_at_ms == NOW + fmt.TTL_MS_MAX
    with pytest.raises(PresentationInvalid):
        make(verifier="x" * 33)
    with pytest.raises(PresentationInvalid):
        make(nonce=b"short")


def test_too_much_for_one_qr_code_is_refused_and_the_limit_itself_is_made() -> None:
    """A value too long for the code is refused, one 3 bytes shorter is made."""
    long = {**vector.DOCUMENT, "fields": {**FIELDS, "major": ""}}
    base = len(make(["major"], document=long))
    # each 3 more bytes of value make 4 more characters: fill up to the limit exactly
    room = (fmt.QR_CHARACTERS_MAX - base) // 4 * 3
    long["fields"] = {**FIELDS, "major": "m" * room}
    assert len(make(["major"], document=long)) <= fmt.QR_CHARACTERS_MAX
    long["fields"] = {**FIELDS, "major": "m" * (room + 3)}
    with pytest.raises(PresentationInvalid):
        make(["major"], document=long)


# ---------------------------------------------------------------- what a verifier refuses


def _resigned(text: str, change: Any) -> str:
    """The presentation with its fields changed by ``change`` and signed again by HOLDER."""
    p = change(fmt.read_presentation(text))
    signed = fmt.encode_signed_bytes(p)
    return p.prefix + fmt._b64(signed + HOLDER.sign(signed))


def test_an_accepted_presentation_reports_the_certificate_as_the_chain_has_it() -> None:
    checked = check(make(["university", "degree"]))
    assert checked.status == "valid"
    assert checked.holder == holder_id_for(HOLDER.public_key, suite=SUITE)
    assert checked.fields == {"university": FIELDS["university"], "degree": FIELDS["degree"]}
    assert checked.issuer == UNIVERSITY.id


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: None,
        lambda text: "",
        lambda text: ("TLP2." if text.startswith("TLP1.") else "TLP1.") + text[5:],
        lambda text: text[:-10],
        lambda text: text + "AAAA",
        lambda text: text + "*",
        lambda text: text[:5] + "A" * (fmt.QR_CHARACTERS_MAX + 1),
        lambda text: text[:5] + "AAAAA",
        lambda text: "TLP3." + text[5:],
    ],
)
def test_what_is_not_a_presentation_is_refused_as_format(spoil: Any) -> None:
    assert refused(spoil(make())) == Refusal.FORMAT


def test_a_layout_with_a_repeated_field_is_refused_as_format() -> None:
    def repeat(p: fmt.Presentation) -> fmt.Presentation:
        return replace(p, fields=p.fields * 2)

    assert refused(_resigned(make(), repeat)) == Refusal.FORMAT


def test_a_changed_byte_breaks_the_signature() -> None:
    text = make()
    raw = bytearray(fmt._decode_text(text))
    raw[50] ^= 1  # inside the certificate id
    assert refused(text[:5] + fmt._b64(bytes(raw))) == Refusal.SIGNATURE
    raw = bytearray(fmt._decode_text(text))
    raw[-1] ^= 1  # the signature itself
    assert refused(text[:5] + fmt._b64(bytes(raw))) == Refusal.SIGNATURE


def test_time_edges() -> None:
    text = make()
    expires = NOW + fmt.TTL_MS_DEFAULT
    assert check(text, now_ms=expires - 1).status == "valid"
    assert refused(text, now_ms=expires) == Refusal.EXPIRED
    assert check(text, now_ms=NOW - fmt.CLOCK_SKEW_MS).status == "valid"
    assert refused(text, now_ms=NOW - fmt.CLOCK_SKEW_MS - 1) == Refusal.NOT_YET_VALID

    def long_lived(p: fmt.Presentation) -> fmt.Presentation:
        return replace(p, expires_at_ms=p.issued_at_ms + fmt.TTL_MS_MAX + 1)

    assert refused(_resigned(text, long_lived)) == Refusal.FORMAT


def test_a_bound_presentation_is_for_its_verifier_only() -> None:
    assert refused(make(verifier="bank"), verifier="hospital") == Refusal.VERIFIER
    assert check(make(verifier=""), verifier="hospital").status == "valid"


def test_a_certificate_the_chain_does_not_have_is_refused() -> None:
    other = {**vector.DOCUMENT, "cert_id": "cert-diploma-0002"}
    assert refused(make(document=other)) == Refusal.UNKNOWN_CERTIFICATE
    retyped = {**vector.DOCUMENT, "cert_type": "resident_id_card"}
    assert refused(make(document=retyped)) == Refusal.UNKNOWN_CERTIFICATE


def test_only_the_holder_or_a_consent_delegate_may_present() -> None:
    stranger = KeyPair(bytes(31) + b"\1", SUITE)
    text = make(holder=stranger)
    assert refused(text) == Refusal.HOLDER
    client = chain()
    holder = holder_id_for(HOLDER.public_key, suite=SUITE)
    client.delegations = [{"principal": holder, "actions": ["archives"]}]
    assert refused(text, client) == Refusal.HOLDER
    client.delegations = [{"principal": holder, "actions": ["consent"]}]
    assert check(text, client).holder == holder


def test_a_value_the_commitment_does_not_hold_is_refused() -> None:
    altered = {**vector.DOCUMENT, "fields": {**FIELDS, "degree": "Doctor of Philosophy"}}
    assert refused(make(["degree"], document=altered)) == Refusal.FIELDS
    assert refused(make(), chain(commitments=False)) == Refusal.FIELDS


def test_a_presentation_is_accepted_once() -> None:
    nonces = NonceBook()
    text = make()
    assert check(text, nonces=nonces).status == "valid"
    assert refused(text, nonces=nonces) == Refusal.REPLAYED
    other = make(nonce=bytes(16))
    assert check(other, nonces=nonces).status == "valid"


def test_a_refused_presentation_does_not_use_its_nonce_up() -> None:
    nonces = NonceBook()
    text = make()
    assert refused(text, nonces=nonces, verifier="hospital") == Refusal.VERIFIER
    assert check(text, nonces=nonces).status == "valid"


# ---------------------------------------------------------------- the suites


def _v2_with_suite_name(name: bytes) -> str:
    """An SM presentation whose signed suite name is ``name``, signed again by an SM2 key."""
    holder = KeyPair(vector.HOLDER_SEED, SM2_SM3)
    signed = fmt.encode_signed_bytes(fmt.read_presentation(make(holder=holder)))
    head = fmt.DOMAIN_V2 + len(b"sm2-sm3").to_bytes(2, "big") + b"sm2-sm3"
    assert signed.startswith(head)
    changed = fmt.DOMAIN_V2 + len(name).to_bytes(2, "big") + name + signed[len(head) :]
    return fmt.PREFIX_V2 + fmt._b64(changed + holder.sign(changed))


def test_a_presentation_of_the_other_suite_is_refused_naming_both() -> None:
    """A TLP1 on an SM chain, an SM TLP2 on an Ed25519 chain: refused before the record
    is read, whatever the holder id it would give."""
    stranger = KeyPair(vector.HOLDER_SEED, other_suite())
    text = make(holder=stranger)
    assert fmt.read_presentation(text).suite is other_suite()
    with pytest.raises(PresentationRefused, match=f"this chain's suite is {SUITE.name}") as caught:
        check(text)
    assert caught.value.reason == Refusal.FORMAT
    assert f"made with the {other_suite().name} suite" in str(caught.value)


@pytest.mark.parametrize("name", [b"ed25519-sha256", b"sm9", b""])
def test_a_tlp2_naming_no_suite_it_may_carry_is_refused_as_format(name: bytes) -> None:
    """``ed25519-sha256`` has TLP1 (one text per presentation); an unknown suite is unknown."""
    with pytest.raises(PresentationRefused, match="TLP2 presentation of suite") as caught:
        fmt.read_presentation(_v2_with_suite_name(name))
    assert caught.value.reason == Refusal.FORMAT


def test_an_altered_suite_name_is_refused() -> None:
    """The suite's name is read first, from the signed bytes: an altered one is refused."""
    text = make(holder=KeyPair(vector.HOLDER_SEED, SM2_SM3))
    raw = bytearray(fmt._decode_text(text))
    at = len(fmt.DOMAIN_V2) + 2
    assert raw[at : at + 7] == b"sm2-sm3"
    raw[at + 6] = ord("4")  # "sm2-sm4": not a suite
    with pytest.raises(PresentationRefused) as caught:
        fmt.read_presentation(fmt.PREFIX_V2 + fmt._b64(bytes(raw)))
    assert caught.value.reason == Refusal.FORMAT


def _with_signature(text: str, signature: bytes) -> str:
    raw = fmt._decode_text(text)
    return text[:5] + fmt._b64(raw[: -SUITE.signature_bytes] + signature)


@pytest.mark.parametrize(
    ("what", "signature"),
    [
        ("r = 0", bytes(32) + (1).to_bytes(32, "big")),
        ("s = 0", (1).to_bytes(32, "big") + bytes(32)),
        ("r = n", SM2_ORDER.to_bytes(32, "big") + (1).to_bytes(32, "big")),
        ("s = n", (1).to_bytes(32, "big") + SM2_ORDER.to_bytes(32, "big")),
        ("all ones", b"\xff" * 64),
    ],
)
def test_a_malformed_signature_is_refused_as_a_signature(what: str, signature: bytes) -> None:
    """r or s out of range (SM2) or any 64 bytes that are not the signature (Ed25519)."""
    assert refused(_with_signature(make(), signature)) == Refusal.SIGNATURE, what


def test_a_signature_of_another_length_is_refused_as_format() -> None:
    """DER (what OpenSSL writes for SM2) is not a presentation's signature: r ‖ s only."""
    text = make()
    raw = fmt._decode_text(text)
    der = raw[-SUITE.signature_bytes :] + b"\x00"
    assert refused(text[:5] + fmt._b64(raw[: -SUITE.signature_bytes] + der)) == Refusal.FORMAT
    assert refused(_with_signature(text, raw[-SUITE.signature_bytes : -1])) == Refusal.FORMAT


# ---------------------------------------------------------------- the nonce book


def test_nonces_are_forgotten_when_their_presentation_expires() -> None:
    book = NonceBook()
    p = fmt.read_presentation(make())
    book.claim(p, NOW)
    assert len(book) == 1
    with pytest.raises(PresentationRefused):
        book.claim(p, p.expires_at_ms - 1)
    book.claim(replace(p, nonce=bytes(16)), p.expires_at_ms)  # prunes the first
    assert len(book) == 1


def test_a_full_nonce_book_refuses_until_entries_expire() -> None:
    book = NonceBook(capacity=2)
    p = fmt.read_presentation(make())
    book.claim(p, NOW)
    book.claim(replace(p, nonce=b"\1" * 16), NOW)
    with pytest.raises(PresentationRefused) as caught:
        book.claim(replace(p, nonce=b"\2" * 16), NOW)
    assert caught.value.reason == Refusal.REPLAYED and len(book) == 2
    book.claim(replace(p, nonce=b"\2" * 16), p.expires_at_ms)
    assert len(book) == 1
