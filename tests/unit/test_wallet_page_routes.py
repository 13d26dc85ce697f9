"""The routes the citizen's page added for its screens (issue 12): a holder's corrections
(`GET /v1/holders/{id}/archive/corrections`, what 我的档案 follows until the source answers)
and the archive record categories (`GET /v1/catalogue/categories`, public, to name records).
Each is one contract read; the wallet asks the node only for the session holder's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .wallet_support import Wallet, running_wallet


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(tmp_path) as w:
        yield w


def _reads(wallet: Wallet, answer: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Make the node answer `answer` to archive reads; the reads it was asked, in order."""
    asked: list[tuple[str, str, dict[str, Any]]] = []
    query = wallet.ledger.query

    def archive_query(contract: str, method: str, **args: Any) -> Any:
        if contract != "archives":
            return query(contract, method, **args)
        asked.append((contract, method, args))
        return answer

    wallet.ledger.query = archive_query  # type: ignore[method-assign]
    return asked


def test_the_holders_corrections_come_from_the_chain_by_subject(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    found = [{"correction_id": "cor-1", "status": "refused", "resolution": "complete"}]
    asked = _reads(wallet, found)
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/v1/holders/{holder}/archive/corrections"
    resp = wallet.http.request("GET", path, headers=auth)
    assert resp.status_code == 200, resp.text
    assert resp.json() == found
    resp = wallet.http.request("GET", f"{path}?status=pending", headers=auth)
    assert resp.status_code == 200, resp.text
    assert asked == [
        ("archives", "corrections_by_subject", {"subject": holder, "limit": 1000}),
        (
            "archives",
            "corrections_by_subject",
            {"subject": holder, "limit": 1000, "status": "pending"},
        ),
    ]


def test_another_holders_corrections_or_a_bad_status_are_refused_before_the_node(
    wallet: Wallet,
) -> None:
    holder, other = wallet.new_holder(), wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    asked = _reads(wallet, [])
    auth = {"Authorization": f"Bearer {token}"}
    resp = wallet.http.request("GET", f"/v1/holders/{other}/archive/corrections", headers=auth)
    assert resp.status_code in (401, 403)
    path = f"/v1/holders/{holder}/archive/corrections?status=answered"
    assert wallet.http.request("GET", path, headers=auth).status_code == 422
    resp = wallet.http.request("GET", f"/v1/holders/{holder}/archive/corrections")
    assert resp.status_code == 401
    assert asked == []


def test_the_categories_are_public_and_the_chains(wallet: Wallet) -> None:
    names = [{"id": "social_security", "name_zh": "社保", "name_en": "Social security"}]
    asked = _reads(wallet, names)
    resp = wallet.http.request("GET", "/v1/catalogue/categories")
    assert resp.status_code == 200, resp.text
    assert resp.json() == names
    assert asked == [("archives", "categories", {})]
