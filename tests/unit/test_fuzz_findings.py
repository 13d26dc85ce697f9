"""What fuzzing found (fuzz/, issue 16), each kept as a regression test; the inputs are also
in the targets' corpus (fuzz/corpus/<target>/regression-*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.targets_files import _split_request
from node.genesis import Genesis, GenesisError
from node.sdk import wallet_requests as wr
from tests.unit.wallet_support import running_wallet

TESTDATA = Path(__file__).parent / "testdata" / "fuzz"


def read_signed_request(finding: str) -> tuple[wr.SignedHeaders, str, str, bytes]:
    """The signed wallet request kept in testdata file `finding`: its signature headers,
    method, target and body, as `wr.verify_signature` takes them."""
    headers, method, target, body = _split_request((TESTDATA / finding).read_bytes())
    return wr.read_headers(headers), method, target, body


def test_a_genesis_file_that_is_not_utf8_is_a_genesis_error(tmp_path: Path) -> None:
    """Was UnicodeDecodeError, which the wallet's start-up and the CLI do not expect."""
    path = tmp_path / "genesis.json"
    path.write_bytes(b'{"chain_id": "\xff"}')
    with pytest.raises(GenesisError, match="not JSON"):
        Genesis.load(path)


def test_a_certificate_with_an_unknown_key_type_is_refused() -> None:
    """A signed wallet request whose certificate holds a key type cryptography cannot load
    (OID 1.2.840.10044.8449, a mutant of P-256's) raised UnsupportedAlgorithm: the wallet
    answered 500 where a malformed signature gets 401."""
    signed, method, target, body = read_signed_request("wallet_request-unknown-key-type.bin")
    with pytest.raises(wr.RequestSignatureInvalid, match="not ECDSA P-256"):
        wr.verify_signature(signed, method, target, body)


def test_a_genesis_with_an_invalid_founding_record_is_a_genesis_error(tmp_path: Path) -> None:
    """An organisation with a role no contract knows loaded, then raised ContractError when
    the node built its genesis state (a traceback at start-up, not "cannot start: …")."""
    path = tmp_path / "genesis.json"
    path.write_bytes((TESTDATA / "genesis-bad-role.json").read_bytes())
    with pytest.raises(GenesisError, match="roles must be among"):
        Genesis.load(path)


def test_a_certificate_with_an_invalid_key_is_refused() -> None:
    """A certificate whose P-256 key is not on the curve raised ValueError("Invalid key")
    from the crypto library: the wallet answered 500."""
    signed, method, target, body = read_signed_request("wallet_request-invalid-key.bin")
    with pytest.raises(wr.RequestSignatureInvalid, match="not ECDSA P-256"):
        wr.verify_signature(signed, method, target, body)


def test_a_routes_own_422_matches_the_documented_schema(tmp_path: Path) -> None:
    """schemathesis (fuzz/api.py): a route's own refusal answers 422 with one message, and
    the OpenAPI schema allowed only FastAPI's list of validation errors there."""
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        resp = wallet.http.request(
            "POST",
            f"/v1/holders/{holder}/delegations",
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "agent", "delegate": holder, "actions": ["consent"], "valid_days": 1},
        )
        schema = wallet.app.openapi()
    assert resp.status_code == 422 and isinstance(resp.json()["detail"], str)
    documented = schema["paths"]["/v1/holders/{holder_id}/delegations"]["post"]["responses"]
    assert documented["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/HTTPValidationError"
    )
    detail = schema["components"]["schemas"]["HTTPValidationError"]["properties"]["detail"]
    assert {"type": "string"} in detail["anyOf"]
