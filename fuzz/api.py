"""The wallet's REST API fuzzed from its own OpenAPI schema with schemathesis (issue 16):
every operation of `/openapi.json`, with bodies, parameters and headers generated from the
schema (valid and invalid), against the app in-process (ASGI) with the wallet's own store,
sessions and KDF (its minimal preset) and a fake ledger. Stateful where it helps: a holder
is created and signed in first, and about half the cases of each operation are sent as that
holder (its id in the path, its bearer token), so they get past sign-in to the handlers.

Checks: no 5xx (`not_a_server_error`), and every documented response matches its schema
(`response_schema_conformance`). `make fuzz` runs `--examples 200` per operation;
tests/unit/test_fuzz_api.py a short run.

Usage: python -m fuzz.api [--examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fuzz import fixtures
from node.sdk.client import ClientError, TransactionRejected
from tests.unit.wallet_support import PASSPHRASE, FakeClock, FakeLedger, Http
from wallet import passphrases
from wallet.app import attach, create_app
from wallet.settings import WalletSettings
from wallet.store import WalletStore

CHECKS = [not_a_server_error, response_schema_conformance]


class ApiLedger(FakeLedger):
    """The test fake, answering what it does not know as a node would: not found."""

    def query(self, contract: str, method: str, **args: Any) -> Any:
        try:
            return super().query(contract, method, **args)
        except AssertionError:
            raise ClientError("NOT_FOUND", f"no {contract}.{method} answer here") from None

    def call(self, *_args: Any, **_kw: Any) -> Any:
        """Every transaction committed and refused by its contract, as for a holder with
        nothing on the chain (an unreachable node would answer 503, by design)."""
        raise TransactionRejected("not_found", "nothing of that id on this chain", bytes(32), 1)

    def chain_time_ms(self, genesis_time_ms: int) -> int:
        return max(genesis_time_ms, 1_767_225_600_000)

    def get_validator_schedule(self, _genesis: Any) -> Any:
        """No proofs here: the page's `?prove=true` answers each certificate's `error`, as
        with a node that cannot prove (tests/integration checks real proofs)."""
        raise ClientError("UNAVAILABLE", "no proofs in the fuzz harness")


class WithoutLifespan:
    """The app without its start-up (which would connect to a node): the test client that
    schemathesis calls it through starts the lifespan on every call."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


@dataclass
class Holder:
    holder_id: str
    token: str


@contextmanager
def wallet_app(folder: Path) -> Iterator[tuple[FastAPI, Holder]]:
    """The wallet app with its store in `folder`, and one holder signed in."""
    settings = WalletSettings(data_dir=folder)
    app = create_app(settings)
    store = WalletStore(folder / "db", fixtures.GENESIS.suite)
    app.state.genesis = fixtures.GENESIS  # what the lifespan loads from the genesis file
    attach(app, settings, store, ApiLedger(), FakeClock(), passphrases.MINIMAL)  # type: ignore[arg-type]
    try:
        http = Http(app)
        created = http.request("POST", "/v1/holders", json={"passphrase": PASSPHRASE})
        if created.status_code != 201:
            raise RuntimeError(f"cannot create a holder: {created.status_code} {created.text}")
        yield app, Holder(created.json()["holder_id"], created.json()["token"])
    finally:
        store.close()


_sign_ins = itertools.count(1)


def sign_in(app: FastAPI, holder_id: str) -> str:
    """A new session for the holder, from an address of its own: sign-ins per address are
    limited, and the cases sign out as often as they like."""
    n = next(_sign_ins)
    resp = Http(app, f"10.202.{n // 250 % 250}.{n % 250 + 1}").request(
        "POST", "/v1/sessions", json={"holder_id": holder_id, "passphrase": PASSPHRASE}
    )
    if resp.status_code != 200:
        raise RuntimeError(f"cannot sign in: {resp.status_code} {resp.text}")
    token: str = resp.json()["token"]
    return token


def fuzz_operations(app: FastAPI, holder: Holder, examples: int, seed_: int) -> Counter[str]:
    """Run every operation of the app's schema `examples` times; raises the first check
    failure (schemathesis prints the case and a curl command that reproduces it). Returns
    the count of each (operation, status)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", WithoutLifespan(app))
    statuses: Counter[str] = Counter()
    for result in schema.get_all_operations():
        _fuzz_operation(app, holder, result.ok(), examples, seed_, statuses)
    return statuses


def _fuzz_operation(
    app: FastAPI, holder: Holder, operation: Any, examples: int, seed_: int, out: Counter[str]
) -> None:
    name = f"{operation.method.upper()} {operation.path}"

    @seed(seed_)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), as_holder=st.booleans())
    def run(case: Any, as_holder: bool) -> None:
        if as_holder:
            if case.path_parameters and "holder_id" in case.path_parameters:
                case.path_parameters["holder_id"] = holder.holder_id
            headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
            case.headers = {**headers, "Authorization": f"Bearer {holder.token}"}
        response = case.call()
        out[f"{name} {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS)
        if name == "DELETE /v1/sessions" and response.status_code == 204:
            holder.token = sign_in(app, holder.holder_id)  # signed out: sign in again

    run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="cases per operation")
    parser.add_argument("--seed", type=int, default=1)
    ns = parser.parse_args()
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="trustledger-fuzz-api-") as tmp,
        wallet_app(Path(tmp)) as (app, holder),
    ):
        statuses = fuzz_operations(app, holder, ns.examples, ns.seed)
    seconds = time.perf_counter() - started
    operations = Counter(" ".join(k.split()[:2]) for k in statuses)
    for op in sorted(operations):
        codes = ", ".join(
            f"{k.split()[2]}: {v}" for k, v in sorted(statuses.items()) if k.startswith(op + " ")
        )
        print(f"{op:64} {codes}")
    total = sum(statuses.values())
    print(
        f"wallet API: {len(operations)} operations, {total:,} requests in {seconds:,.0f} s, 0 failures"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
