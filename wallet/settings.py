"""Wallet configuration (pydantic-settings): TRUSTLEDGER_WALLET_* variables or a JSON file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from wallet import limits


class WalletSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUSTLEDGER_WALLET_")

    data_dir: Path = Path("wallet-data")
    node_address: str = "127.0.0.1:27100"
    genesis_path: Path = Path("genesis.json")
    host: str = "127.0.0.1"
    port: int = 27200
    session_idle_s: int = limits.SESSION_IDLE_S
    session_lifetime_s: int = limits.SESSION_LIFETIME_S
    request_body_bytes_max: int = 96 * 1024
    sessions_max: int = limits.SESSIONS_MAX
    sessions_per_holder_max: int = limits.SESSIONS_PER_HOLDER_MAX
    holders_created_per_address_max: int = limits.CLIENT_HOLDERS_CREATED_MAX
    """New holders one client address may create per sign-in window: a load test or a
    front end that creates holders for many citizens from one address raises it."""
    node_timeout_s: float = 30.0
    tls_cert_path: Path = Path("tls/wallet.pem")
    """The wallet service's certificate (role wallet) it calls validators with."""
    tls_key_path: Path = Path("tls/wallet.key")
    tls_ca_dir: Path = Path("tls")
    """CA certificates of the organisations whose validators it may call:
    ``<dir>/<org>/ca.pem`` or ``<dir>/<org>.pem``."""
    https_cert_path: Path = Path("tls/wallet-https.pem")
    """The certificate the wallet serves HTTPS with, from its organisation's CA, naming
    every host it is reached at (subjectAltName): callers check it against that CA."""
    https_key_path: Path = Path("tls/wallet-https.key")
    insecure_http: bool = False
    """Development only: serve plain HTTP instead of HTTPS. Refused unless `host` is a
    loopback address (wallet/https.py): passphrases, tokens and documents would cross a
    network in clear."""
    hsts_max_age_s: int = limits.HSTS_MAX_AGE_S
