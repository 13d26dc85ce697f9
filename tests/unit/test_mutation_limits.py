"""The relations between the consensus limits, each at its exact edge (issue 19,
docs/mutation.md). `_check_relations` runs at import; here each limit is set one step inside
and one step outside its relation with the others at their shipped values.
"""

from __future__ import annotations

import pytest

from consensus import limits

WINDOW_FLOOR = 2 * limits.CHECKPOINT_INTERVAL_DEFAULT
BUFFER_FLOOR = limits.MESSAGES_PER_SENDER_PER_HEIGHT_MAX * limits.WINDOW_HEIGHTS_MAX

# (limit, the last value that fits, the first that does not)
EDGES = [
    ("CHAIN_ID_BYTES_MAX", 0xFFFF, 0x10000),
    ("VALIDATOR_ID_BYTES_MAX", 0xFFFF, 0x10000),
    ("SIGNATURE_BYTES_MAX", 0xFFFF, 0x10000),
    (
        "SIGNATURE_BYTES_MAX",
        limits.SUITE_SIGNATURE_BYTES_MAX,
        limits.SUITE_SIGNATURE_BYTES_MAX - 1,
    ),
    ("DIGEST_BYTES", 32, 33),
    ("DIGEST_BYTES", 32, 31),
    ("VOTES_PER_CERTIFICATE_MAX", 0xFFFF, 0x10000),
    ("VIEW_CHANGES_PER_NEW_VIEW_MAX", 0xFFFF, 0x10000),
    ("BUFFERED_MESSAGES_PER_SENDER_MAX", BUFFER_FLOOR, BUFFER_FLOOR - 1),
    ("WINDOW_HEIGHTS_DEFAULT", WINDOW_FLOOR, WINDOW_FLOOR - 1),
    ("WINDOW_HEIGHTS_DEFAULT", limits.WINDOW_HEIGHTS_MAX, limits.WINDOW_HEIGHTS_MAX + 1),
    ("WINDOW_HEIGHTS_MAX", limits.WINDOW_HEIGHTS_DEFAULT, limits.WINDOW_HEIGHTS_DEFAULT - 1),
    (
        "CHECKPOINT_INTERVAL_DEFAULT",
        limits.WINDOW_HEIGHTS_DEFAULT // 2,
        limits.WINDOW_HEIGHTS_DEFAULT // 2 + 1,
    ),
    ("RECENT_HEIGHTS_RETAINED", 1, 0),
    ("CHECKPOINT_INTERVAL_MIN", 1, 0),
    ("CATCH_UP_BACKOFF_INTERVALS_MAX", 1, 0),
    ("VIEW_AHEAD_MAX", 1, 0),
    ("OLD_VIEW_COMMITS_PER_SENDER_MAX", 1, 0),
    ("VIEW_CHANGE_TIMEOUT_DOUBLINGS_MAX", 0, -1),
    ("VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT", 1, 0),
    ("VALIDATOR_SETS_KEPT_MAX", limits.SCHEDULED_SETS_MAX + 1, limits.SCHEDULED_SETS_MAX),
    ("SIGNERS_MAX", 2, 1),
]


def test_the_shipped_limits_fit_together() -> None:
    assert limits._check_relations() is None  # raises AssertionError otherwise


@pytest.mark.parametrize(("name", "fits", "breaks"), EDGES, ids=[f"{e[0]}={e[2]}" for e in EDGES])
def test_each_relation_holds_exactly_up_to_its_edge(
    monkeypatch: pytest.MonkeyPatch, name: str, fits: int, breaks: int
) -> None:
    monkeypatch.setattr(limits, name, fits)
    limits._check_relations()
    monkeypatch.setattr(limits, name, breaks)
    with pytest.raises(AssertionError):
        limits._check_relations()
