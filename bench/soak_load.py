"""The soak's client load (bench/soak.py): a few threads, each running a citizen's story
over and over against a devnet whose processes are being killed.

A story: the public security bureau issues an ID card to a holder (a transaction), hands
the document to the holder's wallet (a signed REST call), the bank verifies it against a
proof (a read), asks the holder for it (a transaction), the holder grants it in the wallet
(the wallet's transaction), and the social security bureau returns an archive record into
the holder's file (a transaction). Every transaction a client saw acknowledged as committed
(its hash and height) goes into `Acked`, which the end of the soak looks for in the chain.

A failed call (its validator or the wallet was just killed, a view change is under way) is
counted and the story goes on with another validator: failures are the point of a soak.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from cli.cert import issue_certificate
from cli.common import DAY_MS
from cli.consent import request_access
from cli.devnet import Devnet, passphrase
from node.chain.crypto import load_key_file
from node.chain.ids import new_id
from node.sdk.client import ClientError, Committed, LedgerClient, TransactionRejected
from proto import node_pb2
from tests.integration.helpers import ID_CARD, signed, wallet

HOLDER_PASSPHRASE = "soak holder passphrase"
CALL_TIMEOUT_S = 40.0
"""A submission waits for its commit: beyond the node's own wait (30 s) so that a slow
commit answers as the node's timeout, not as the client's."""
SOCIAL_SECURITY_RECORD_HASH = "ab" * 32


def wallet_request(
    net: Devnet, method: str, path: str, token: str | None = None, **kw: Any
) -> httpx.Response:
    """The one way the soak calls the wallet's REST API (as a citizen's app): over HTTPS,
    checked against the wallet organisation's CA, as the integration tests call it."""
    return wallet(method, net, path, token, **kw)


def wallet_signed(net: Devnet, org: str, method: str, path: str, **kw: Any) -> httpx.Response:
    """A request to the wallet signed with `org`'s operator certificate (an issuer's delivery)."""
    return signed(method, net, org, path, **kw)


@dataclass
class Acked:
    """Transactions a client saw committed: hash -> height, and a count per kind."""

    heights: dict[bytes, int] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    bad_verifications: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, tx_hash: bytes, height: int) -> None:
        with self._lock:
            self.heights[tx_hash] = height
            self.kinds[kind] += 1

    def error(self, what: str) -> None:
        with self._lock:
            self.errors[what] += 1


@dataclass
class Holder:
    holder_id: str
    token: str


