"""docker/ cannot be run here (no Docker engine), so check that it agrees with the code:
every shipped package is copied into the image; every service's command exists (a
`trustledger` command of the CLI, or a module of the image); every path compose mounts is
one that `trustledger devnet init --docker` produces; and each container gets only its own
organisation's material (issue 11)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from cli import devnet, identities
from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
HOST_DEVNET = "./devnet"
"""Where compose expects `devnet init --docker` on the host (relative to docker/)."""
SECRET = re.compile(r"/(tls/[^/]+/[^/]+\.key|keys/.+\.json)$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A devnet laid out as `devnet init --docker` writes it, in a folder of our own."""
    folder = tmp_path_factory.mktemp("docker-devnet")
    devnet.init_devnet(folder, devnet.DEFAULT_BASE_PORT, docker=True)
    return folder


def _mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host path, container path) of each bind mount."""
    pairs = []
    for volume in service.get("volumes", []):
        host, container, *_ = volume.split(":")
        pairs.append((host, container))
    return pairs


def _cli_has(argv: list[str]) -> bool:
    """Whether `trustledger ARGV` names a command (a leaf, not a group) of the CLI. Groups
    are told by their `commands` (typer ships its own click)."""
    command: Any = typer.main.get_command(app)
    for word in argv:
        if word.startswith("-"):
            break
        subcommands = getattr(command, "commands", None)
        if subcommands is None or word not in subcommands:
            return False
        command = subcommands[word]
    return not hasattr(command, "commands")


def test_image_copies_every_shipped_package() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert {p.split(".")[0] for p in packages} == copied


def test_every_validator_and_the_wallet_have_a_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(devnet.VALIDATOR_IDS) | {"wallet", "init"} == set(services)
    for vid in devnet.VALIDATOR_IDS:
        assert services[vid]["command"] == ["--config", f"/devnet/nodes/{vid}/node.json"]
    env = services["wallet"]["environment"]
    assert env["TRUSTLEDGER_WALLET_PORT"] == str(devnet.DOCKER_WALLET_PORT)
    assert env["TRUSTLEDGER_WALLET_NODE_ADDRESS"] == f"val-0:{devnet.DOCKER_PORT}"


def test_every_command_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        entry = service["entrypoint"]
        if entry[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(entry[2]) is not None, name
        else:
            script = entry[-1]
            assert entry[:2] == ["sh", "-c"], name
            for part in script.split("&&"):
                words = part.split()
                if words[0] == "trustledger":
                    assert _cli_has(words[1:]), f"{name}: no CLI command {part.strip()!r}"
        check = service.get("healthcheck", {}).get("test")
        if check:
            assert check[:3] == ["CMD", "python", "-m"], name
            assert importlib.util.find_spec(check[3]) is not None, name
    assert (
        "trustledger devnet init --dir /devnet --docker"
        in compose["services"]["init"]["entrypoint"][-1]
    )
    assert _cli_has(["devnet", "init"]) and not _cli_has(["devnet", "no-such-command"])


def test_every_mounted_path_is_produced_by_devnet_init(
    compose: dict[str, Any], produced: Path
) -> None:
    for name, service in compose["services"].items():
        for host, container in _mounts(service):
            assert host.startswith(HOST_DEVNET), (name, host)
            relative = host[len(HOST_DEVNET) :].lstrip("/")
            assert (produced / relative).exists(), f"{name} mounts {host}: not produced"
            # The file lands where the configs written by init look for it.
            assert container == "/devnet" + ("/" + relative if relative else ""), name


def test_paths_in_configs_are_mounted(compose: dict[str, Any], produced: Path) -> None:
    """A validator's node.json names files by their path in /devnet: each must be mounted."""
    for vid in devnet.VALIDATOR_IDS:
        config = (produced / "nodes" / vid / "node.json").read_text(encoding="utf-8")
        named = set(re.findall(r'"(/[^"]+)"', config.replace(str(produced), "/devnet")))
        mounted = [c for _, c in _mounts(compose["services"][vid])]
        for path in named:
            assert any(path == m or path.startswith(m + "/") for m in mounted), (vid, path)
    env = compose["services"]["wallet"]["environment"]
    mounted = [c for _, c in _mounts(compose["services"]["wallet"])]
    for key in (
        "TLS_CERT_PATH",
        "TLS_KEY_PATH",
        "TLS_CA_DIR",
        "HTTPS_CERT_PATH",
        "HTTPS_KEY_PATH",
        "GENESIS_PATH",
        "DATA_DIR",
    ):
        path = env[f"TRUSTLEDGER_WALLET_{key}"]
        assert any(path == m or path.startswith(m + "/") for m in mounted), key


def test_each_container_gets_only_its_own_organisations_secrets(
    compose: dict[str, Any],
) -> None:
    owner = {**devnet.VALIDATOR_OPERATORS, "wallet": devnet.WALLET_ORG}
    for name, service in compose["services"].items():
        if name == "init":
            continue
        for _, container in _mounts(service):
            assert container != "/devnet", f"{name} mounts the whole devnet"
            assert not container.endswith(f"/{identities.TLS_DIR}"), name
            secret = SECRET.search(container)
            if secret is None:
                continue
            path = secret.group(1)
            if path.startswith("tls/"):
                assert path.split("/")[1] == owner[name], f"{name} gets {path}"
                assert not path.endswith("/ca.key"), f"{name} gets a CA key"
            else:
                assert path == f"keys/validators/{name}.json", f"{name} gets {path}"
