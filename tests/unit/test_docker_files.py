"""docker/ cannot be run here (no Docker engine), so check that it agrees with the code:
every shipped package is copied into the image, and compose runs every devnet validator
with the config path and port that `trustledger devnet init --docker` writes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from cli.devnet import DOCKER_PORT, DOCKER_WALLET_PORT, VALIDATOR_IDS

ROOT = Path(__file__).resolve().parents[2]


def test_image_copies_every_shipped_package() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert {p.split(".")[0] for p in packages} == copied


def test_compose_runs_each_validator_and_the_wallet() -> None:
    compose = (ROOT / "docker" / "compose.yaml").read_text()
    for vid in VALIDATOR_IDS:
        assert f"  {vid}:\n" in compose
        assert f'"/devnet/nodes/{vid}/node.json"' in compose
    assert f"localhost:{DOCKER_PORT}" in compose
    assert f'TRUSTLEDGER_WALLET_PORT: "{DOCKER_WALLET_PORT}"' in compose
    assert '["devnet", "init", "--dir", "/devnet", "--docker"]' in compose
