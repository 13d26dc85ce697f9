"""A holder's activity feed (使用知情, wallet/routers/holders.py) shows what concerns them
from parties with standing: every accepted transaction on their records, and the refused
attempts of the holder or of a party the chain let act on their records (an agency reading
past its grant). A refusal from anyone else that merely names the holder stays in the
chain's audit trace for auditors, not in the holder's feed: otherwise anyone could fill it.
"""

from __future__ import annotations

from proto import ledger_pb2, node_pb2

from .wallet_support import Wallet

STRANGER = "hd" + "5" * 40


def accepted(height: int, actor: str, event: str) -> node_pb2.AuditEntry:
    return node_pb2.AuditEntry(
        height=height,
        actor=actor,
        contract=event.split(".")[0],
        ok=True,
        event=ledger_pb2.Event(name=event),
    )


def refused(height: int, actor: str, call: str) -> node_pb2.AuditEntry:
    contract, method = call.split(".")
    return node_pb2.AuditEntry(
        height=height,
        actor=actor,
        contract=contract,
        method=method,
        ok=False,
        error_code="permission_denied",
        error_message="not yours",
    )


def feed(wallet: Wallet, holder: str, **params: int) -> list[tuple[str, str, bool]]:
    token = wallet.sign_in(holder).json()["token"]
    resp = wallet.http.request(
        "GET",
        f"/v1/holders/{holder}/activity",
        headers={"Authorization": f"Bearer {token}"},
        params=params,
    )
    assert resp.status_code == 200, resp.text
    return [(e["actor"], e["action"], e["ok"]) for e in resp.json()]


def test_refusals_from_parties_without_standing_stay_out_of_the_feed(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    wallet.ledger.traces[holder] = [
        accepted(1, "edu", "certificate.issued"),
        accepted(2, "bank", "consent.requested"),
        refused(3, "mallory", "consent.access"),  # another agency tries the bank's request
        accepted(4, holder, "consent.granted"),
        refused(5, STRANGER, "consent.grant"),  # someone else's key answers for the holder
        accepted(6, "bank", "consent.accessed"),
        refused(7, "bank", "consent.access"),  # past its grant: the holder should know
        refused(8, holder, "archives.claim"),  # the holder's own mistake
    ]
    assert feed(wallet, holder) == [
        (holder, "archives.claim", False),
        ("bank", "consent.access", False),
        ("bank", "consent.accessed", True),
        (holder, "consent.granted", True),
        ("bank", "consent.requested", True),
        ("edu", "certificate.issued", True),
    ]


def test_refusals_cannot_crowd_the_feed_within_its_limit(wallet: Wallet) -> None:
    """The limit counts what the holder is shown, not the refusals left out of it."""
    holder = wallet.new_holder()
    wallet.ledger.traces[holder] = [
        accepted(1, "edu", "certificate.issued"),
        *[refused(2 + i, "mallory", "consent.access") for i in range(5)],
        accepted(9, "bank", "consent.requested"),
    ]
    assert feed(wallet, holder, limit=2) == [
        ("bank", "consent.requested", True),
        ("edu", "certificate.issued", True),
    ]
