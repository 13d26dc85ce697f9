"""Targets on files and requests from outside the chain: the genesis file and a node's
configuration (as the node loads them), a certificate presentation (as a verifier checks
it), a wallet request's signature headers, and the wallet's REST request bodies."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from consensus.validators import ValidatorSet
from fuzz import fixtures
from fuzz.target import OneInput, Target, outcome
from node.chain import pki
from node.config import NodeConfig
from node.genesis import Genesis, GenesisError
from node.sdk import wallet_requests as wr
from node.sdk.finality import ProvenValue
from node.sdk.presentation import PresentationRefused, make_presentation
from node.sdk.presentation_check import NonceBook, check_presentation
from wallet.routers.delegations import AppointIn, RevokeIn
from wallet.routers.holders import CorrectionIn, Delivery, GrantIn, PresentationIn
from wallet.routers.signin import CreateHolder, OpenSession


def _scratch_file(name: str) -> Path:
    """A file to load inputs from (a write per input; `fuzz.run` points an atheris child's
    temporary folder at memory, and removes it: libFuzzer's exit skips atexit)."""
    folder = tempfile.TemporaryDirectory(prefix="trustledger-fuzz-")
    atexit.register(folder.cleanup)
    return Path(folder.name) / name


def make_genesis() -> OneInput:
    """The genesis file as a node and the wallet load it: a Genesis or GenesisError."""
    path = _scratch_file("genesis.json")

    def one(data: bytes) -> str:
        path.write_bytes(data)
        return outcome(lambda: Genesis.load(path).state_root, (GenesisError,))

    return one


def _genesis_seeds() -> list[bytes]:
    return [json.dumps(fixtures.GENESIS.to_json(), sort_keys=True).encode()]


def make_node_config() -> OneInput:
    """A node's node.json as the node loads it: a NodeConfig or ValueError (pydantic's
    ValidationError, or the file is not UTF-8 JSON), which `python -m node` reports."""
    path = _scratch_file("node.json")

    def one(data: bytes) -> str:
        path.write_bytes(data)
        return outcome(lambda: NodeConfig.load(path), (ValueError,))

    return one


def _config_seeds() -> list[bytes]:
    doc = {
        "validator_id": "val-0",
        "home": "/var/lib/trustledger",
        "listen": "127.0.0.1:7050",
        "peers": {"val-1": "10.0.0.2:7050"},
        "genesis_path": "genesis.json",
        "key_path": "val-0.key",
        "tls_cert_path": "val-0.tls.pem",
        "tls_key_path": "val-0.tls.key",
        "next_key_paths": ["val-0.next.key"],
        "metrics_listen": "127.0.0.1:9100",
        "tick_ms": 100,
    }
    return [json.dumps(doc).encode()]


class _ProvingClient:
    """What `check_presentation` asks a node: the diploma's record, as if proven, and the
    signer's delegations (none)."""

    def __init__(self) -> None:
        self.state = fixtures.issued_state()
        self.suite = fixtures.GENESIS.suite

    def get_proven_state(self, key: bytes, _validators: ValidatorSet) -> ProvenValue:
        return ProvenValue(self.state.get(key), 1, fixtures.GENESIS_TIME_MS + 1)

    def query(self, _contract: str, _method: str, **_args: Any) -> list[Any]:
        return []


def make_presentation_target() -> OneInput:
    """A presentation's QR text (the input's bytes read as Latin-1, so every input is some
    text) checked by a verifier against the proven certificate record: the disclosed fields,
    or PresentationRefused. A fresh nonce book each time, so a seed is accepted every run."""
    client = _ProvingClient()

    def one(data: bytes) -> str:
        return outcome(
            lambda: check_presentation(
                client,  # type: ignore[arg-type]
                data.decode("latin-1"),
                fixtures.VALIDATORS,
                verifier="bank",
                now_ms=fixtures.GENESIS_TIME_MS + 1000,
                nonces=NonceBook(),
            ),
            (PresentationRefused,),
        )

    return one


def _presentation_seeds() -> list[bytes]:
    return [
        make_presentation(
            fixtures.HOLDER,
            fixtures.DOCUMENT,
            names,
            nonce=bytes(16),
            now_ms=fixtures.GENESIS_TIME_MS,
            verifier="bank",
        ).encode("ascii")
        for names in (["degree"], ["university", "major", "graduation_date"])
    ]


_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_HEADERS = (wr.HEADER_CERTIFICATE, wr.HEADER_TIMESTAMP, wr.HEADER_NONCE, wr.HEADER_SIGNATURE)


def _split_request(data: bytes) -> tuple[dict[str, str], str, str, bytes]:
    """Input layout: the four header values, method and target, one a line (Latin-1, as an
    HTTP server decodes headers), then the body. A missing line is a missing header."""
    lines = data.split(b"\n", 6)
    body = lines[6] if len(lines) > 6 else b""
    text = [line.decode("latin-1") for line in lines[:6]] + [""] * (6 - min(6, len(lines)))
    headers = {name: value for name, value in zip(_HEADERS, text[:4], strict=True) if value}
    return headers, text[4], text[5], body


def make_wallet_request() -> OneInput:
    """A signed wallet request's headers read and its signature verified over the request:
    RequestSignatureInvalid, or it verifies."""

    def one(data: bytes) -> str:
        headers, method, target, body = _split_request(data)

        def run() -> None:
            wr.verify_signature(wr.read_headers(headers), method, target, body)

        return outcome(run, (wr.RequestSignatureInvalid,))

    return one


def _wallet_request_seeds() -> list[bytes]:
    ca_pem, ca_key = pki.make_ca("edu", _NOW, 365)
    cert, key = pki.issue(ca_pem, ca_key, "edu", "issuer", "operator", (), _NOW, 30)
    out = []
    for method, target, body in (
        ("POST", "/v1/holders/hd" + "1" * 40 + "/certificates", b'{"document": {}}'),
        ("GET", "/v1/disclosures/req-fuzz-0001?x=1", b""),
    ):
        h = wr.sign_headers(cert, key, method, target, body, 1_767_225_600_000, "n" * 16)
        lines = [h[name] for name in _HEADERS] + [method, target]
        out.append("\n".join(lines).encode("latin-1") + b"\n" + body)
    return out


BODIES: tuple[type[BaseModel], ...] = (
    CreateHolder,
    OpenSession,
    Delivery,
    GrantIn,
    PresentationIn,
    CorrectionIn,
    AppointIn,
    RevokeIn,
)


def make_wallet_body() -> OneInput:
    """A REST request body as the wallet's routes validate it (the first byte picks the
    model): the model, or ValidationError (422)."""

    def one(data: bytes) -> str:
        model = BODIES[data[0] % len(BODIES)] if data else BODIES[0]
        return outcome(lambda: model.model_validate_json(data[1:]), (ValidationError,))

    return one


def _wallet_body_seeds() -> list[bytes]:
    holder = "hd" + "ab" * 20
    bodies: list[Any] = [
        {"passphrase": "correct horse battery staple"},
        {"holder_id": holder, "passphrase": "correct horse battery staple"},
        {"document": fixtures.DOCUMENT},
        {"max_uses": 3},
        {"fields": ["degree", "major"]},
        {"reason": "the graduation date is wrong"},
        {
            "kind": "guardian",
            "delegate": holder,
            "actions": ["consent"],
            "valid_days": 30,
            "cert_types": ["diploma"],
        },
        {"reason": "no longer needed"},
    ]
    return [bytes([i]) + json.dumps(b).encode() for i, b in enumerate(bodies)]


TARGETS = [
    Target(
        "genesis",
        "The genesis file, loaded: Genesis or GenesisError",
        make_genesis,
        _genesis_seeds,
        (GenesisError,),
        ("node/genesis.py",),
        share=6,
    ),
    Target(
        "node_config",
        "A node's node.json, loaded: NodeConfig or ValueError",
        make_node_config,
        _config_seeds,
        (ValueError,),
        ("node/config.py",),
        share=6,
    ),
    Target(
        "presentation",
        "A certificate presentation checked against the proven record",
        make_presentation_target,
        _presentation_seeds,
        (PresentationRefused,),
        (
            "node/sdk/presentation.py",
            "node/sdk/presentation_check.py",
            "contracts/certificates/commitments.py",
            "node/sdk/finality.py",
        ),
        share=6,
    ),
    Target(
        "wallet_request",
        "A signed wallet request's headers and signature (node/sdk/wallet_requests.py)",
        make_wallet_request,
        _wallet_request_seeds,
        (wr.RequestSignatureInvalid,),
        ("node/sdk/wallet_requests.py",),
        share=4,
    ),
    Target(
        "wallet_body",
        "The wallet's REST request bodies, validated by their models",
        make_wallet_body,
        _wallet_body_seeds,
        (ValidationError,),
        ("wallet/routers/signin.py", "wallet/routers/holders.py", "wallet/routers/delegations.py"),
        share=8,
    ),
]
