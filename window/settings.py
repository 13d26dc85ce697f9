"""The window service's configuration (pydantic-settings): TRUSTLEDGER_WINDOW_* variables.

An agency runs it with its own organisation's material, the way the CLI and the SDK call a
node: the organisation key file (it signs the on-chain verification records; its passphrase
comes from TRUSTLEDGER_KEY_PASSPHRASE, never from a file), the certificate its organisation's
CA issued it for calling validators (role verifier or issuer), and the CA certificates of
the consortium. The clerks' browsers never see any of it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from window import limits


class WindowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUSTLEDGER_WINDOW_")

    org: str = "bank"
    """The organisation id the service verifies as (what a bound presentation must name)."""
    org_name: str = ""
    """Shown on the page and the receipt (e.g. 威海市商业银行); the id if empty."""
    data_dir: Path = Path("window-data")
    """The archive (LevelDB, `<data_dir>/archive`), kept by the agency."""
    clerks_path: Path = Path("window-data/clerks.json")
    """Clerk accounts (`python -m window add-clerk`)."""
    org_key_path: Path = Path("keys/orgs/bank.json")
    node_address: str = "127.0.0.1:27100"
    genesis_path: Path = Path("genesis.json")
    tls_cert_path: Path = Path("tls/bank/operator.pem")
    tls_key_path: Path = Path("tls/bank/operator.key")
    tls_ca_dir: Path = Path("cas")
    https_cert_path: Path = Path("tls/bank/window-https.pem")
    https_key_path: Path = Path("tls/bank/window-https.key")
    insecure_http: bool = False
    """Development only, on a loopback address: serve plain HTTP."""
    host: str = "127.0.0.1"
    port: int = 27250
    node_timeout_s: float = limits.NODE_TIMEOUT_S
    session_idle_s: int = limits.SESSION_IDLE_S
    session_lifetime_s: int = limits.SESSION_LIFETIME_S
