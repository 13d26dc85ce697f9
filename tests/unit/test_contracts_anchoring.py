"""Evidence anchoring: a member organisation anchors a root over its facts' salted hashes."""

from __future__ import annotations

import hashlib

import pytest

from contracts.anchoring.contract import subjects_of
from contracts.anchoring.records import KINDS, anchor_id_of, is_anchor_id
from contracts.framework import limits
from contracts.runtime import ArgValue, get_admission_refusal
from suites import SM2_SM3
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_suites import sm_organisations

ROOT = hashlib.sha256(b"batch root").hexdigest()
OTHER_ROOT = hashlib.sha256(b"another batch").hexdigest()


def anchor_args(**overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "root": ROOT,
        "count": 3,
        "kind": "decision",
        "case_ref": "(2026)甘0102执123号",
    }
    args.update(overrides)
    return args


def test_a_member_anchors_a_batch_root_with_the_block_time() -> None:
    ledger = support.Ledger()
    height, time_ms = ledger.height, ledger.time_ms
    result = ledger.call(support.HRSS, "anchoring.anchor", anchor_args())
    (event,) = result.events
    anchor_id = "an" + ROOT
    assert event.name == "anchoring.anchored"
    assert event.subjects == (anchor_id, support.HRSS.id)
    assert dict(event.attrs) == {
        "root": ROOT,
        "count": 3,
        "kind": "decision",
        "case_ref": "(2026)甘0102执123号",
        "org": support.HRSS.id,
    }
    record = ledger.query("anchoring", "get", {"anchor_id": anchor_id})
    assert record == {
        "anchor_id": anchor_id,
        "root": ROOT,
        "count": 3,
        "kind": "decision",
        "case_ref": "(2026)甘0102执123号",
        "org": support.HRSS.id,
        "height": height,
        "time_ms": time_ms,
        "tx": hashlib.sha256(b"tx/%d" % height).hexdigest(),
    }
    keys = sorted(key for key, _ in result.writes)
    assert keys == [
        b"anchoring/anchor/" + anchor_id.encode(),
        b"anchoring/by_org/" + support.HRSS.id.encode() + b"/" + anchor_id.encode(),
    ]


def test_an_organisation_lists_its_anchors_and_only_its_own() -> None:
    ledger = support.Ledger()
    ledger.call(support.HRSS, "anchoring.anchor", anchor_args())
    ledger.call(support.HRSS, "anchoring.anchor", anchor_args(root=OTHER_ROOT, count=1))
    ledger.call(support.BANK, "anchoring.anchor", anchor_args(root="ab" * 32, kind="payment"))
    listed = ledger.query("anchoring", "list_by_org", {"org_id": support.HRSS.id})
    assert sorted(a["root"] for a in listed) == sorted([ROOT, OTHER_ROOT])
    limited = ledger.query("anchoring", "list_by_org", {"org_id": support.HRSS.id, "limit": 1})
    assert len(limited) == 1
    assert ledger.query("anchoring", "list_by_org", {"org_id": support.PSB.id}) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_documented_kind_is_accepted(kind: str) -> None:
    ledger = support.Ledger()
    result = ledger.call(support.HRSS, "anchoring.anchor", anchor_args(kind=kind))
    assert dict(result.events[0].attrs)["kind"] == kind


def test_a_root_is_anchored_once_even_by_another_member() -> None:
    ledger = support.Ledger()
    first_height = ledger.height
    ledger.call(support.HRSS, "anchoring.anchor", anchor_args())
    again = ledger.reject(support.HRSS, "anchoring.anchor", anchor_args(), "already_exists")
    assert again.message == f"anchor an{ROOT} was anchored at height {first_height}"
    other = ledger.reject(support.BANK, "anchoring.anchor", anchor_args(count=9), "already_exists")
    assert f"height {first_height}" in other.message
    assert ledger.query("anchoring", "get", {"anchor_id": "an" + ROOT})["org"] == support.HRSS.id


@pytest.mark.parametrize("sender", [support.STRANGER_KEY, support.ALICE_KEY, b"\x01" * 7])
def test_only_a_member_organisation_anchors(sender: bytes) -> None:
    ledger = support.Ledger()
    error = ledger.reject(sender, "anchoring.anchor", anchor_args(), "permission_denied")
    assert error.message == "only a member organisation may anchor evidence"


@pytest.mark.parametrize(
    "root",
    [ROOT[:-2], ROOT + "00", ROOT.upper(), "g" * 64, "", "an" + ROOT],
    ids=["short", "long", "upper", "not-hex", "empty", "anchor-id"],
)
def test_a_root_must_be_a_digest(root: str) -> None:
    ledger = support.Ledger()
    error = ledger.reject(
        support.HRSS, "anchoring.anchor", anchor_args(root=root), "invalid_argument"
    )
    assert error.message == "root must be 64 lowercase hex digits"


