"""The wallet's service routes authenticate their callers by signed requests checked
against the CAs on the chain (wallet/callers.py, docs/wallet-requests.md): an issuer
delivering a certificate, an agency collecting a disclosure. Every kind of caller is tried
on both routes: unsigned, a CA the chain does not hold, a CA impersonating a member, an
expired or revoked certificate, a tampered or replayed or stale request, the wrong role,
the wrong organisation, and the right one. Each refusal is asserted with its status, and
with nothing changed in the wallet; each allowance with its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.chain import pki
from node.sdk.wallet_requests import new_nonce, sign_headers
from wallet import limits
from wallet.callers import CallerRefused, NonceMemory

from .wallet_support import Org, Wallet, diploma, record_on_chain, running_wallet

ACCESS_TX = bytes.fromhex("ab" * 32)
REQUEST_ID = "req-disclose-0001"
CERT_ID = "cert-delivery-0001"
ANNOTATION = {"signed": "c2lnbmVk", "signature": "c2lnbmF0dXJl"}  # handed out as stored


@dataclass
class World:
    wallet: Wallet
    orgs: dict[str, Org]
    holder: str
    doc: dict[str, Any]

    @property
    def now(self) -> dt.datetime:
        return self.wallet.clock.now()

    def creds(self, org: str, role: str) -> tuple[bytes, bytes]:
        return self.orgs[org].issue(role, self.now)

    def deliver(self, creds: tuple[bytes, bytes] | None, **kw: Any) -> httpx.Response:
        path = f"/v1/holders/{self.holder}/certificates"
        body = {"document": self.doc}
        if creds is None:
            return self.wallet.http.request("POST", path, json=body)
        now_ms = kw.pop("now_ms", self.wallet.clock.now_ms())
        return self.wallet.http.signed(creds, "POST", path, now_ms, json=body, **kw)

    def disclose(
        self, creds: tuple[bytes, bytes] | None, request_id: str = REQUEST_ID, **kw: Any
    ) -> httpx.Response:
        path = f"/v1/disclosures/{request_id}"
        params = {"access_tx": ACCESS_TX.hex()}
        if creds is None:
            return self.wallet.http.request("GET", path, params=params)
        now_ms = kw.pop("now_ms", self.wallet.clock.now_ms())
        return self.wallet.http.signed(creds, "GET", path, now_ms, params=params, **kw)

    def delivered(self) -> bool:
        return self.wallet.store.get_document(self.holder, CERT_ID) is not None


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with running_wallet(tmp_path) as wallet:
        ca_time = wallet.clock.now() - dt.timedelta(days=10)
        orgs = {o: Org.make(o, ca_time) for o in ("edu", "psb", "bank", "insurer")}
        orgs["rogue"] = Org.make("rogue", ca_time)  # its CA is on no chain
        for member in ("edu", "bank"):  # a second CA calling itself a member
            orgs[f"fake-{member}"] = Org.make(member, ca_time)
        wallet.ledger.cas = {o: orgs[o].ca_pem for o in ("edu", "psb", "bank", "insurer")}
        holder = wallet.new_holder()
        doc = diploma(CERT_ID)
        record_on_chain(wallet.ledger, doc, "edu", holder)
        wallet.store.put_share(
            REQUEST_ID, {"agency": "bank", "sealed": "5ea1ed", "annotation": ANNOTATION}
        )
        wallet.ledger.commit_access(REQUEST_ID, ACCESS_TX)
        yield World(wallet, orgs, holder, doc)


Caller = Callable[[World, str], "tuple[bytes, bytes] | None"]
"""Credentials of a kind of caller, given the organisation and role the route wants."""


def right(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.creds(org, role)


def expired(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.orgs[org].issue(role, w.now - dt.timedelta(days=3), days=1)


def not_yet_valid(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.orgs[org].issue(role, w.now + dt.timedelta(days=1))


def revoked(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    creds = w.creds(org, role)
    w.wallet.ledger.revoked[org] = {pki.get_identity(creds[0]).serial}
    return creds


def other_key(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    """A member's certificate, signed with the key of another of its certificates."""
    return w.creds(org, role)[0], w.creds(org, role)[1]


