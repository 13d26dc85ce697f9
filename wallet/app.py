"""The wallet service: holders keep certificates, answer agencies' requests, and share.

`create_app(settings)` builds the FastAPI app; nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from node.genesis import Genesis
from node.sdk.bodylimit import BodyLimit
from node.sdk.client import LedgerClient
from node.sdk.tls import ClientTls, find_ca_files
from wallet import errors, limits, page, passphrases
from wallet.callers import SignedRequests
from wallet.clock import Clock, SystemClock
from wallet.headers import SecurityHeaders
from wallet.passphrases import PassphraseKdf, ScryptParams
from wallet.routers import (
    agencies,
    attestations,
    credentials,
    delegations,
    holders,
    keys,
    notifications,
    records,
    signin,
)
from wallet.sessions import Sessions
from wallet.settings import WalletSettings
from wallet.signin import SignInGuard, SignInPolicy
from wallet.store import WalletStore


def attach(
    app: FastAPI,
    settings: WalletSettings,
    store: WalletStore,
    ledger: LedgerClient,
    clock: Clock,
    kdf_params: ScryptParams = passphrases.PRODUCTION,
) -> None:
    """Give the routers what they use: the one wiring, shared by the service and tests
    (which pass a fake ledger, a clock they move, and `passphrases.MINIMAL`)."""
    app.state.settings = settings
    app.state.store = store
    app.state.ledger = ledger
    app.state.sessions = Sessions(
        settings.session_idle_s,
        settings.session_lifetime_s,
        settings.sessions_max,
        clock,
        settings.sessions_per_holder_max,
    )
    app.state.kdf = PassphraseKdf(kdf_params, limits.KDF_CONCURRENT_MAX, suite=store.suite)
    app.state.signin = SignInGuard(
        clock, SignInPolicy(client_holders_created_max=settings.holders_created_per_address_max)
    )
    app.state.signed_requests = SignedRequests(clock)
    app.state.clock = clock


def create_app(settings: WalletSettings, clock: Clock | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        genesis = Genesis.load(settings.genesis_path)
        app.state.genesis = genesis
        attach(
            app,
            settings,
            WalletStore(settings.data_dir / "db", genesis.suite),
            LedgerClient(
                settings.node_address,
                genesis.chain_id,
                ClientTls.load(
                    settings.tls_cert_path,
                    settings.tls_key_path,
                    find_ca_files(settings.tls_ca_dir),
                ),
                settings.node_timeout_s,
                suite=genesis.suite,
            ),
            clock or SystemClock(),
        )
        try:
            yield
        finally:
            app.state.ledger.close()
            app.state.store.close()

    # The /docs and /redoc pages with their scripts, styles and icon served from this
    # service (bundled by fastapi-offline): a government network has no public CDN. Swagger
    # UI's validator badge, which would send the schema to a public service, is off.
    app = FastAPIOffline(
        swagger_ui_parameters={"validatorUrl": None},
        title="TrustLedger wallet",
        version="0.1.0",
        description=(
            "A citizen's or enterprise's wallet (数字保险箱): keep electronic certificates, "
            "answer agencies' requests for data, grant, refuse or revoke, and see every use."
        ),
        lifespan=lifespan,
    )

    app.add_middleware(BodyLimit, bytes_max=settings.request_body_bytes_max)
    # Added last, so outermost: a body refused by BodyLimit gets the headers too.
    app.add_middleware(SecurityHeaders, hsts_max_age_s=settings.hsts_max_age_s)
    errors.install(app)

    @app.get("/v1/health", tags=["service"])
    def health() -> dict[str, object]:
        try:
            status = app.state.ledger.status()
        except Exception as exc:
            return {"status": "degraded", "node": f"unreachable: {exc}"}
        return {"status": "ok", "chain_id": status.chain_id, "height": status.height}

    app.include_router(signin.router)
    app.include_router(holders.router)
    app.include_router(records.router)
    app.include_router(credentials.router)
    app.include_router(delegations.router)
    app.include_router(agencies.router)
    app.include_router(notifications.router)
    app.include_router(attestations.router)
    app.include_router(keys.router)
    page.install(app)
    return app
