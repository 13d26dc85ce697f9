"""The wallet's calls to the chain, as its routes answer them: a contract's refusal, input
the node refused, or a node out of reach becomes one HTTP error, the same for every route."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from node.chain.crypto import KeyPair
from node.chain.tx import ArgValue
from node.sdk.client import ClientError, LedgerClient, TransactionRejected


def node_error(exc: ClientError) -> HTTPException:
    """The HTTP error for a node's answer: a contract's refusal (nothing changed on the
    chain) by its code, input the node refused before the chain (e.g. personal data in a
    reason) as 422, an unreachable node as 503."""
    if isinstance(exc, TransactionRejected):
        status = {
            "permission_denied": 403,
            "not_found": 404,
            "already_exists": 409,
            "invalid_argument": 422,
        }.get(exc.code, 409)
        return HTTPException(status, f"{exc.code}: {exc.message}")
    if exc.code == "INVALID_ARGUMENT":
        return HTTPException(422, exc.message)
    if exc.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
        return HTTPException(503, f"ledger node unavailable: {exc.message}")
    if exc.code == "NOT_FOUND":
        return HTTPException(404, exc.message)
    return HTTPException(502, f"ledger node error {exc.code}: {exc.message}")


def node_query(ledger: LedgerClient, contract: str, method: str, **args: ArgValue) -> Any:
    """A contract read for a route: what the node refuses, or a node out of reach, becomes
    the HTTP error `node_error` gives it, so every route answers alike."""
    try:
        return ledger.query(contract, method, **args)
    except ClientError as exc:
        raise node_error(exc) from exc


def sign_and_submit(
    ledger: LedgerClient, seed: bytes, method: str, args: dict[str, Any], contract: str = "consent"
) -> dict[str, Any]:
    try:
        committed = ledger.call(KeyPair(seed, ledger.suite), contract, method, args)
    except ClientError as exc:
        raise node_error(exc) from exc
    return {"tx_hash": committed.tx_hash.hex(), "height": committed.height}
