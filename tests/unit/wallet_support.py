"""The wallet app as the service builds it (`create_app` + `attach`), with a fake ledger, a
clock the test moves, and the minimal scrypt preset; real organisation certificates from
`node.chain.pki`, real LevelDB, requests over ASGI as a client would send them over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from contracts.catalogue import CERTIFICATE_TYPES
from node.chain import pki
from node.sdk.client import ClientError
from node.sdk.documents import document_hash, new_document
from node.sdk.wallet_requests import new_nonce, sign_headers
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256, Suite
from tests.unit.catalogue_support import StateClient, catalogue_state
from wallet import passphrases
from wallet.app import attach, create_app
from wallet.settings import WalletSettings
from wallet.store import WalletStore

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
PASSPHRASE = "correct horse battery staple"


class FakeClock:
    """Both of the wallet's clocks, moved by `advance` only."""

    def __init__(self) -> None:
        self.mono_s = 1000.0
        self.wall_ms = START_MS

    def monotonic_s(self) -> float:
        return self.mono_s

    def now_ms(self) -> int:
        return self.wall_ms

    def advance(self, seconds: float) -> None:
        self.mono_s += seconds
        self.wall_ms += int(seconds * 1000)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.wall_ms / 1000, dt.UTC)


CATALOGUE_QUERIES = {
    ("certificates", "type"),
    ("certificates", "types"),
    ("certificates", "purposes"),
}


@dataclass
class FakeLedger:
    """The chain's answers the wallet's routes read: CAs in force, certificates, committed
    transactions. It counts the trust reads, to see the cache at work."""

    chain_id: str = "trustledger-test"
    suite: Suite = ED25519_SHA256
    """The chain's suite: the holder signs with a key of it (as ``LedgerClient.suite``)."""
    cas: dict[str, bytes] = field(default_factory=dict)
    revoked: dict[str, set[int]] = field(default_factory=dict)
    certificates: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: dict[bytes, node_pb2.SubmitResponse] = field(default_factory=dict)
    traces: dict[str, list[node_pb2.AuditEntry]] = field(default_factory=dict)
    """What `audit_trace` answers for a subject, oldest first (as a node's index scan)."""
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What `membership.get` answers, by organisation id."""
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What `consent.get` answers, by request id."""
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What `archives.get` answers, by record id (and `archives.list_by_subject` lists)."""
    attestations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What `attest.get` answers, by attestation id (as the contract's query gives it)."""
    trust_reads: int = 0
    unreachable: bool = False
    catalogue: StateClient = field(default_factory=lambda: StateClient(catalogue_state()))
    """What the catalogue's queries answer: the devnet genesis's catalogue, run through the
    contracts' own queries."""

    def query(self, contract: str, method: str, **args: Any) -> Any:
        if self.unreachable:
            raise ClientError("UNAVAILABLE", "connection refused")
        if (contract, method) in CATALOGUE_QUERIES:
            return self.catalogue.query(contract, method, **args)
        if (contract, method) == ("membership", "trust"):
            self.trust_reads += 1
            return {
                "organisations": [
                    {
                        "org_id": org,
                        "ca_certificate": pem.decode("ascii"),
                        "ca_set_height": 0,
                        "revoked_serials": [f"{s:x}" for s in sorted(self.revoked.get(org, ()))],
                    }
                    for org, pem in sorted(self.cas.items())
                ]
            }
        if (contract, method) == ("certificates", "status"):
            if args["cert_id"] not in self.certificates:
                raise ClientError("NOT_FOUND", f"no certificate {args['cert_id']}")
            return self.certificates[args["cert_id"]]
        if (contract, method) == ("membership", "get"):
            if args["org_id"] not in self.members:
                raise ClientError("NOT_FOUND", f"no organisation {args['org_id']}")
            return self.members[args["org_id"]]
        if (contract, method) == ("certificates", "list_by_holder"):
            return [c for c in self.certificates.values() if c["holder"] == args["holder"]]
        if (contract, method) == ("delegation", "list_by_holder"):
            return []
        if (contract, method) == ("consent", "list_by_holder"):
            return [
                r
                for r in self.requests.values()
                if r["holder"] == args["holder"] and args.get("status", r["status"]) == r["status"]
            ]
        if (contract, method) == ("archives", "get"):
            if args["record_id"] not in self.records:
                raise ClientError("NOT_FOUND", f"no record {args['record_id']}")
            return self.records[args["record_id"]]
        if (contract, method) == ("archives", "list_by_subject"):
            return [
                r
                for r in self.records.values()
                if r["subject"] == args["subject"]
                and args.get("category", r["category"]) == r["category"]
            ]
        if (contract, method) == ("consent", "get"):
            if args["request_id"] not in self.requests:
                raise ClientError("NOT_FOUND", f"no consent request {args['request_id']}")
            return self.requests[args["request_id"]]
        if (contract, method) == ("attest", "list_by_party"):
            open_statuses = ("awaiting_sources", "awaiting_owner")
            return [
                a
                for a in self.attestations.values()
                if args["holder"] in (a["holder"], a["other_party"])
                and (not args.get("open") or a["status"] in open_statuses)
            ]
        if (contract, method) == ("attest", "get"):
            if args["attestation_id"] not in self.attestations:
                raise ClientError("NOT_FOUND", f"no attestation {args['attestation_id']}")
            return self.attestations[args["attestation_id"]]
        raise AssertionError(f"unexpected query {contract}.{method} {args}")

    def audit_trace(self, subject: str, limit: int = 0) -> node_pb2.AuditTraceResponse:
        entries = self.traces.get(subject, [])
        return node_pb2.AuditTraceResponse(
            entries=entries[:limit], height=len(entries), truncated=len(entries) > limit
        )

    def get_transaction(self, tx_hash: bytes) -> node_pb2.SubmitResponse:
        if tx_hash not in self.transactions:
            raise ClientError("NOT_FOUND", "no such transaction")
        return self.transactions[tx_hash]

    def commit_access(self, request_id: str, tx_hash: bytes) -> None:
        result = ledger_pb2.TxResult(tx_hash=tx_hash, ok=True, contract="consent", method="access")
        result.events.append(ledger_pb2.Event(name="consent.accessed", subjects=[request_id]))
        self.transactions[tx_hash] = node_pb2.SubmitResponse(
            status=node_pb2.TX_STATUS_COMMITTED, result=result
        )


