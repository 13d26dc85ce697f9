"""A ledger written in another block format is refused at open with one line, untouched
(node/ledger/store.py BLOCK_FORMAT), instead of continuing a chain whose hashes differ."""

from __future__ import annotations

from pathlib import Path

import plyvel
import pytest

from node.ledger.store import BLOCK_FORMAT, META_FORMAT, META_TIP, StorageError, Store
from suites import ED25519_SHA256


def _raw(path: Path) -> plyvel.DB:
    return plyvel.DB(str(path))


def test_a_new_ledger_is_marked_with_the_format_and_opens_again(tmp_path: Path) -> None:
    Store(tmp_path / "db", ED25519_SHA256).close()
    db = _raw(tmp_path / "db")
    assert db.get(META_FORMAT) == BLOCK_FORMAT
    db.close()
    Store(tmp_path / "db", ED25519_SHA256).close()


@pytest.mark.parametrize(("marker", "named"), ((None, "block format 1"), (b"3", "format 3")))
def test_a_ledger_of_another_format_is_refused_and_left_as_it_was(
    tmp_path: Path, marker: bytes | None, named: str
) -> None:
    db = _raw_created(tmp_path / "db")
    db.put(META_TIP, b"\x00" * 8)  # it holds blocks
    if marker is not None:
        db.put(META_FORMAT, marker)
    before = dict(db.iterator())
    db.close()
    with pytest.raises(StorageError, match=named) as refused:
        Store(tmp_path / "db", ED25519_SHA256)
    assert "start a new chain" in str(refused.value)
    db = _raw(tmp_path / "db")
    assert dict(db.iterator()) == before
    db.close()


def _raw_created(path: Path) -> plyvel.DB:
    return plyvel.DB(str(path), create_if_missing=True)
