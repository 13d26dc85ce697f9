"""A validator's configuration: one JSON file in its home folder, written by
`trustledger devnet up` (or by an operator) and read whole at start; no environment
variable overrides it, so what the file says is what runs."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

NEXT_KEYS_MAX = 3
"""Keys a node may hold besides ``key_path`` (the replica holds at most 4 in all)."""


class NodeConfig(BaseModel):
    validator_id: str = Field(description="this validator's id in genesis")
    home: Path = Field(description="folder holding the LevelDB and logs")
    listen: str = Field(description="host:port for the gRPC server")
    peers: dict[str, str] = Field(description="validator id -> host:port of the other validators")
    genesis_path: Path
    key_path: Path = Field(description="encrypted Ed25519 key file of this validator")
    tls_cert_path: Path = Field(
        description=(
            "this validator's TLS certificate (PEM), issued by its operator organisation's"
            " CA: role validator, name (CN) the validator id, subjectAltName the validator id"
            " and the hosts it is dialled at. It serves the gRPC port and dials the peers."
        )
    )
    tls_key_path: Path = Field(
        description="the certificate's unencrypted ECDSA P-256 private key (PEM; mode 0600)"
    )
    next_key_paths: list[Path] = Field(
        default_factory=list,
        max_length=NEXT_KEYS_MAX,
        description=(
            "more key files of this validator: the new key of a rotation"
            " (rotate_validator_key). The node signs each height with the key that the"
            " validator set in force there lists for it, so it keeps signing across the"
            " activation height. Unused keys are harmless; once the rotation is in force"
            " the new key may become key_path and the old one be dropped."
        ),
    )
    metrics_listen: str | None = Field(
        default=None, description="host:port for Prometheus metrics over HTTP; none if unset"
    )
    credentials_listen: str | None = Field(
        default=None,
        description=(
            "host:port for the open-credential routes (organisations' JWKS and status lists,"
            " docs/credentials.md), over HTTPS with tls_cert_path and tls_key_path (TLS 1.3);"
            " none if unset"
        ),
    )
    credentials_plain_http: bool = Field(
        default=False,
        description=(
            "serve the open-credential routes over plain HTTP instead: only when an operator"
            " asks for it, e.g. behind a proxy that terminates TLS with its own certificate"
        ),
    )
    credentials_url: str | None = Field(
        default=None,
        description=(
            "the base URL outsiders reach those routes at (in a status list's id);"
            " https://<credentials_listen> if unset (http:// with credentials_plain_http)"
        ),
    )
    tick_ms: int = Field(default=100, ge=10, le=10_000)
    retransmit_ticks: int = Field(default=10, ge=1)
    view_change_timeout_ticks: int = Field(
        # 2 s at the default tick. With 1 s, a backup on a loaded 2-core machine (4
        # validators, `make bench`) sometimes timed out alone when a round ran long; it then
        # waited in the next view, following by state transfer, and the other three had to
        # carry every round until they changed view too. A primary's failure now takes ~2 s
        # to act on rather than ~1 s.
        default=20,
        ge=2,
        description="ticks without progress, with requests pending, before a view change",
    )

    @model_validator(mode="after")
    def _keys_distinct(self) -> NodeConfig:
        paths = [self.key_path, *self.next_key_paths]
        if len(set(paths)) != len(paths):
            raise ValueError("key_path and next_key_paths must name different files")
        return self

    @property
    def all_key_paths(self) -> list[Path]:
        """``key_path`` first, then ``next_key_paths``."""
        return [self.key_path, *self.next_key_paths]

    @property
    def credentials_base_url(self) -> str:
        """What the open-credential routes name themselves (a status list's id):
        ``credentials_url``, else ``https://<credentials_listen>`` (``http://`` only with
        ``credentials_plain_http``); "" without routes."""
        if not self.credentials_listen:
            return ""
        scheme = "http" if self.credentials_plain_http else "https"
        return self.credentials_url or f"{scheme}://{self.credentials_listen}"

    @property
    def wal_path(self) -> Path:
        """The consensus WAL file (node.ledger.wal), beside the LevelDB folder ``home/db``."""
        return self.home / "consensus.wal"

    @classmethod
    def load(cls, path: Path) -> NodeConfig:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")