def test_an_unknown_kind_is_refused_naming_the_list() -> None:
    ledger = support.Ledger()
    error = ledger.reject(
        support.HRSS, "anchoring.anchor", anchor_args(kind="gossip"), "invalid_argument"
    )
    assert error.message == f"kind must be one of {', '.join(sorted(KINDS))}"


@pytest.mark.parametrize("count", [0, -1, limits.ANCHOR_FACTS_MAX + 1])
def test_a_batch_has_one_to_the_bounded_number_of_facts(count: int) -> None:
    ledger = support.Ledger()
    error = ledger.reject(
        support.HRSS, "anchoring.anchor", anchor_args(count=count), "invalid_argument"
    )
    assert error.message == f"count must be between 1 and {limits.ANCHOR_FACTS_MAX}"


def test_the_largest_batch_is_accepted() -> None:
    ledger = support.Ledger()
    result = ledger.call(
        support.HRSS, "anchoring.anchor", anchor_args(count=limits.ANCHOR_FACTS_MAX)
    )
    assert dict(result.events[0].attrs)["count"] == limits.ANCHOR_FACTS_MAX


@pytest.mark.parametrize(
    ("case_ref", "why"),
    [
        ("370102199003074528", "digits in a row"),
        ("张晓梅 138.0531.0123", "a mobile number"),
        ("(0531)8866-1234 ext", "a telephone number"),
        ("case of zhang@example.com", "e-mail address"),
        ("山东省济南市历下区泉城路188号 张晓梅", "a name with an address"),
        ("", "must be 1 to 64 characters"),
        ("x" * (limits.CASE_REF_LENGTH_MAX + 1), "must be 1 to 64 characters"),
        ("   ", "must not be blank"),
        ("case\u200b1", "control or invisible"),
    ],
)
def test_a_case_reference_with_personal_data_or_malformed_is_refused(
    case_ref: str, why: str
) -> None:
    ledger = support.Ledger()
    error = ledger.reject(
        support.HRSS, "anchoring.anchor", anchor_args(case_ref=case_ref), "invalid_argument"
    )
    assert error.message.startswith("case_ref ")
    assert why in error.message


def test_admission_refuses_what_the_contract_would_before_a_block() -> None:
    personal = get_admission_refusal(
        "anchoring", "anchor", anchor_args(case_ref="张晓梅 138.0531.0123")
    )
    assert personal is not None and personal.code == "personal_data"
    bad_root = get_admission_refusal("anchoring", "anchor", anchor_args(root="x"))
    assert bad_root is not None and bad_root.code == "invalid_argument"
    extra = get_admission_refusal("anchoring", "anchor", {**anchor_args(), "holder": "x"})
    assert extra is not None and "not declared" in extra.message
    assert get_admission_refusal("anchoring", "anchor", anchor_args()) is None


def test_missing_and_unexpected_arguments_are_refused() -> None:
    ledger = support.Ledger()
    args = anchor_args()
    del args["case_ref"]
    missing = ledger.reject(support.HRSS, "anchoring.anchor", args, "invalid_argument")
    assert missing.message == "missing argument 'case_ref'"
    extra = ledger.reject(
        support.HRSS, "anchoring.anchor", {**anchor_args(), "note": "x"}, "invalid_argument"
    )
    assert extra.message.startswith("unexpected argument")


def test_queries_refuse_bad_ids_and_report_unknown_anchors() -> None:
    ledger = support.Ledger()
    with pytest.raises(Exception, match="not_found: no anchor an"):
        ledger.query("anchoring", "get", {"anchor_id": "an" + ROOT})
    with pytest.raises(Exception, match="anchor_id must be 'an' followed by 64 hex digits"):
        ledger.query("anchoring", "get", {"anchor_id": ROOT})


def test_a_call_is_about_its_anchor_even_when_refused() -> None:
    assert subjects_of("anchor", anchor_args()) == ("an" + ROOT,)
    assert subjects_of("anchor", anchor_args(root="short")) == ()
    assert subjects_of("anchor", {"root": 7}) == ()
    assert subjects_of("list_by_org", {"org_id": "hrss-wh"}) == ("hrss-wh",)


def test_anchor_ids_are_the_root_behind_a_prefix() -> None:
    assert anchor_id_of(ROOT) == "an" + ROOT
    assert is_anchor_id("an" + ROOT)
    assert not is_anchor_id("an" + ROOT + "0")
    assert not is_anchor_id("hd" + ROOT)
    assert not is_anchor_id("an" + ROOT.upper())


def test_an_sm2_sm3_chain_anchors_alike() -> None:
    organisations = sm_organisations()
    hrss = next(o for o in organisations if o.id == support.HRSS.id)
    ledger = support.Ledger(organisations, suite=SM2_SM3)
    root = SM2_SM3.hash(b"facts").hex()
    result = ledger.call(hrss, "anchoring.anchor", anchor_args(root=root))
    assert result.events[0].subjects == ("an" + root, hrss.id)
