"""The edges of the presentation format (node/sdk/presentation.py) that the behaviour tests
of tests/unit/test_presentation.py pass through without pinning: every limit at and one past
its value, the wording a holder or a clerk is shown, and base64url texts whose last
character is one that padding could be confused with. Written for its mutation row
(docs/mutation.md); each test checks what a wallet or a verifier sees."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import pytest

from contracts.framework.limits import CERT_ID_LENGTH_MAX, ORG_ID_LENGTH_MAX
from node.chain.crypto import KeyPair
from node.sdk import presentation as fmt
from node.sdk.presentation import PresentationInvalid, PresentationRefused, Refusal
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from suites.sm2_sm3 import Sm2Sm3Suite
from tests.unit import presentation_vector as vector

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
NOW = vector.ISSUED_AT_MS


def make(suite: Suite, names: list[str] | None = None, **options: Any) -> str:
    kwargs: dict[str, Any] = {"nonce": vector.NONCE, "now_ms": NOW}
    kwargs.update(options)
    document = kwargs.pop("document", vector.DOCUMENT)
    holder = KeyPair(vector.HOLDER_SEED, suite)
    return fmt.make_presentation(holder, document, names or ["degree"], **kwargs)


def signed_text(p: fmt.Presentation) -> str:
    """``p`` signed by the vector's holder, with no QR limit (what a forger could send)."""
    signed = fmt.encode_signed_bytes(p)
    return p.prefix + fmt._b64(signed + KeyPair(vector.HOLDER_SEED, p.suite).sign(signed))


def with_value(p: fmt.Presentation, value: str) -> fmt.Presentation:
    return replace(p, fields=(replace(p.fields[0], value=value),))


def format_refusal(text: Any) -> PresentationRefused:
    with pytest.raises(PresentationRefused) as caught:
        fmt.read_presentation(text)
    assert caught.value.reason == Refusal.FORMAT
    return caught.value


# ---------------------------------------------------------------- the encoder's limits


@BOTH
@pytest.mark.parametrize(
    ("part", "what"),
    [
        ("cert_id", "the certificate id"),
        ("cert_type", "the certificate type"),
        ("verifier", "the verifier"),
        ("name", "a field name"),
        ("value", "a field value"),
    ],
)
def test_each_text_is_at_most_600_bytes_and_a_longer_one_is_named(
    suite: Suite, part: str, what: str
) -> None:
    p = fmt.read_presentation(make(suite))

    def set_to(text: str) -> fmt.Presentation:
        if part in ("name", "value"):
            return replace(p, fields=(replace(p.fields[0], **{part: text}),))
        return replace(p, **{part: text})

    longest = "文" * 200  # 600 bytes of UTF-8
    encoded = fmt.encode_signed_bytes(set_to(longest))
    assert longest.encode() in encoded
    with pytest.raises(PresentationInvalid, match=f"^{what} is longer than 600 bytes$"):
        fmt.encode_signed_bytes(set_to(longest + "a"))


class _LongNamedSuite(Sm2Sm3Suite):
    """An SM suite whose name is too long for the layout (no real suite's is)."""

    name: ClassVar[str] = "s" * 601


def test_a_suite_name_is_a_text_of_the_layout_too() -> None:
    p = replace(fmt.read_presentation(make(SM2_SM3)), suite=_LongNamedSuite())
    with pytest.raises(PresentationInvalid, match=r"^the suite is longer than 600 bytes$"):
        fmt.encode_signed_bytes(p)


@BOTH
def test_sixteen_fields_encode_and_seventeen_do_not(suite: Suite) -> None:
    p = fmt.read_presentation(make(suite))
    sixteen = tuple(replace(p.fields[0], name=f"f{i}") for i in range(fmt.FIELDS_MAX))
    assert fmt.encode_signed_bytes(replace(p, fields=sixteen)).count(p.fields[0].salt) == 16
    more = (*sixteen, replace(p.fields[0], name="f16"))
    with pytest.raises(PresentationInvalid, match="disclose 1 to 16 fields"):
        fmt.encode_signed_bytes(replace(p, fields=more))


@BOTH
def test_times_are_u64_and_expiry_follows_issue(suite: Suite) -> None:
    p = fmt.read_presentation(make(suite))
    at_zero = fmt.encode_signed_bytes(replace(p, issued_at_ms=0, expires_at_ms=1))
    assert bytes(8) + (1).to_bytes(8, "big") in at_zero
    last = fmt.encode_signed_bytes(replace(p, expires_at_ms=2**64 - 1))
    assert b"\xff" * 8 in last
    for issued, expires in ((NOW, NOW), (NOW, 2**64), (NOW + 1, NOW)):
        with pytest.raises(PresentationInvalid, match="expires after it is issued"):
            fmt.encode_signed_bytes(replace(p, issued_at_ms=issued, expires_at_ms=expires))


@BOTH
def test_a_key_of_another_length_is_refused_naming_the_suites_length(suite: Suite) -> None:
    p = fmt.read_presentation(make(suite))
    expected = f"a nonce is 16 bytes and a {suite.name} public key {suite.public_key_bytes}"
    with pytest.raises(PresentationInvalid, match=f"^{expected}$"):
        fmt.encode_signed_bytes(replace(p, holder_public_key=p.holder_public_key[1:]))


# ---------------------------------------------------------------- what a wallet makes


