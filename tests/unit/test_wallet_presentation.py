"""Presenting a copy of another holder's certificate (亮证 by a guardian or an enterprise's
agent) needs a consent delegation from that holder in force. A copy whose delegation has
lapsed (expired, or revoked outside this wallet) is refused and withdrawn, but a node out
of reach withdraws nothing.

The route is called as FastAPI would call it, with a fake ledger that answers the two reads
it makes; the store (LevelDB), the session and the sealing are the wallet's own. The in-force path also runs for real, against a
devnet, in tests/integration/test_enterprise_agents.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import HTTPException

from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.sdk.client import ClientError
from node.sdk.documents import new_document
from node.sdk.presentation import TTL_MS_DEFAULT, read_presentation
from node.sdk.sealing import seal_to
from suites import ED25519_SHA256
from wallet.routers import holders
from wallet.sessions import Session
from wallet.store import WalletStore

PRINCIPAL = "hd" + "1" * 40
NOW_MS = 1_767_225_600_000
CERT_ID = "cert-guardian-copy-1"
FIELDS = {  # a resident ID card's fields; off the chain, sealed in the wallet
    "holder_name": "李娜 Li Na",
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "2012-05-01",
    "address": "上海市浦东新区世纪大道 100 号",
    "id_number": "310115201205010020",
    "issuing_authority": "上海市公安局浦东分局",
    "valid_from": "2022-05-01",
    "valid_until": "2027-05-01",
}


class FakeLedger:
    """The chain's answers: the certificate belongs to PRINCIPAL; `delegations` are the
    delegate's in force."""

    suite = ED25519_SHA256

    def __init__(self) -> None:
        self.delegations: list[dict[str, Any]] = []
        self.unreachable = False

    def query(self, contract: str, method: str, **args: Any) -> Any:
        if self.unreachable:
            raise ClientError("UNAVAILABLE", "connection refused")
        if (contract, method) == ("certificates", "status"):
            assert args == {"cert_id": CERT_ID}
            return {"cert_id": CERT_ID, "holder": PRINCIPAL, "status": "valid"}
        if (contract, method) == ("delegation", "list_by_holder"):
            assert args["side"] == "delegate" and args["in_force"] is True
            return self.delegations
        raise AssertionError(f"unexpected query {contract}.{method}")


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[tuple[FakeLedger, WalletStore, Session]]:
    guardian = KeyPair.generate()
    session = Session(holder_for(guardian), guardian.seed)
    store = WalletStore(tmp_path / "db", ED25519_SHA256)
    doc = new_document(CERT_ID, "resident_id_card", FIELDS)
    sealed = seal_to(guardian.public_key, json.dumps(doc).encode())
    store.put_document(session.holder_id, CERT_ID, sealed)
    try:
        yield FakeLedger(), store, session
    finally:
        store.close()


def holder_for(keypair: KeyPair) -> str:
    return holder_id_for(keypair.public_key)


def present(ledger: FakeLedger, store: WalletStore, session: Session) -> dict[str, Any]:
    return holders.present(
        session.holder_id,
        CERT_ID,
        holders.PresentationIn(fields=["birth_date"]),
        session,
        store,
        ledger,  # type: ignore[arg-type]
        FixedClock(),
    )


class FixedClock:
    def monotonic_s(self) -> float:
        return 0.0

    def now_ms(self) -> int:
        return NOW_MS


def refusal(ledger: FakeLedger, store: WalletStore, session: Session) -> HTTPException:
    """The error the presentation ends in (it must end in one)."""
    with pytest.raises(HTTPException) as info:
        present(ledger, store, session)
    return info.value


def test_a_delegate_in_force_presents_the_copy(
    wallet: tuple[FakeLedger, WalletStore, Session],
) -> None:
    ledger, store, session = wallet
    ledger.delegations = [{"principal": PRINCIPAL, "actions": ["consent"]}]
    shown = present(ledger, store, session)
    p = read_presentation(shown["presentation"])
    assert p.cert_id == CERT_ID and p.holder == session.holder_id  # the delegate signs
    assert [(f.name, f.value) for f in p.fields] == [("birth_date", FIELDS["birth_date"])]
    assert shown["expires_at_ms"] == p.expires_at_ms == NOW_MS + TTL_MS_DEFAULT
    assert shown["qr_svg"].startswith("<svg")
    assert store.get_document(session.holder_id, CERT_ID) is not None


@pytest.mark.parametrize(
    "delegations",
    [
        [],  # expired, or revoked through another wallet or the CLI
        [{"principal": "hd" + "9" * 40, "actions": ["consent"]}],  # for someone else
        [{"principal": PRINCIPAL, "actions": ["archives"]}],  # without the consent power
    ],
)
def test_a_lapsed_delegation_withdraws_the_copy(
    wallet: tuple[FakeLedger, WalletStore, Session],
    delegations: list[dict[str, Any]],
) -> None:
    ledger, store, session = wallet
    ledger.delegations = delegations
    refused = refusal(ledger, store, session)
    assert refused.status_code == 403
    assert "delegation in force" in refused.detail
    assert store.get_document(session.holder_id, CERT_ID) is None
    assert refusal(ledger, store, session).status_code == 404


def test_a_node_out_of_reach_withdraws_nothing(
    wallet: tuple[FakeLedger, WalletStore, Session],
) -> None:
    ledger, store, session = wallet
    ledger.unreachable = True
    assert refusal(ledger, store, session).status_code == 503
    assert store.get_document(session.holder_id, CERT_ID) is not None
    ledger.unreachable = False
    ledger.delegations = [{"principal": PRINCIPAL, "actions": ["consent"]}]
    assert read_presentation(present(ledger, store, session)["presentation"]).cert_id == CERT_ID


def test_the_qr_svg_scales_to_the_screen_instead_of_being_clipped() -> None:
    """With segno's fixed width and height (372 px for a version-17 code) a 360-px phone
    showed only part of the code, two finder patterns cut off: nothing could scan it."""
    from wallet.qr import render_qr_svg

    svg = render_qr_svg("TLP1." + "A" * 480)
    head = svg[: svg.index(">")]
    assert 'viewBox="0 0 ' in head
    assert " width=" not in head and " height=" not in head