class Worker:
    """One client thread running stories until `stop` is set."""

    def __init__(self, net: Devnet, index: int, seed: int, acked: Acked, stop: threading.Event):
        self.net = net
        self.rng = random.Random(seed * 1000 + index)
        self.acked = acked
        self.stop = stop
        self.keys = {
            org: load_key_file(net.org_key_path(org), passphrase())
            for org in ("psb", "bank", "hrss")
        }
        self.validators = net.genesis.validators
        self.holder: Holder | None = None
        self.clients: dict[str, LedgerClient] = {}
        self.address = self._other_address()
        self.thread = threading.Thread(target=self.run, name=f"soak-load-{index}", daemon=True)

    def _other_address(self, avoid: str = "") -> str:
        return self.rng.choice([a for a in self.net.addresses.values() if a != avoid])

    def _client(self, org: str) -> LedgerClient:
        client = self.clients.get(org)
        if client is None or client.address != self.address:
            if client is not None:
                client.close()
            client = LedgerClient(
                self.address,
                self.net.chain_id,
                self.net.tls(org),
                CALL_TIMEOUT_S,
                suite=self.net.genesis.suite,
            )
            self.clients[org] = client
        return client

    def _failed(self, what: str, exc: Exception) -> None:
        code = exc.code if isinstance(exc, ClientError) else type(exc).__name__
        self.acked.error(f"{what}:{code}")
        if isinstance(exc, ClientError) and code == "RESOURCE_EXHAUSTED":
            time.sleep(0.5)
        self.address = self._other_address(avoid=self.address)
        time.sleep(0.2)

    def _committed(self, kind: str, committed: Committed) -> None:
        self.acked.add(kind, committed.tx_hash, committed.height)

    def _transaction(self, kind: str, call: Any) -> Any | None:
        """Run `call` (which submits and waits); record its acknowledgement, None if it
        failed (not acknowledged: it may or may not be on the chain)."""
        try:
            result = call()
        except TransactionRejected as exc:  # committed, refused by the contract: on the chain
            self.acked.add(f"{kind}-refused", exc.tx_hash, exc.height)
            return None
        except (ClientError, httpx.HTTPError) as exc:
            self._failed(kind, exc)
            return None
        return result

    def _ensure_holder(self) -> Holder | None:
        """The worker's holder, signed in (again, after a wallet restart ended its session)."""
        try:
            if self.holder is None:
                resp = wallet_request(
                    self.net, "POST", "/v1/holders", json={"passphrase": HOLDER_PASSPHRASE}
                )
                if resp.status_code != 201:
                    self.acked.error(f"holder:{resp.status_code}")
                    return None
                body = resp.json()
                self.holder = Holder(body["holder_id"], body["token"])
            return self.holder
        except httpx.HTTPError as exc:
            self._failed("holder", exc)
            return None

    def _sign_in_again(self, holder: Holder) -> bool:
        try:
            resp = wallet_request(
                self.net,
                "POST",
                "/v1/sessions",
                json={"holder_id": holder.holder_id, "passphrase": HOLDER_PASSPHRASE},
            )
        except httpx.HTTPError as exc:
            self._failed("sign-in", exc)
            return False
        if resp.status_code != 200:
            self.acked.error(f"sign-in:{resp.status_code}")
            return False
        holder.token = resp.json()["token"]
        return True

    def story(self) -> None:
        holder = self._ensure_holder()
        if holder is None:
            time.sleep(1.0)
            return
        issued = self._transaction(
            "issue",
            lambda: issue_certificate(
                self._client("psb"), self.keys["psb"], "resident_id_card", holder.holder_id, ID_CARD
            ),
        )
        if issued is None:
            return
        doc, committed = issued
        self._committed("issue", committed)
        cert_id = doc["cert_id"]
        self._verify(cert_id, committed.height)
        self._archive(holder)
        delivered = self._wallet_call(
            "deliver",
            lambda: wallet_signed(
                self.net,
                "psb",
                "POST",
                f"/v1/holders/{holder.holder_id}/certificates",
                json={"document": doc},
            ),
        )
        if delivered is None or delivered.status_code != 201:
            return
        requested = self._transaction(
            "consent-request",
            lambda: request_access(
                self._client("bank"),
                self.keys["bank"],
                holder.holder_id,
                cert_id,
                "soak test account opening",
                purpose_code="002",
                max_uses=1,
                expires_at_ms=int(time.time() * 1000) + DAY_MS,
            ),
        )
        if requested is None:
            return
        request_id, committed = requested
        self._committed("consent-request", committed)
        self._grant(holder, request_id)

    def _wallet_call(self, kind: str, call: Any) -> httpx.Response | None:
        try:
            resp: httpx.Response = call()
        except httpx.HTTPError as exc:
            self._failed(kind, exc)
            return None
        if resp.status_code >= 300:
            self.acked.error(f"{kind}:{resp.status_code} {_detail(resp)}".rstrip())
        return resp

    def _grant(self, holder: Holder, request_id: str) -> None:
        path = f"/v1/holders/{holder.holder_id}/requests/{request_id}/grant"
        for _ in range(2):
            resp = self._wallet_call(
                "grant", lambda: wallet_request(self.net, "POST", path, holder.token, json={})
            )
            if resp is None:
                return
            if resp.status_code == 401 and self._sign_in_again(holder):
                continue
            if resp.status_code == 200:
                body = resp.json()
                self.acked.add("grant", bytes.fromhex(body["tx_hash"]), int(body["height"]))
            return

    def _verify(self, cert_id: str, issued_height: int) -> None:
        """The bank checks the certificate against a proof: once the proof's header is at or
        above the issuing block, the certificate must be valid."""
        try:
            resp = self._client("bank").verify_certificate(cert_id, validators=self.validators)
        except Exception as exc:  # a proof that does not check is a finding too
            if isinstance(exc, ClientError):
                self._failed("verify", exc)
                return
            self.acked.bad_verifications.append(f"{cert_id}: {exc!r}")
            return
        if (
            resp.proof.header.height >= issued_height
            and resp.status != node_pb2.CERTIFICATE_STATUS_VALID
        ):
            self.acked.bad_verifications.append(
                f"{cert_id}: status {resp.status} at height {resp.proof.header.height}"
            )

    def _archive(self, holder: Holder) -> None:
        client = self._client("hrss")
        committed = self._transaction(
            "archive",
            lambda: client.call(
                self.keys["hrss"],
                "archives",
                "append",
                {
                    "record_id": new_id("rec"),
                    "subject": holder.holder_id,
                    "category": "social_security",
                    "source_department": "soak test",
                    "content_hash": SOCIAL_SECURITY_RECORD_HASH,
                },
            ),
        )
        if committed is not None:
            self._committed("archive", committed)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.story()
            except Exception as exc:  # a crash in the load is reported, not fatal
                self.acked.error(f"worker-crash:{type(exc).__name__}:{exc}"[:200])
                time.sleep(1.0)
        for client in self.clients.values():
            client.close()


def _detail(resp: httpx.Response) -> str:
    """The wallet's reason for an error answer, so the summary tells a 404 for a request the
    wallet's validator has not seen yet from one for a holder the wallet lost."""
    try:
        detail = resp.json().get("detail", "")
    except ValueError:
        return ""
    return _ID_RE.sub("<id>", str(detail))[:60]


_ID_RE = re.compile(r"\b[a-z]+-[a-z0-9]{8,}\b")
"""Ids in a reason (``req-l7bteaoe...``), so that errors of one kind are counted together."""