def unknown_ca(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.orgs["rogue"].issue(role, w.now)


def impostor_ca(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.orgs[f"fake-{org}"].issue(role, w.now)


def other_org(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.creds({"edu": "psb", "bank": "insurer"}[org], role)


def other_role(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.creds(org, "admin" if role == "issuer" else "issuer")


def auditor(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.creds(org, "auditor")


def wallet_role(w: World, org: str, role: str) -> tuple[bytes, bytes]:
    return w.creds(org, "wallet")


def unsigned(w: World, org: str, role: str) -> None:
    return None


CASES: list[tuple[str, Caller, int, str]] = [
    ("unsigned", unsigned, 401, "unsigned request"),
    ("unknown CA", unknown_ca, 401, "has no CA in force"),
    ("impostor CA", impostor_ca, 401, "not signed by the CA"),
    ("expired", expired, 401, "expired"),
    ("not yet valid", not_yet_valid, 401, "not valid before"),
    ("revoked", revoked, 401, "revoked"),
    ("signed with another key", other_key, 401, "does not verify"),
    ("wrong organisation", other_org, 403, "another organisation"),
    ("wrong role", other_role, 403, "needs a certificate with role"),
    ("auditor", auditor, 403, "needs a certificate with role"),
    ("wallet", wallet_role, 403, "needs a certificate with role"),
]


@pytest.mark.parametrize(("kind", "caller", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_delivery_refusals(
    world: World, kind: str, caller: Caller, status: int, message: str
) -> None:
    resp = world.deliver(caller(world, "edu", "issuer"))
    assert resp.status_code == status, resp.text
    assert message in resp.json()["detail"]
    if status == 401:
        assert resp.headers["WWW-Authenticate"] == "TrustLedger-Signature"
    assert not world.delivered()


@pytest.mark.parametrize(("kind", "caller", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_disclosure_refusals(
    world: World, kind: str, caller: Caller, status: int, message: str
) -> None:
    creds = caller(world, "bank", "verifier")
    resp = world.disclose(creds)
    assert resp.status_code == status, resp.text
    assert message in resp.json()["detail"]
    assert "sealed_document" not in resp.text
    assert world.wallet.store.get_share(REQUEST_ID) is not None


def test_the_issuer_delivers(world: World) -> None:
    resp = world.deliver(world.creds("edu", "issuer"))
    assert resp.status_code == 201, resp.text
    assert resp.json()["cert_id"] == CERT_ID
    assert world.delivered()


def test_the_granted_agency_collects(world: World) -> None:
    resp = world.disclose(world.creds("bank", "verifier"))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "request_id": REQUEST_ID,
        "agency": "bank",
        "sealed_document": "5ea1ed",
        "annotation": ANNOTATION,
    }


def test_a_wrong_role_learns_nothing_of_the_resource(world: World) -> None:
    """The role is checked before the share or the chain is read: no 404 tells an issuer
    which requests exist."""
    resp = world.disclose(world.creds("edu", "issuer"), request_id="req-nothing-0001")
    assert resp.status_code == 403
    assert world.disclose(world.creds("bank", "verifier"), "req-nothing-0001").status_code == 404


@pytest.mark.parametrize(
    "skew_ms", [-limits.SIGNED_REQUEST_WINDOW_MS - 1, limits.SIGNED_REQUEST_WINDOW_MS + 1]
)
def test_a_stale_or_future_request_is_refused(world: World, skew_ms: int) -> None:
    now_ms = world.wallet.clock.now_ms()
    resp = world.deliver(world.creds("edu", "issuer"), now_ms=now_ms + skew_ms)
    assert resp.status_code == 401 and "timestamp" in resp.json()["detail"]
    assert not world.delivered()
    edge = limits.SIGNED_REQUEST_WINDOW_MS * (1 if skew_ms > 0 else -1)
    assert world.deliver(world.creds("edu", "issuer"), now_ms=now_ms + edge).status_code == 201


def test_a_replayed_request_is_refused(world: World) -> None:
    creds = world.creds("bank", "verifier")
    assert world.disclose(creds, nonce="replayed-nonce-0001").status_code == 200
    again = world.disclose(creds, nonce="replayed-nonce-0001")
    assert again.status_code == 401 and "replayed" in again.json()["detail"]
    assert world.disclose(creds, nonce="replayed-nonce-0002").status_code == 200


def test_a_tampered_request_does_not_verify(world: World) -> None:
    creds = world.creds("edu", "issuer")
    now_ms = world.wallet.clock.now_ms()
    path = f"/v1/holders/{world.holder}/certificates"
    request = httpx.Request("POST", f"http://wallet{path}", json={"document": world.doc})
    headers = sign_headers(creds[0], creds[1], "POST", path, request.content, now_ms, new_nonce())
    tampered = {**world.doc, "fields": {**world.doc["fields"], "degree": "PhD"}}
    resp = world.wallet.http.request("POST", path, json={"document": tampered}, headers=headers)
    assert resp.status_code == 401 and "does not verify" in resp.json()["detail"]
    other_holder = world.wallet.new_holder()
    resp = world.wallet.http.request(
        "POST",
        f"/v1/holders/{other_holder}/certificates",
        content=request.content,
        headers={**headers, "content-type": "application/json"},
    )
    assert resp.status_code == 401
    assert not world.delivered()


def test_a_revocation_is_in_force_once_the_trust_cache_renews(world: World) -> None:
    creds = world.creds("bank", "verifier")
    assert world.disclose(creds).status_code == 200
    world.wallet.ledger.revoked["bank"] = {pki.get_identity(creds[0]).serial}
    assert world.disclose(creds).status_code == 200  # read from the chain under 5 s ago
    assert world.wallet.ledger.trust_reads == 1
    world.wallet.clock.advance(limits.TRUST_CACHE_S)
    resp = world.disclose(creds)
    assert resp.status_code == 401 and "revoked" in resp.json()["detail"]
    assert world.wallet.ledger.trust_reads == 2


def test_an_organisation_removed_from_the_chain_is_refused(world: World) -> None:
    creds = world.creds("edu", "issuer")
    del world.wallet.ledger.cas["edu"]
    resp = world.deliver(creds)
    assert resp.status_code == 401 and "no CA in force" in resp.json()["detail"]


def test_an_unreadable_chain_refuses_with_503(world: World) -> None:
    world.wallet.ledger.unreachable = True
    resp = world.disclose(world.creds("bank", "verifier"))
    assert resp.status_code == 503 and "CAs in force" in resp.json()["detail"]


def test_the_nonce_memory_is_bounded() -> None:
    memory = NonceMemory(entries_max=2)
    memory.remember("a", expires_ms=100, now_ms=0)
    memory.remember("b", expires_ms=200, now_ms=0)
    with pytest.raises(CallerRefused) as full:
        memory.remember("c", expires_ms=300, now_ms=50)
    assert full.value.status_code == 503
    with pytest.raises(CallerRefused, match="replayed"):
        memory.remember("b", expires_ms=300, now_ms=150)
    memory.remember("c", expires_ms=300, now_ms=150)  # "a" has left the window


def test_a_document_with_a_wrong_id_number_check_is_refused_and_not_kept(world: World) -> None:
    """GB 11643 at the wallet (issue 17): the issuer's document is refused with the field's
    name, the number is not repeated, and nothing is stored."""
    number = world.doc["fields"]["id_number"]
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    world.doc = {**world.doc, "fields": {**world.doc["fields"], "id_number": wrong}}
    resp = world.deliver(world.creds("edu", "issuer"))
    assert resp.status_code == 422, resp.text
    assert "id_number" in resp.json()["detail"] and wrong not in resp.text
    assert not world.delivered()
