"""Annotated copies (加注件): what the holder signs, and every reason a copy is refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.sdk import annotation as an
from suites import ED25519_SHA256

HOLDER = KeyPair(bytes(range(32)))
OTHER = KeyPair(bytes(range(1, 33)))
DOC_HASH = "ab" * 32
EXPIRES_MS = 1_767_225_600_000  # 2026-01-01 08:00 in China
TERMS: dict[str, Any] = {
    "cert_id": "cert-0001",
    "document_hash": DOC_HASH,
    "agency": "bank",
    "purpose": "开立账户",
    "purpose_code": "002",
    "request_id": "req-0001",
    "expires_at_ms": EXPIRES_MS,
}
V1_TERMS: dict[str, Any] = TERMS | {"purpose_code": None}
"""A copy released before purpose codes (layout v1)."""


def _check(message: Any, **overrides: Any) -> an.Annotation:
    kw: dict[str, Any] = {
        "suite": ED25519_SHA256,
        "cert_id": "cert-0001",
        "agency": "bank",
        "purpose": "开立账户",
        "purpose_code": "002",
        "now_ms": EXPIRES_MS - 1,
        "onchain_holder": holder_id_for(HOLDER.public_key, suite=ED25519_SHA256),
        "onchain_document_hash": DOC_HASH,
    }
    return an.check_annotation(message, **(kw | overrides))


def test_a_copy_is_accepted_for_its_agency_purpose_and_time() -> None:
    checked = _check(an.make_annotation(HOLDER, **TERMS))
    assert checked == an.Annotation(
        "cert-0001",
        DOC_HASH,
        "bank",
        "开立账户",
        "002",
        "req-0001",
        EXPIRES_MS,
        HOLDER.public_key,
        suite=ED25519_SHA256,
    )
    assert checked.holder == holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
    assert _signed(an.make_annotation(HOLDER, **TERMS)).startswith(
        b"trustledger/annotated-copy/v2\0"
    )


def test_a_v1_copy_released_before_purpose_codes_is_still_accepted() -> None:
    message = an.make_annotation(HOLDER, **V1_TERMS)
    assert _signed(message).startswith(b"trustledger/annotated-copy/v1\0")
    for chain_code in ("002", None):  # the request's code, or a request made without one
        checked = _check(message, purpose_code=chain_code)
        assert (checked.purpose, checked.purpose_code) == ("开立账户", None)
    with pytest.raises(an.AnnotationRefused) as refused:
        _check(message, purpose="贷款审批")
    assert refused.value.reason == an.Refusal.PURPOSE


@pytest.mark.parametrize(
    ("overrides", "reason"),
    (
        ({"agency": "insurer"}, an.Refusal.AGENCY),
        ({"purpose": "贷款审批"}, an.Refusal.PURPOSE),
        ({"purpose_code": "003"}, an.Refusal.PURPOSE),
        ({"purpose_code": None}, an.Refusal.PURPOSE),
        ({"purpose_code": "099"}, an.Refusal.PURPOSE),
        ({"now_ms": EXPIRES_MS}, an.Refusal.EXPIRED),
        ({"now_ms": EXPIRES_MS + 86_400_000}, an.Refusal.EXPIRED),
        (
            {"onchain_holder": holder_id_for(OTHER.public_key, suite=ED25519_SHA256)},
            an.Refusal.HOLDER,
        ),
        ({"onchain_document_hash": "cd" * 32}, an.Refusal.DOCUMENT),
        ({"cert_id": "cert-0002"}, an.Refusal.DOCUMENT),
    ),
)
def test_a_copy_used_out_of_its_binding_is_refused_with_the_reason(
    overrides: dict[str, Any], reason: an.Refusal
) -> None:
    with pytest.raises(an.AnnotationRefused) as refused:
        _check(an.make_annotation(HOLDER, **TERMS), **overrides)
    assert refused.value.reason == reason


def test_a_v2_copy_is_refused_for_another_purpose_code_with_the_codes_in_the_message() -> None:
    with pytest.raises(an.AnnotationRefused) as refused:
        _check(an.make_annotation(HOLDER, **TERMS), purpose_code="005")
    assert refused.value.reason == an.Refusal.PURPOSE
    assert str(refused.value) == "this copy was released for purpose code 002, not 005"


def _resigned(signed: bytes, key: KeyPair = HOLDER) -> dict[str, str]:
    return {
        "signed": base64.b64encode(signed).decode(),
        "signature": base64.b64encode(key.sign(signed)).decode(),
    }


def _signed(message: dict[str, str]) -> bytes:
    return base64.b64decode(message["signed"])


def test_changed_signed_bytes_fail_the_signature() -> None:
    message = an.make_annotation(HOLDER, **TERMS)
    changed = _signed(message).replace("开立账户".encode(), "贷款审批".encode())
    with pytest.raises(an.AnnotationRefused) as refused:
        _check({**message, "signed": base64.b64encode(changed).decode()}, purpose="贷款审批")
    assert refused.value.reason == an.Refusal.SIGNATURE


@pytest.mark.parametrize(
    ("old", "new"),
    ((b"\x00002\x00", b"\x00005\x00"), (b"/v2\x00", b"/v1\x00"), (b"bank", b"banc")),
)
def test_an_altered_byte_of_a_v2_copy_fails_the_signature_or_the_format(
    old: bytes, new: bytes
) -> None:
    message = an.make_annotation(HOLDER, **TERMS)
    changed = _signed(message).replace(old, new, 1)
    assert changed != _signed(message)
    with pytest.raises(an.AnnotationRefused) as refused:
        _check({**message, "signed": base64.b64encode(changed).decode()}, purpose_code="005")
    # v1 bytes with one more field than v1 has are not an annotated copy's at all
    assert refused.value.reason == (
        an.Refusal.FORMAT if new == b"/v1\x00" else an.Refusal.SIGNATURE
    )


def test_bytes_signed_by_another_key_name_another_holder() -> None:
    signed = _signed(an.make_annotation(HOLDER, **TERMS))
    forged = signed[: -len(OTHER.public_key)] + OTHER.public_key
    with pytest.raises(an.AnnotationRefused) as refused:
        _check(_resigned(forged, OTHER))
    assert refused.value.reason == an.Refusal.HOLDER


@pytest.mark.parametrize(
    "message",
    (
        None,
        "annotation",
        {"signed": 5, "signature": "AA=="},
        {"signed": "not base64!", "signature": base64.b64encode(bytes(64)).decode()},
        {"signed": base64.b64encode(b"x").decode(), "signature": base64.b64encode(b"y").decode()},
        _resigned(b"trustledger/annotated-copy/v3\0a\0b\0c\0d\0002\0e\0" + b"1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v2\0a\0b\0c\0d\0e\0" + b"1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v2\0a\0b\0c\0d\002\0e\0" + b"1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v2\0a\0b\0c\0d\0x02\0e\0" + b"1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v2\0a\0b\0c\0d\00020\0e\0" + b"1\0" + bytes(32)),
        _resigned(
            b"trustledger/annotated-copy/v2\0a\0b\0c\0d\0\xd9\xa0\xd9\xa0\xd9\xa2\0e\0"
            + b"1\0"
            + bytes(32)
        ),
        _resigned(b"trustledger/annotated-copy/v1\0a\0b\0c\0d\0e\0" + b"01\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v1\0a\0b\0c\0d\0e\0" + b"-1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v1\0a\0b\0c\0d\0" + b"1\0" + bytes(32)),
        _resigned(b"trustledger/annotated-copy/v1\0a\0b\0c\0d\0e\0" + b"1\0" + bytes(31)),
        _resigned(
            b"trustledger/annotated-copy/v1\0\xff\0b\0c\0d\0e\0" + b"1\0" + HOLDER.public_key
        ),
        _resigned(b"trustledger/annotated-copy/v1\0" + b"a" * 6000),
    ),
)
def test_a_malformed_annotation_is_refused_as_format(message: Any) -> None:
    with pytest.raises(an.AnnotationRefused) as refused:
        _check(message)
    assert refused.value.reason == an.Refusal.FORMAT


def test_a_public_key_holding_a_nul_byte_is_read_whole() -> None:
    key = next(k for k in (KeyPair(bytes([i]) * 32) for i in range(256)) if 0 in k.public_key)
    terms = TERMS | {"expires_at_ms": EXPIRES_MS}
    checked = _check(
        an.make_annotation(key, **terms),
        onchain_holder=holder_id_for(key.public_key, suite=ED25519_SHA256),
    )
    assert checked.holder_public_key == key.public_key


@pytest.mark.parametrize(
    "change",
    (
        {"purpose": "a\0b"},
        {"agency": "x" * 801},
        {"expires_at_ms": -1},
        {"purpose_code": "2"},
        {"purpose_code": "abc"},
        {"purpose_code": "0020"},
    ),
)
def test_the_wallet_refuses_to_sign_what_the_layout_cannot_carry(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        an.make_annotation(HOLDER, **(TERMS | change))


@pytest.mark.parametrize(
    ("terms", "printed"),
    (
        (TERMS, "仅供 某某银行 办理 金融信贷审核（开立账户） 使用，有效期至 2026年1月1日"),
        (
            TERMS | {"purpose": "金融信贷审核"},
            "仅供 某某银行 办理 金融信贷审核 使用，有效期至 2026年1月1日",
        ),
        (
            TERMS | {"purpose_code": "099"},
            "仅供 某某银行 办理 开立账户 使用，有效期至 2026年1月1日",
        ),
        (
            TERMS | {"purpose_code": "777"},
            "仅供 某某银行 办理 777（开立账户） 使用，有效期至 2026年1月1日",
        ),
        (V1_TERMS, "仅供 某某银行 办理 开立账户 使用，有效期至 2026年1月1日"),
    ),
)
def test_the_annotation_reads_as_the_platforms_print_it(
    terms: dict[str, Any], printed: str
) -> None:
    read = an.read_annotation(an.make_annotation(HOLDER, **terms), suite=ED25519_SHA256)
    assert an.get_annotation_text(read, "某某银行") == printed


class _Chain:
    """The three queries an agency's check makes, answered from fixed records."""

    def __init__(self, delegations: list[dict[str, Any]]) -> None:
        self.delegations = delegations
        self.suite = ED25519_SHA256

    def query(self, contract: str, method: str, **args: Any) -> Any:
        if (contract, method) == ("certificates", "status"):
            return {
                "holder": holder_id_for(HOLDER.public_key, suite=ED25519_SHA256),
                "doc_hash": DOC_HASH,
            }
        if (contract, method) == ("consent", "get"):
            return {"purpose": "开立账户", "purpose_code": "002"}
        assert (contract, method, args["holder"]) == (
            "delegation",
            "list_by_holder",
            holder_id_for(OTHER.public_key, suite=ED25519_SHA256),
        )
        return self.delegations


