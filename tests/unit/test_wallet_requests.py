"""Answering an agency's request in the wallet (grant, refuse, revoke): the session is
checked before the node is asked anything, and a request addressed to another holder is
404 unless the caller acts for that holder (on_behalf_of; the contract then decides).

The routes run in FastAPI with a fake ledger; the integration tests run them against a
devnet (tests/integration/test_rejections.py, test_enterprise_agents.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from suites import ED25519_SHA256
from wallet.routers import holders
from wallet.sessions import Sessions
from wallet.store import WalletStore

OWNER = "hd" + "1" * 40
REQUEST_ID = "req-0000000001"


@dataclass
class Landed:
    tx_hash: bytes
    height: int


class FakeLedger:
    """A chain holding one pending request, addressed to OWNER; it counts what is asked."""

    suite = ED25519_SHA256

    def __init__(self) -> None:
        self.queries = 0
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def query(self, contract: str, method: str, **args: Any) -> Any:
        self.queries += 1
        if (contract, method) == ("consent", "get") and args == {"request_id": REQUEST_ID}:
            return {"request_id": REQUEST_ID, "holder": OWNER, "status": "pending"}
        raise AssertionError(f"unexpected query {contract}.{method} {args}")

    def call(self, keypair: KeyPair, contract: str, method: str, args: Any) -> Landed:
        self.calls.append((contract, method, dict(args)))
        return Landed(b"\x01" * 32, 7)


class Http:
    """Calls the app in-process over ASGI, as a wallet client would over HTTP."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def post(self, path: str, **kw: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://wallet") as c:
                return await c.post(path, **kw)

        return asyncio.run(send())


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[Http, FakeLedger, Sessions]]:
    app = FastAPI()
    app.include_router(holders.router)
    ledger = FakeLedger()
    sessions = Sessions(idle_s=60, lifetime_s=600, max_sessions=10)
    app.state.ledger = ledger
    app.state.sessions = sessions
    app.state.store = WalletStore(tmp_path / "db", ED25519_SHA256)
    try:
        yield Http(app), ledger, sessions
    finally:
        app.state.store.close()


def opened(sessions: Sessions, holder_id: str | None = None) -> tuple[str, dict[str, str]]:
    """A holder with an open session: its id and the header that carries the token."""
    keypair = KeyPair.generate()
    holder = holder_id or holder_id_for(keypair.public_key)
    token = sessions.open(holder, keypair.seed)
    return holder, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("answer", ["grant", "refuse", "revoke"])
def test_no_session_is_refused_before_the_node_is_asked(
    client: tuple[Http, FakeLedger, Sessions], answer: str
) -> None:
    http, ledger, _ = client
    resp = http.post(f"/v1/holders/{OWNER}/requests/{REQUEST_ID}/{answer}", json={})
    assert resp.status_code == 401
    assert ledger.queries == 0 and ledger.calls == []


@pytest.mark.parametrize("answer", ["grant", "refuse", "revoke"])
def test_another_holders_request_is_not_found(
    client: tuple[Http, FakeLedger, Sessions], answer: str
) -> None:
    http, ledger, sessions = client
    stranger, auth = opened(sessions)
    resp = http.post(
        f"/v1/holders/{stranger}/requests/{REQUEST_ID}/{answer}", json={}, headers=auth
    )
    assert resp.status_code == 404
    assert ledger.calls == []


@pytest.mark.parametrize("answer", ["refuse", "revoke"])
def test_the_holder_and_one_acting_for_them_answer(
    client: tuple[Http, FakeLedger, Sessions], answer: str
) -> None:
    http, ledger, sessions = client
    _, auth = opened(sessions, OWNER)
    path = f"/v1/holders/{OWNER}/requests/{REQUEST_ID}/{answer}"
    assert http.post(path, headers=auth).json() == {"tx_hash": "01" * 32, "height": 7}
    guardian, guardian_auth = opened(sessions)
    behalf = {"on_behalf_of": OWNER}
    path = f"/v1/holders/{guardian}/requests/{REQUEST_ID}/{answer}"
    assert http.post(path, headers=guardian_auth, params=behalf).status_code == 200
    assert ledger.calls == [("consent", answer, {"request_id": REQUEST_ID})] * 2