@BOTH
def test_a_wallets_defaults_and_edges(suite: Suite) -> None:
    assert fmt.read_presentation(make(suite)).verifier == ""  # any verifier by default
    shortest = fmt.read_presentation(make(suite, ttl_ms=1))
    assert shortest.expires_at_ms == NOW + 1
    longest_id = "o" * ORG_ID_LENGTH_MAX
    assert fmt.read_presentation(make(suite, verifier=longest_id)).verifier == longest_id
    with pytest.raises(PresentationInvalid, match="the verifier is an organisation id"):
        make(suite, verifier=longest_id + "o")
    for ttl in (0, fmt.TTL_MS_MAX + 1):
        with pytest.raises(PresentationInvalid, match=r"^a presentation lives 1 ms to 10 minutes$"):
            make(suite, ttl_ms=ttl)


def _value_length_for(suite: Suite, text_length: int) -> int:
    """How many characters of value make a text of ``text_length`` characters."""
    base = fmt.read_presentation(make(suite))
    for n in range(300, 600):
        if len(signed_text(with_value(base, "m" * n))) == text_length:
            return n
    raise AssertionError(f"no value makes {text_length} characters")


@BOTH
def test_a_body_of_exactly_779_characters_reads_and_one_more_does_not(suite: Suite) -> None:
    base = fmt.read_presentation(make(suite))
    n = _value_length_for(suite, len(fmt.PREFIX) + fmt.QR_CHARACTERS_MAX)
    assert fmt.read_presentation(signed_text(with_value(base, "m" * n))).fields
    format_refusal(signed_text(with_value(base, "m" * (n + 1))))


@BOTH
def test_a_wallet_makes_exactly_779_characters_and_says_how_many_are_too_many(
    suite: Suite,
) -> None:
    n = _value_length_for(suite, fmt.QR_CHARACTERS_MAX)
    document = {**vector.DOCUMENT, "fields": {"degree": "m" * n}}
    assert len(make(suite, document=document)) == fmt.QR_CHARACTERS_MAX
    document = {**vector.DOCUMENT, "fields": {"degree": "m" * (n + 1)}}
    base = fmt.read_presentation(make(suite))
    length = len(signed_text(with_value(base, "m" * (n + 1))))
    expected = (
        f"too much to show in one QR code ({length} characters, at most 779): choose fewer fields"
    )
    with pytest.raises(PresentationInvalid) as refused:
        make(suite, document=document)
    assert str(refused.value) == expected


# ---------------------------------------------------------------- what a reader refuses


@BOTH
def test_a_certificate_id_of_the_longest_length_reads_and_a_longer_one_does_not(
    suite: Suite,
) -> None:
    base = fmt.read_presentation(make(suite))
    longest = replace(base, cert_id="c" * CERT_ID_LENGTH_MAX)
    assert fmt.read_presentation(signed_text(longest)).cert_id == longest.cert_id
    format_refusal(signed_text(replace(base, cert_id="c" * (CERT_ID_LENGTH_MAX + 1))))


@BOTH
@pytest.mark.parametrize("inserted", ["!!!!", "....", "    ", "+/+/"])
def test_characters_outside_base64url_are_refused_not_skipped(suite: Suite, inserted: str) -> None:
    """A lenient decoder would skip them (and standard base64's "+/") and read the rest."""
    text = make(suite)
    middle = len(text) // 2
    refused = format_refusal(text[:middle] + inserted + text[middle:])
    assert str(refused) == "this is not a TrustLedger presentation"


def test_a_format_refusal_says_it_is_not_a_presentation() -> None:
    refused = format_refusal("TLP1.AAAA")
    assert str(refused) == "this is not a TrustLedger presentation"


@BOTH
def test_a_bad_signature_is_said_plainly(suite: Suite) -> None:
    text = make(suite)
    raw = bytearray(fmt._decode_text(text))
    raw[-2] ^= 1
    with pytest.raises(PresentationRefused) as caught:
        fmt.read_presentation(text[:5] + fmt._b64(bytes(raw)))
    assert caught.value.reason == Refusal.SIGNATURE
    assert str(caught.value) == "the holder's signature on the presentation does not verify"


def test_a_text_ending_in_x_reads_back() -> None:
    """base64url without padding may end in any of its 64 characters when the bytes are a
    multiple of 3 long: one ending in "X" (as "=" is stripped, nothing else may be) reads
    back. A value of 0, 1 or 2 more characters gives that length; nonces vary the end. SM2
    only: an Ed25519 signature's last byte is below 0x20 (S < 2^253), so a TLP1 never ends
    in "X"."""
    suite = SM2_SM3
    for i in range(5000):
        value = "m" * (i % 3)
        document = {**vector.DOCUMENT, "fields": {"degree": value}}
        text = make(suite, nonce=i.to_bytes(16, "big"), document=document)
        if text.endswith("X"):
            assert fmt.read_presentation(text).fields[0].value == value
            return
    pytest.fail("no text of 5,000 ended in X")


def test_an_unknown_suite_name_is_cut_short_in_the_message() -> None:
    holder = KeyPair(vector.HOLDER_SEED, SM2_SM3)
    signed = fmt.encode_signed_bytes(fmt.read_presentation(make(SM2_SM3)))
    head = fmt.DOMAIN_V2 + (7).to_bytes(2, "big") + b"sm2-sm3"
    name = b"n" * 41
    changed = fmt.DOMAIN_V2 + len(name).to_bytes(2, "big") + name + signed[len(head) :]
    refused = format_refusal(fmt.PREFIX_V2 + fmt._b64(changed + holder.sign(changed)))
    assert f"of suite {'n' * 40!r}: not one this verifier knows" in str(refused)


def test_ed25519_is_the_suite_of_the_first_layout() -> None:
    assert fmt.V1_SUITE is ED25519_SHA256
    assert fmt.read_presentation(make(ED25519_SHA256)).prefix == fmt.PREFIX