@dataclass(frozen=True)
class Org:
    """An organisation's CA (kept by the test) and what it issues."""

    id: str
    ca_pem: bytes
    ca_key: bytes

    @classmethod
    def make(cls, org_id: str, now: dt.datetime) -> Org:
        ca_pem, ca_key = pki.make_ca(org_id, now, 365)
        return cls(org_id, ca_pem, ca_key)

    def issue(
        self, role: str, now: dt.datetime, name: str = "operator", days: int = 30
    ) -> tuple[bytes, bytes]:
        return pki.issue(self.ca_pem, self.ca_key, self.id, role, name, (), now, days)


class Http:
    """Calls the app in-process over ASGI, from `client_host`."""

    def __init__(self, app: FastAPI, client_host: str = "127.0.0.1") -> None:
        self.app = app
        self.client_host = client_host

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(self.client_host, 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://wallet") as c:
                return await c.request(method, path, **kw)

        return asyncio.run(send())

    def from_host(self, host: str) -> Http:
        return Http(self.app, host)

    def signed(
        self,
        credentials: tuple[bytes, bytes],
        method: str,
        path: str,
        now_ms: int,
        *,
        nonce: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """A request signed with (certificate, key) at `now_ms`, target and body as sent."""
        request = httpx.Request(method, f"http://wallet{path}", **kw)
        headers = sign_headers(
            credentials[0],
            credentials[1],
            method,
            request.url.raw_path.decode("ascii"),
            request.content,
            now_ms,
            nonce or new_nonce(),
        )
        return self.request(method, path, headers={**kw.pop("headers", {}), **headers}, **kw)


@dataclass
class Wallet:
    app: FastAPI
    http: Http
    ledger: FakeLedger
    clock: FakeClock
    store: WalletStore
    created: int = 0

    def new_holder(self) -> str:
        """A new holder, each created from an address of its own (holders created per
        address are limited; tests that are not about that limit should not meet it)."""
        self.created += 1
        creator = self.http.from_host(f"10.200.{self.created // 250}.{self.created % 250 + 1}")
        resp = creator.request("POST", "/v1/holders", json={"passphrase": PASSPHRASE})
        assert resp.status_code == 201, resp.text
        holder_id: str = resp.json()["holder_id"]
        return holder_id

    def sign_in(self, holder_id: str, passphrase: str = PASSPHRASE) -> httpx.Response:
        return self.http.request(
            "POST", "/v1/sessions", json={"holder_id": holder_id, "passphrase": passphrase}
        )

    def in_session(self, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """A request in a holder's session (`token` from `sign_in`), as the page sends it."""
        return self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)

    def grant(self, token: str, holder: str, request_id: str, **body: Any) -> httpx.Response:
        """`holder` grants `request_id` in its session; `body` narrows the grant (`fields`,
        `expires_at_ms`), empty grants it as asked."""
        path = f"/v1/holders/{holder}/requests/{request_id}/grant"
        return self.in_session(token, "POST", path, json=body)


@contextmanager
def running_wallet(
    tmp_path: Path, suite: Suite = ED25519_SHA256, **overrides: Any
) -> Iterator[Wallet]:
    """The wallet app on a fake ledger, sealing with ``suite`` (what its genesis would name)."""
    settings = WalletSettings(data_dir=tmp_path, **overrides)
    app = create_app(settings)
    clock = FakeClock()
    ledger = FakeLedger(suite=suite)
    store = WalletStore(tmp_path / "db", suite)
    attach(app, settings, store, ledger, clock, passphrases.MINIMAL)  # type: ignore[arg-type]
    try:
        yield Wallet(app, Http(app), ledger, clock, store)
    finally:
        store.close()


SAMPLE_ID_NUMBER = "110105199001011232"  # a valid GB 11643 check character, made up


def diploma(cert_id: str, suite: Suite = ED25519_SHA256) -> dict[str, Any]:
    fields = {name: f"value of {name}" for name in CERTIFICATE_TYPES["diploma"].fields}
    fields["id_number"] = SAMPLE_ID_NUMBER
    fields["graduation_date"] = "2015-07-01"  # a date: the chain's type says so
    return new_document(cert_id, "diploma", fields, suite=suite)


def record_on_chain(
    ledger: FakeLedger, doc: dict[str, Any], issuer: str, holder: str
) -> dict[str, Any]:
    record = {
        "cert_id": doc["cert_id"],
        "cert_type": doc["cert_type"],
        "issuer": issuer,
        "holder": holder,
        "doc_hash": document_hash(doc, suite=ledger.suite),  # the chain's hash
        "status": "valid",
    }
    ledger.certificates[doc["cert_id"]] = record
    return record
