"""The relations between the contracts' limits, each at its exact edge (issue 19,
docs/mutation.md). `check_limits` runs at import, before a mutant is switched on; here each
limit is set to the last value its relation with the others (at their shipped values) admits,
and to the first it refuses.
"""

from __future__ import annotations

import pytest

from contracts.framework import limits

# (limit, the last value that fits, the first that does not)
EDGES = [
    ("ORG_ID_LENGTH_MAX", limits.ORG_ID_LENGTH_MIN, limits.ORG_ID_LENGTH_MIN - 1),
    ("CERT_ID_LENGTH_MAX", limits.CERT_ID_LENGTH_MIN, limits.CERT_ID_LENGTH_MIN - 1),
    ("REQUEST_ID_LENGTH_MAX", limits.REQUEST_ID_LENGTH_MIN, limits.REQUEST_ID_LENGTH_MIN - 1),
    ("MAX_USES_MAX", 1, 0),
    ("MAX_USES_MAX", limits.INT_ARG_MAX, limits.INT_ARG_MAX + 1),
    ("LIST_LIMIT_DEFAULT", 1, 0),
    ("LIST_LIMIT_DEFAULT", limits.LIST_LIMIT_MAX, limits.LIST_LIMIT_MAX + 1),
    ("LIST_LIMIT_MAX", limits.SCAN_LIMIT_MAX, limits.SCAN_LIMIT_MAX + 1),
    ("LIST_LIMIT_MAX", limits.LIST_LIMIT_DEFAULT, limits.LIST_LIMIT_DEFAULT - 1),
    ("SCAN_LIMIT_MAX", limits.REVOKED_SERIALS_MAX + 1, limits.REVOKED_SERIALS_MAX),
    ("FREE_TEXT_DIGIT_RUN_MAX", 8, 7),
    ("FREE_TEXT_DIGIT_RUN_MAX", 10, 11),
    ("ARGS_COUNT_MAX", 11, 10),
    ("JSON_ARG_BRACKETS_MAX", 2 * limits.SCOPE_ITEMS_MAX + 1, 2 * limits.SCOPE_ITEMS_MAX),
    ("VALIDATOR_ACTIVATION_DELAY", 16, 15),
    ("CONTRACT_ACTIVATION_DELAY", 1, 0),
    ("PROPOSAL_TTL_MS_DEFAULT", limits.PROPOSAL_TTL_MS_MAX, limits.PROPOSAL_TTL_MS_MAX + 1),
    ("SHARE_RATING_MIN", 1, 0),
    ("SHARE_RATING_MIN", limits.SHARE_RATING_MAX - 1, limits.SHARE_RATING_MAX),
    ("SHARE_RATING_MAX", limits.SHARE_RATING_MIN + 1, limits.SHARE_RATING_MIN),
    ("SHARE_ANSWER_MS", limits.SHARE_PERIOD_MS_MAX, limits.SHARE_PERIOD_MS_MAX + 1),
    ("SHARE_PERIOD_MS_MAX", limits.SHARE_ANSWER_MS, limits.SHARE_ANSWER_MS - 1),
    ("NAME_LIST_LENGTH_MAX", limits.LIST_LIMIT_MAX, limits.LIST_LIMIT_MAX + 1),
    ("REVOKED_SERIALS_MAX", limits.SCAN_LIMIT_MAX - 1, limits.SCAN_LIMIT_MAX),
    ("ATTEST_SOURCES_MAX", 1, 0),
    ("ATTEST_SOURCES_MAX", limits.NAME_LIST_LENGTH_MAX, limits.NAME_LIST_LENGTH_MAX + 1),
    (
        "CA_CERTIFICATE_PEM_LENGTH_MAX",
        limits.JSON_ARG_LENGTH_MAX,
        limits.JSON_ARG_LENGTH_MAX + 1,
    ),
    (
        "ANCHOR_FACTS_MAX",
        1 << limits.ANCHOR_PATH_LENGTH_MAX,
        (1 << limits.ANCHOR_PATH_LENGTH_MAX) + 1,
    ),
    (
        "ANCHOR_FACTS_MAX",
        1 << limits.ANCHOR_PATH_LENGTH_MAX,
        (1 << limits.ANCHOR_PATH_LENGTH_MAX) - 1,
    ),
    ("ANCHOR_PATH_LENGTH_MAX", 20, 19),
    ("CASE_REF_LENGTH_MAX", limits.ID_LENGTH_MAX, limits.ID_LENGTH_MAX + 1),
]


def test_the_shipped_limits_hold_every_relation() -> None:
    assert limits.get_limit_problems() == []
    limits.check_limits()


@pytest.mark.parametrize(("name", "fits", "fails"), EDGES)
def test_each_relation_at_its_edge(
    monkeypatch: pytest.MonkeyPatch, name: str, fits: int, fails: int
) -> None:
    monkeypatch.setattr(limits, name, fits)
    assert limits.get_limit_problems() == []
    limits.check_limits()
    monkeypatch.setattr(limits, name, fails)
    assert len(limits.get_limit_problems()) == 1
    with pytest.raises(limits.LimitsError):
        limits.check_limits()


def test_every_broken_relation_is_named_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # One problem per relation: breaking several at once names each, none twice.
    monkeypatch.setattr(limits, "ORG_ID_LENGTH_MAX", 1)
    monkeypatch.setattr(limits, "ARGS_COUNT_MAX", 10)
    monkeypatch.setattr(limits, "CONTRACT_ACTIVATION_DELAY", 0)
    problems = limits.get_limit_problems()
    assert len(problems) == 3
    assert len(set(problems)) == 3