@pytest.mark.parametrize(
    ("delegations", "accepted"),
    (
        (
            [
                {
                    "principal": holder_id_for(HOLDER.public_key, suite=ED25519_SHA256),
                    "actions": ["consent"],
                }
            ],
            True,
        ),
        (
            [
                {
                    "principal": holder_id_for(HOLDER.public_key, suite=ED25519_SHA256),
                    "actions": ["archives"],
                }
            ],
            False,
        ),
        ([{"principal": "hd" + "0" * 40, "actions": ["consent"]}], False),
        ([], False),
    ),
)
def test_a_copy_released_by_a_delegate_needs_a_consent_delegation_from_the_holder(
    delegations: list[dict[str, Any]], accepted: bool
) -> None:
    message = an.make_annotation(OTHER, **TERMS)
    document = {"cert_id": "cert-0001"}
    chain: Any = _Chain(delegations)
    if accepted:
        checked = an.check_released_copy(chain, message, document, agency="bank", now_ms=0)
        assert checked.holder == holder_id_for(OTHER.public_key, suite=ED25519_SHA256)
    else:
        with pytest.raises(an.AnnotationRefused) as refused:
            an.check_released_copy(chain, message, document, agency="bank", now_ms=0)
        assert refused.value.reason == an.Refusal.HOLDER


