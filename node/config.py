"""A validator's configuration: one JSON file in its home folder, written by
`trustledger devnet up` (or by an operator), overridable by TRUSTLEDGER_NODE_* variables."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field


class NodeConfig(BaseModel):
    validator_id: str = Field(description="this validator's id in genesis")
    home: Path = Field(description="folder holding the LevelDB and logs")
    listen: str = Field(description="host:port for the gRPC server")
    peers: dict[str, str] = Field(description="validator id -> host:port of the other validators")
    genesis_path: Path
    key_path: Path = Field(description="encrypted Ed25519 key file of this validator")
    metrics_listen: str | None = Field(
        default=None, description="host:port for Prometheus metrics over HTTP; none if unset"
    )
    tick_ms: int = Field(default=100, ge=10, le=10_000)
    retransmit_ticks: int = Field(default=10, ge=1)
    view_change_timeout_ticks: int = Field(
        default=10,
        ge=2,
        description="ticks without progress, with requests pending, before a view change",
    )

    @classmethod
    def load(cls, path: Path) -> NodeConfig:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")
