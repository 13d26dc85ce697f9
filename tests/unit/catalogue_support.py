"""A stand-in for a node's client that answers the catalogue's queries (and membership's)
from an in-memory chain state run through the contracts' own query handlers: what the SDK's
and the CLI's catalogue readers are tested against without a devnet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cli.demo_catalogue import demo_catalogue
from contracts import runtime
from contracts.catalogue.lookup import GenesisCatalogue
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation
from node.sdk.client import ClientError
from suites import ED25519_SHA256

NOW_MS = 1_800_000_000_000


def catalogue_state(
    catalogue: GenesisCatalogue | None = None,
    organisations: Iterable[Organisation] = (),
    credit_codes: Mapping[str, str] | None = None,
) -> MemoryState:
    """A genesis state holding `catalogue` (the devnet's by default)."""
    return MemoryState(
        runtime.genesis_writes(
            tuple(organisations),
            credit_codes=credit_codes,
            catalogue=demo_catalogue() if catalogue is None else catalogue,
            suite=ED25519_SHA256,
        )
    )


class StateClient:
    """Answers `query(contract, method, **args)` as a node would, from `state`; a contract's
    refusal comes back as the `ClientError` the node's gRPC status gives."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state
        self.suite = ED25519_SHA256
        self.queries: list[tuple[str, str]] = []

    def query(self, contract: str, method: str, **args: Any) -> Any:
        self.queries.append((contract, method))
        try:
            return runtime.query(self.state, contract, method, args, now_ms=NOW_MS)
        except ContractError as exc:
            raise ClientError(exc.code.upper(), exc.message) from exc