def test_the_holders_own_copy_needs_no_delegation() -> None:
    chain: Any = _Chain([])
    message = an.make_annotation(HOLDER, **TERMS)
    checked = an.check_released_copy(
        chain, message, {"cert_id": "cert-0001"}, agency="bank", now_ms=0
    )
    assert checked.agency == "bank"
    with pytest.raises(an.AnnotationRefused) as refused:
        an.check_released_copy(chain, message, {"cert_id": "cert-0001"}, agency="insurer", now_ms=0)
    assert refused.value.reason == an.Refusal.AGENCY


class _ChainWithCode(_Chain):
    """A chain whose consent request has another purpose code, or none."""

    def __init__(self, code: str | None) -> None:
        super().__init__([])
        self.code = code

    def query(self, contract: str, method: str, **args: Any) -> Any:
        if (contract, method) == ("consent", "get"):
            return {"purpose": "开立账户"} | (
                {} if self.code is None else {"purpose_code": self.code}
            )
        return super().query(contract, method, **args)


@pytest.mark.parametrize("code", ("005", None))
def test_an_agency_refuses_a_copy_whose_code_is_not_the_requests_on_the_chain(
    code: str | None,
) -> None:
    chain: Any = _ChainWithCode(code)
    message = an.make_annotation(HOLDER, **TERMS)
    with pytest.raises(an.AnnotationRefused) as refused:
        an.check_released_copy(chain, message, {"cert_id": "cert-0001"}, agency="bank", now_ms=0)
    assert refused.value.reason == an.Refusal.PURPOSE
    v1 = an.make_annotation(HOLDER, **V1_TERMS)
    checked = an.check_released_copy(chain, v1, {"cert_id": "cert-0001"}, agency="bank", now_ms=0)
    assert checked.purpose_code is None
