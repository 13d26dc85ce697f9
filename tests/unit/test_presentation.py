"""Signed presentations (亮证, docs/presentations.md): what a wallet may make, and each
refusal a verifier gives, in its order, with the chain's record of a real certificate
(issued through the contracts in memory; the proof itself is node/sdk/finality's, tested
there, and the whole path runs against a devnet in tests/integration/test_lifecycle.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from contracts.certificates.commitments import (
    compute_document_hash_from_commitments,
    compute_field_commitments,
    encode_field_hashes,
)
from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.sdk import presentation as fmt
from node.sdk.finality import ProvenValue
from node.sdk.presentation import PresentationInvalid, PresentationRefused, Refusal
from node.sdk.presentation_check import NonceBook, check_presentation
from suites import ED25519_SHA256, Suite
from tests.unit import presentation_vector as vector
from tests.unit.consensus_support import VALIDATORS
from tests.unit.test_contracts_support import UNIVERSITY, Ledger

HOLDER = KeyPair(vector.HOLDER_SEED)
NOW = vector.ISSUED_AT_MS
FIELDS: dict[str, str] = vector.DOCUMENT["fields"]  # type: ignore[assignment]


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
    suite: Suite = ED25519_SHA256

    def get_proven_state(self, key: bytes, validators: object) -> ProvenValue:
        return ProvenValue(self.ledger.state.get(key), self.ledger.height, self.ledger.time_ms)

    def query(self, contract: str, method: str, **args: Any) -> Any:
        assert (contract, method) == ("delegation", "list_by_holder")
        return self.delegations


def chain(*, commitments: bool = True) -> FakeClient:
    """The vector's diploma, issued to the vector's holder with its field commitments."""
    ledger = Ledger()
    salt = bytes.fromhex(str(vector.DOCUMENT["salt"]))
    hashes = compute_field_commitments("diploma", FIELDS, salt, suite=ED25519_SHA256)
    args: dict[str, Any] = {
        "cert_id": vector.DOCUMENT["cert_id"],
        "cert_type": "diploma",
        "holder": holder_id_for(HOLDER.public_key, suite=ED25519_SHA256),
        "doc_hash": compute_document_hash_from_commitments("diploma", hashes, suite=ED25519_SHA256),
        "valid_until_ms": 0,
    }
    if commitments:
        args["field_hashes"] = encode_field_hashes(hashes)
    ledger.call(UNIVERSITY, "certificates.issue", args)
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
    assert text.startswith(fmt.PREFIX)
    assert [(f.name, f.value) for f in p.fields] == [
        ("university", FIELDS["university"]),
        ("degree", FIELDS["degree"]),
    ]
    assert (p.verifier, p.nonce, p.issued_at_ms) == ("bank", vector.NONCE, NOW)
    assert p.expires_at_ms == NOW + fmt.TTL_MS_DEFAULT
    assert p.holder == holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
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
    return fmt.PREFIX + fmt._b64(signed + HOLDER.sign(signed))


def test_an_accepted_presentation_reports_the_certificate_as_the_chain_has_it() -> None:
    checked = check(make(["university", "degree"]))
    assert checked.status == "valid"
    assert checked.holder == holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
    assert checked.fields == {"university": FIELDS["university"], "degree": FIELDS["degree"]}
    assert checked.issuer == UNIVERSITY.id


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "TLP2." + make()[5:],
        make()[:-10],
        make() + "AAAA",
        make() + "*",
        "TLP1." + "A" * (fmt.QR_CHARACTERS_MAX + 1),
        "TLP1.AAAAA",
    ],
)
def test_what_is_not_a_presentation_is_refused_as_format(text: Any) -> None:
    assert refused(text) == Refusal.FORMAT


def test_a_layout_with_a_repeated_field_is_refused_as_format() -> None:
    def repeat(p: fmt.Presentation) -> fmt.Presentation:
        return replace(p, fields=p.fields * 2)

    assert refused(_resigned(make(), repeat)) == Refusal.FORMAT


def test_a_changed_byte_breaks_the_signature() -> None:
    text = make()
    raw = bytearray(fmt._decode_text(text))
    raw[40] ^= 1  # inside the certificate id
    assert refused(fmt.PREFIX + fmt._b64(bytes(raw))) == Refusal.SIGNATURE
    raw = bytearray(fmt._decode_text(text))
    raw[-1] ^= 1  # the signature itself
    assert refused(fmt.PREFIX + fmt._b64(bytes(raw))) == Refusal.SIGNATURE


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
    stranger = KeyPair(bytes(32))
    text = make(holder=stranger)
    assert refused(text) == Refusal.HOLDER
    client = chain()
    holder = holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
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
