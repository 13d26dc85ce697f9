"""The open-credential routes a validator serves on ``credentials_listen``, so an outside
verifier needs nothing but HTTPS (docs/credentials.md): over TLS 1.3 with the node's own
certificate (``tls_cert_path``, issued by its operator organisation's CA, naming the hosts it
is reached at), or over plain HTTP only when the operator sets ``credentials_plain_http``:

- ``GET /credentials/v1/orgs/<org>/jwks.json``: the organisation's key as a JWK Set;
- ``GET /credentials/v1/orgs/<org>/status/<revocation|suspension>``: its status list, an
  unsigned BitstringStatusListCredential derived from the certificates' on-chain status;
- ``GET /credentials/v1/orgs/<org>/status-index/<cert id>``: a certificate's index in its
  issuer's lists and its current document hash (what the issuer writes into a credential,
  and what a verifier compares an amended-away credential with).

Everything is read from the committed state at the tip, on the node's event loop (as gRPC
queries are), and the lists are derived once per height. Requests are bounded in size,
time and number (node/limits.py); anything but GET of these paths gets 404 or 405.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts.certificates.records import CERTIFICATES, Certificate, compute_certificate_status
from contracts.framework.interface import StateReader
from contracts.membership.organisations import ORGANISATIONS
from node.chain.credentials import (
    CREDENTIALS_PATH,
    STATUS_PURPOSES,
    CredentialFormatError,
    IssuedCertificate,
    derive_status_lists,
    is_org_id,
    org_jwks,
    status_list_credential,
    status_list_path,
)
from node.limits import (
    CREDENTIAL_HTTP_CONNECTIONS_MAX,
    CREDENTIAL_HTTP_READ_S_MAX,
    CREDENTIAL_HTTP_REQUEST_BYTES_MAX,
    STATUS_LIST_CERTS_SCANNED_MAX,
)

log = logging.getLogger("trustledger.credentials")


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Derived:
    """One organisation's lists at one height."""

    indexes: dict[str, int]
    lists: dict[str, str]


class CredentialRoutes:
    """The routes over a state view; ``tip`` gives (height, chain time ms) of that state."""

    def __init__(
        self,
        chain_id: str,
        base_url: str,
        state: StateReader,
        tip: Callable[[], tuple[int, int]],
    ) -> None:
        self.chain_id = chain_id
        self.base_url = base_url.rstrip("/")
        self.state = state
        self.tip = tip
        self._cache_height = -1
        self._cache: dict[str, Derived] = {}

    def answer(self, method: str, path: str) -> Answer:
        if method not in ("GET", "HEAD"):
            return Answer(405, {"error": "only GET"})
        parts = path.split("?", 1)[0].split("/")
        prefix = CREDENTIALS_PATH.split("/")
        if parts[: len(prefix)] != prefix or len(parts) < len(prefix) + 3:
            return Answer(404, {"error": "no such route"})
        rest = parts[len(prefix) :]
        if rest[0] != "orgs" or not is_org_id(rest[1]):
            return Answer(404, {"error": "no such route"})
        org_id = rest[1]
        org = ORGANISATIONS.get(self.state, org_id)
        if org is None:
            return Answer(404, {"error": f"no organisation {org_id} on this chain"})
        if rest[2:] == ["jwks.json"]:
            try:
                keys = org_jwks(self.chain_id, org_id, [org.public_key])
            except CredentialFormatError as exc:  # an SM2 key: JOSE cannot carry it
                return Answer(409, {"error": str(exc)})
            return Answer(200, keys, "application/jwk-set+json")
        if len(rest) == 4 and rest[2] == "status" and rest[3] in STATUS_PURPOSES:
            height, derived = self._derived(org_id)
            url = self.base_url + status_list_path(org_id, rest[3])
            body = status_list_credential(
                url, self.chain_id, org_id, rest[3], derived.lists[rest[3]], height
            )
            return Answer(200, body, "application/vc")
        if len(rest) == 4 and rest[2] == "status-index":
            _, derived = self._derived(org_id)
            index = derived.indexes.get(rest[3])
            if index is None:
                return Answer(404, {"error": f"{org_id} has no certificate {rest[3]} in its list"})
            record = CERTIFICATES.get(self.state, rest[3])
            doc_hash = record.doc_hash if record is not None else ""
            return Answer(
                200, {"cert_id": rest[3], "org_id": org_id, "index": index, "doc_hash": doc_hash}
            )
        return Answer(404, {"error": "no such route"})

    def _derived(self, org_id: str) -> tuple[int, Derived]:
        height, now_ms = self.tip()
        if height != self._cache_height:
            self._cache_height, self._cache = height, {}
        if org_id not in self._cache:
            issued = [
                IssuedCertificate(
                    c.cert_id, c.issued_height, c.issued_tx, compute_certificate_status(c, now_ms)
                )
                for c in self._certificates()
                if c.issuer == org_id
            ]
            indexes, lists = derive_status_lists(org_id, issued)
            self._cache[org_id] = Derived(indexes, lists)
        return height, self._cache[org_id]

    def _certificates(self) -> list[Certificate]:
        rows = self.state.scan(CERTIFICATES.prefix, STATUS_LIST_CERTS_SCANNED_MAX)
        if len(rows) >= STATUS_LIST_CERTS_SCANNED_MAX:
            log.warning("status lists derived from the first %d certificates only", len(rows))
        return [Certificate.decode(value) for _, value in rows]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str] | None:
    """(method, path) of one HTTP/1.x request, or None if it is malformed or too large."""
    try:
        head = await asyncio.wait_for(
            reader.readuntil(b"\r\n\r\n"), timeout=CREDENTIAL_HTTP_READ_S_MAX
        )
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
        return None
    return parts[0], parts[1]


def _response(status: int, content_type: str, body: bytes, head_only: bool) -> bytes:
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    reasons[503] = "Service Unavailable"
    head = (
        f"HTTP/1.1 {status} {reasons.get(status, 'Error')}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-cache\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + (b"" if head_only else body)


async def serve_credentials(
    routes: CredentialRoutes, listen: str, tls: ssl.SSLContext | None
) -> asyncio.Server:
    """Start the routes on ``listen`` (host:port), over TLS with ``tls`` (None: plain HTTP,
    which the operator asked for); one request per connection. A TLS handshake is bounded
    by the same time as reading a request."""
    open_connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_connections
        open_connections += 1
        try:
            if open_connections > CREDENTIAL_HTTP_CONNECTIONS_MAX:
                writer.write(_response(503, "application/json", b'{"error":"busy"}', False))
                return
            request = await _read_request(reader)
            if request is None:
                writer.write(_response(400, "application/json", b'{"error":"bad request"}', False))
                return
            method, path = request
            answer = routes.answer(method, path)
            body = json.dumps(answer.body, sort_keys=True, ensure_ascii=False).encode("utf-8")
            writer.write(_response(answer.status, answer.content_type, body, method == "HEAD"))
            await writer.drain()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            open_connections -= 1
            writer.close()

    host, _, port = listen.rpartition(":")
    return await asyncio.start_server(
        handle,
        host or "127.0.0.1",
        int(port),
        limit=CREDENTIAL_HTTP_REQUEST_BYTES_MAX,
        ssl=tls,
        ssl_handshake_timeout=CREDENTIAL_HTTP_READ_S_MAX if tls is not None else None,
    )
