"""The signed-request layout (node/sdk/wallet_requests.py) is the one docs/wallet-requests.md
documents: its fixed test vector is checked here, so the page and the code cannot drift,
and a caller in another language can test its own signer against the same numbers."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from node.sdk import wallet_requests as wr

DOC = Path(__file__).resolve().parents[2] / "docs" / "wallet-requests.md"
BLOCK = re.compile(r"^```(vector-[a-z0-9-]+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


def vector(name: str) -> dict[str, str]:
    fields = {}
    for line in blocks()[name].splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.removeprefix(" ")
    return fields


KEY = blocks()["vector-key"].encode()
CERT = blocks()["vector-certificate"].encode()


def public_key() -> ec.EllipticCurvePublicKey:
    key = x509.load_pem_x509_certificate(CERT).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


@pytest.mark.parametrize("name", ["vector-1", "vector-2"])
def test_the_documented_vector(name: str) -> None:
    v = vector(name)
    message = wr.signed_bytes(
        v["method"], v["target"], int(v["timestamp"]), v["nonce"], v["body"].encode("utf-8")
    )
    assert message.hex() == v["signed_bytes"]
    assert message.startswith(b"trustledger/wallet-request/v1\x00")
    public_key().verify(base64.b64decode(v["signature"]), message, ec.ECDSA(hashes.SHA256()))
    headers = wr.sign_headers(
        CERT, KEY, v["method"], v["target"], v["body"].encode(), int(v["timestamp"]), v["nonce"]
    )
    assert base64.b64decode(headers[wr.HEADER_CERTIFICATE]) == CERT
    assert headers[wr.HEADER_TIMESTAMP] == v["timestamp"]
    assert headers[wr.HEADER_NONCE] == v["nonce"]
    signed = wr.read_headers(headers)
    wr.verify_signature(signed, v["method"], v["target"], v["body"].encode())
    documented = wr.read_headers({**headers, wr.HEADER_SIGNATURE: v["signature"]})
    wr.verify_signature(documented, v["method"], v["target"], v["body"].encode())


@pytest.mark.parametrize(
    "change",
    [
        {"method": "PUT"},
        {"target": "/v1/holders/hd0123456789abcdef0123456789abcdef01234567/certificatez"},
        {"timestamp": 1767225600001},
        {"nonce": "test-vector-nonce-0009"},
        {"body": b'{"document":{"cert_id":"cert-vector-0002"}}'},
    ],
)
def test_any_other_request_does_not_verify(change: dict[str, object]) -> None:
    v = vector("vector-1")
    signed = wr.read_headers(
        {
            wr.HEADER_CERTIFICATE: base64.b64encode(CERT).decode(),
            wr.HEADER_TIMESTAMP: str(change.get("timestamp", v["timestamp"])),
            wr.HEADER_NONCE: str(change.get("nonce", v["nonce"])),
            wr.HEADER_SIGNATURE: v["signature"],
        }
    )
    body = change.get("body", v["body"].encode())
    assert isinstance(body, bytes)
    with pytest.raises(wr.RequestSignatureInvalid, match="does not verify"):
        wr.verify_signature(
            signed,
            str(change.get("method", v["method"])),
            str(change.get("target", v["target"])),
            body,
        )


def test_the_domain_separates_other_signatures() -> None:
    v = vector("vector-1")
    message = wr.signed_bytes(v["method"], v["target"], 1, v["nonce"], b"")
    with pytest.raises(InvalidSignature):
        public_key().verify(
            base64.b64decode(v["signature"]),
            message.removeprefix(wr.DOMAIN),
            ec.ECDSA(hashes.SHA256()),
        )


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing"),
        ({wr.HEADER_TIMESTAMP: "01"}, "Timestamp"),
        ({wr.HEADER_TIMESTAMP: "-5"}, "Timestamp"),
        ({wr.HEADER_NONCE: "short"}, "Nonce"),
        ({wr.HEADER_NONCE: "a" * 65}, "Nonce"),
        ({wr.HEADER_SIGNATURE: "not base64!"}, "Signature"),
        ({wr.HEADER_CERTIFICATE: "A" * 20_000}, "Certificate"),
    ],
)
def test_malformed_headers_are_named(headers: dict[str, str], message: str) -> None:
    good = wr.sign_headers(CERT, KEY, "GET", "/v1/x", b"", 1, "n" * 16)
    sent = {**good, **headers} if headers else {}
    with pytest.raises(wr.RequestSignatureInvalid, match=message):
        wr.read_headers(sent)


def test_the_caller_signs_what_httpx_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[httpx.Request] = []

    def send(self: httpx.Client, request: httpx.Request, **kw: object) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    monkeypatch.setattr(httpx.Client, "send", send)
    caller = wr.WalletCaller(CERT, KEY)
    caller.request("GET", "http://wallet:1/v1/disclosures/req-1", params={"access_tx": "a b"})
    caller.request("POST", "http://wallet:1/v1/holders/hd1/certificates", json={"x": "证"})
    for request in sent:
        signed = wr.read_headers(request.headers)
        target = request.url.raw_path.decode()
        wr.verify_signature(signed, request.method, target, request.content)
    assert sent[0].url.raw_path == b"/v1/disclosures/req-1?access_tx=a+b"
    assert sent[0].headers[wr.HEADER_NONCE] != sent[1].headers[wr.HEADER_NONCE]
