"""`trustledger devnet`: a whole development network on this machine, on 127.0.0.1.

Layout of a devnet folder:
    devnet.json             chain id, addresses, wallet URL
    genesis.json            validators, organisations and their CA certificates
    tls/<org>/, cas/        each organisation's CA and certificates (cli/identities.py)
    keys/validators/*.json  encrypted validator keys
    keys/orgs/*.json        encrypted organisation keys (issuers, bank, auditor)
    nodes/<id>/node.json    per-validator config; nodes/<id>/db its LevelDB
    wallet/db               the wallet's LevelDB (folders 0700, files 0600)
    window/                 the bank's window service: clerks.json, its archive (LevelDB)
    logs/*.log              one log per process
    pids.json               running processes
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli import identities
from cli.consortium import ConsortiumClient
from cli.demo_catalogue import demo_catalogue
from consensus.validators import Validator, ValidatorSet
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyFileError, KeyPair, reseal_key_file, save_key_file
from node.config import NodeConfig
from node.genesis import Genesis
from node.sdk.client import DEFAULT_TIMEOUT_S, ClientError, LedgerClient
from node.sdk.https import https_context
from node.sdk.tls import ClientTls
from suites import ED25519_SHA256, SUITES, Suite, UnknownSuiteError, get_suite
from window.clerks import make_clerk, save_clerk

app = typer.Typer(help="Run a 4-validator development network on 127.0.0.1.", no_args_is_help=True)
console = Console()

DEVNET_PASSPHRASE = "devnet-only-not-for-production"
VALIDATOR_IDS = ("val-0", "val-1", "val-2", "val-3")
DEFAULT_BASE_PORT = 27100

# The consortium of the demo: who issues what, who keeps which archive records, who
# verifies, who registers guardianships and legal representatives, who audits, and which
# bureaus may run validators (`devnet add-validator --operator`).
ORGANISATIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "psb",
        "Public Security Bureau 公安局",
        ("issuer", "validator_operator"),
        ("resident_id_card", "driving_licence", "no_criminal_record"),
        (),
    ),
    (
        "edu",
        "Education Bureau 教育局",
        ("issuer", "validator_operator"),
        ("diploma", "teacher_qualification"),
        (),
    ),
    (
        "amr",
        "Market Regulation Administration 市场监督管理局",
        ("issuer", "archive_source", "registrar", "validator_operator"),
        ("business_licence", "food_business_permit"),
        (
            "enterprise_registration",
            "serious_violation_list",
            "special_equipment",
            "food_business_licence",
        ),
    ),
    (
        "hrss",
        "Human Resources and Social Security Bureau 人社局",
        ("issuer", "archive_source", "validator_operator"),
        ("social_security_card",),
        ("social_security", "housing_fund"),
    ),
    (
        "civil",
        "Civil Affairs Bureau 民政局",
        ("issuer", "archive_source", "registrar"),
        ("marriage_certificate", "disability_certificate"),
        ("family",),
    ),
    ("bank", "Weihai City Commercial Bank 威海市商业银行", ("verifier",), (), ()),
    ("audit", "Audit Bureau 审计局", ("auditor",), (), ()),
    ("bdc", "Big Data Center 大数据中心", ("validator_operator",), (), ()),
)
WALLET_ORG = "bdc"
OPS_ORG = "bdc"
"""Whose operator certificate devnet commands (status, readiness) call with."""
"""The organisation that runs the devnet's wallet service (the city's big data center)."""
WINDOW_ORG = "bank"
"""The agency whose window service (window/, `/window/`) the devnet runs: the bank verifies."""
WINDOW_CLERK = "clerk-01"
WINDOW_CLERK_NAME = "王芳 Wang Fang"
WINDOW_CLERK_PASSPHRASE = "window-devnet-only"
"""The devnet's window clerk and passphrase (printed by `devnet up` and `demo --keep`)."""
CREDIT_CODES = {
    "psb": "11371000000000001C",
    "edu": "11371000000000002F",
    "amr": "11371000000000003J",
    "hrss": "11371000000000004M",
    "civil": "11371000000000005Q",
}
"""The issuers' unified social credit codes (GB 32100), the issuer part of the national
identifiers their certificates get. DEMONSTRATION codes: valid check characters, not the
real bureaus' codes."""
VALIDATOR_OPERATORS = {"val-0": "psb", "val-1": "edu", "val-2": "amr", "val-3": "hrss"}
"""Which bureau runs each genesis validator: its certificate comes from that bureau's CA."""


def consortium(public_keys: dict[str, bytes]) -> tuple[Organisation, ...]:
    """The demo's member organisations, each with its key from `public_keys` (by id)."""
    return tuple(
        Organisation(
            id=org_id,
            name=name,
            public_key=public_keys[org_id],
            roles=roles,
            cert_types=cert_types,
            record_categories=categories,
        )
        for org_id, name, roles, cert_types, categories in ORGANISATIONS
    )


def passphrase() -> str:
    return os.environ.get("TRUSTLEDGER_KEY_PASSPHRASE", DEVNET_PASSPHRASE)


class DevnetNotFound(Exception):
    """The folder holds no devnet."""


def open_devnet(dir: Path) -> Devnet:
    """Devnet.load for commands: a missing devnet is a one-line error, exit code 2."""
    try:
        return Devnet.load(dir)
    except DevnetNotFound as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc


@dataclass(frozen=True)
class Devnet:
    """What a client needs to know about a devnet folder."""

    dir: Path
    chain_id: str
    addresses: dict[str, str]
    wallet_url: str
    metrics: dict[str, str]
    window_url: str = ""
    """The bank's window service (`<url>/window/`); "" in the docker and hosts layouts."""
    credentials: dict[str, str] = field(default_factory=dict)
    """Each validator's base URL of its open-credential routes (node/credentials_http.py)."""

    @property
    def credentials_url(self) -> str:
        """The first validator's open-credential routes: what credentials issued here name,
        and what `cert verify-vc` asks by default."""
        if not self.credentials:
            raise DevnetNotFound(f"{self.dir}: this devnet serves no credential routes")
        return next(iter(self.credentials.values()))

    def credentials_url_of(self, address: str) -> str:
        """The open-credential routes of the validator at gRPC `address` (the one a command
        just committed through, so it already holds what was committed); the first
        validator's if `address` is none of the devnet's."""
        for vid, known in self.addresses.items():
            if known == address and vid in self.credentials:
                return self.credentials[vid]
        return self.credentials_url

    @property
    def wallet_app_url(self) -> str:
        """The citizen's page (wallet/page.py) on the devnet's wallet."""
        return f"{self.wallet_url}/app/"

    @property
    def window_page_url(self) -> str:
        """The window clerk's page (window/) of the devnet's bank, "" if it has none."""
        return f"{self.window_url}/window/" if self.window_url else ""

    def window_tls(self) -> ssl.SSLContext:
        """What the window's HTTPS certificate is checked with: the bank's CA."""
        return https_context([self.dir / identities.CAS_DIR / f"{WINDOW_ORG}.pem"])

    @property
    def node_address(self) -> str:
        return next(iter(self.addresses.values()))

    @property
    def genesis(self) -> Genesis:
        return Genesis.load(self.dir / "genesis.json")

    def org_key_path(self, org_id: str) -> Path:
        return self.dir / "keys" / "orgs" / f"{org_id}.json"

    def wallet_tls(self) -> ssl.SSLContext:
        """What the wallet's HTTPS certificate is checked with: the CA of the organisation
        that runs it (TLS 1.3, host name checked)."""
        return https_context([self.dir / identities.CAS_DIR / f"{WALLET_ORG}.pem"])

    def credentials_tls(self) -> ssl.SSLContext:
        """What a validator's open-credential routes (HTTPS with its own certificate) are
        checked with: the CAs of the organisations that run the validators."""
        orgs = sorted(set(VALIDATOR_OPERATORS.values()))
        return https_context([self.dir / identities.CAS_DIR / f"{org}.pem" for org in orgs])

    def tls(self, org: str = OPS_ORG, name: str = identities.OPERATOR) -> ClientTls:
        """The devnet's certificate of `name` of `org` (an organisation's operator by
        default; the big data center's, which runs the devnet, if no org is named)."""
        return identities.client_tls(self.dir, org, name)

    def client(
        self,
        address: str | None = None,
        org: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> LedgerClient:
        """A client of one validator (the first by default) calling as `org`'s operator, or,
        with no org, as whichever member each call is for (cli/consortium.py)."""
        address = address or self.node_address
        if org is not None:
            return LedgerClient(
                address, self.chain_id, self.tls(org), timeout_s, suite=self.genesis.suite
            )
        return ConsortiumClient(
            address,
            self.chain_id,
            self.tls,
            {o.public_key: o.id for o in self.genesis.organisations},
            (WALLET_ORG, identities.WALLET),
            timeout_s,
            suite=self.genesis.suite,
        )

    @classmethod
    def load(cls, dir: Path) -> Devnet:
        path = dir / "devnet.json"
        if not path.exists():
            raise DevnetNotFound(
                f"{dir} is not a devnet folder (no devnet.json): run `trustledger devnet up --dir {dir}`"
            )
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            dir=dir,
            chain_id=doc["chain_id"],
            addresses=doc["validators"],
            wallet_url=doc["wallet_url"],
            metrics=doc.get("metrics", {}),
            window_url=doc.get("window_url", ""),
            credentials=doc.get("credentials", {}),
        )


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


DOCKER_PORT = 27100
DOCKER_WALLET_PORT = 27200
DOCKER_METRICS_PORT = 27300
DOCKER_CREDENTIALS_PORT = 27400


def reseal_key_files(dir: Path) -> list[Path]:
    """Seal the devnet's validator and organisation keys anew with their suite's box where
    they name another (an SM chain's key files from before SM4: XSalsa20-Poly1305), as the
    wallet re-seals a holder's record at sign-in; the files it rewrote. A key file that does
    not open is refused (ValueError, one line), that file and the later ones unchanged."""
    resealed = []
    for path in sorted((dir / "keys").glob("*/*.json")):
        try:
            if reseal_key_file(path, passphrase()):
                resealed.append(path)
        except KeyFileError as exc:
            raise ValueError(str(exc)) from exc
    return resealed


def init_devnet(
    dir: Path,
    base_port: int,
    *,
    docker: bool = False,
    hosts: Mapping[str, str] | None = None,
    suite: Suite | None = None,
) -> Devnet:
    """Generate keys, genesis and configs; idempotent: an existing devnet is reused.

    ``suite`` is the chain's crypto suite (docs/sm-suite.md): its genesis names it, and the
    validators' and organisations' keys are made in it (the wallet makes its holders' keys
    in it too). None: ``ed25519-sha256`` for a new devnet, whatever an existing one has;
    a suite other than an existing devnet's is refused (ValueError), nothing changed. An
    existing devnet's key files are re-sealed with their suite's box (`reseal_key_files`).

    With docker=True, each validator is a host named after its id (docker/compose.yaml),
    listens on all interfaces of its container and paths are those of the shared volume.
    With `hosts` (each validator id and "wallet" -> an IPv4 address), each process has a
    host of its own, as in tests/netns: it listens on its address only, on the ports the
    docker layout uses, since no two processes share an address.
    """
    if (dir / "devnet.json").exists():
        net = Devnet.load(dir)
        if suite is not None and suite.name != net.genesis.suite.name:
            raise ValueError(
                f"the devnet in {dir} is a {net.genesis.suite.name} chain, not {suite.name}:"
                " use another --dir for a chain of another suite"
            )
        reseal_key_files(dir)
        return net
    suite = ED25519_SHA256 if suite is None else suite
    if hosts is not None and (docker or {*VALIDATOR_IDS, "wallet"} - set(hosts)):
        raise ValueError(
            f"hosts needs an address for each of {VALIDATOR_IDS} and 'wallet', no docker"
        )
    dir.mkdir(parents=True, exist_ok=True)
    n = len(VALIDATOR_IDS)
    ports = (
        free_ports(3 * n + 2)
        if base_port == 0
        else [base_port + i for i in range(n)]
        + [base_port + 100]
        + [base_port + 200 + i for i in range(n)]
        + [base_port + 150]
        + [base_port + 300 + i for i in range(n)]
    )
    # ports: validators' gRPC [0, n), the wallet n, validators' metrics (n, 2n], the window
    # 2n + 1, validators' open-credential routes (2n + 1, 3n + 1]
    pw = passphrase()
    validators = []
    for vid in VALIDATOR_IDS:
        kp = KeyPair.generate(suite)
        save_key_file(dir / "keys" / "validators" / f"{vid}.json", kp, pw, label=vid)
        validators.append(Validator(vid, kp.public_key))
    org_keys = {org_id: KeyPair.generate(suite) for org_id, *_ in ORGANISATIONS}
    for org_id, kp in org_keys.items():
        save_key_file(dir / "keys" / "orgs" / f"{org_id}.json", kp, pw, label=org_id)
    orgs = consortium({org_id: kp.public_key for org_id, kp in org_keys.items()})
    # The wallet's certificates name loopback too: a health check from its own host or
    # container, and docker's port published on the host's 127.0.0.1.
    wallet_hosts = ["127.0.0.1", "localhost"]
    if docker:
        addresses = {vid: f"{vid}:{DOCKER_PORT}" for vid in VALIDATOR_IDS}
        wallet_hosts = ["wallet", *wallet_hosts]
    elif hosts is not None:
        addresses = {vid: f"{hosts[vid]}:{DOCKER_PORT}" for vid in VALIDATOR_IDS}
        wallet_hosts = [hosts["wallet"], *wallet_hosts]
    else:
        addresses = {vid: f"127.0.0.1:{ports[i]}" for i, vid in enumerate(VALIDATOR_IDS)}
    cas = identities.make_devnet_identities(
        dir,
        orgs,
        {
            vid: (VALIDATOR_OPERATORS[vid], [addresses[vid].rsplit(":", 1)[0], "localhost"])
            for vid in VALIDATOR_IDS
        },
        (WALLET_ORG, wallet_hosts),
        dt.datetime.now(dt.UTC),
        window=(WINDOW_ORG, ["127.0.0.1", "localhost"]),
    )
    chain_id = f"trustledger-devnet-{os.urandom(3).hex()}"
    genesis = Genesis(
        chain_id=chain_id,
        genesis_time_ms=int(time.time() * 1000),
        validators=ValidatorSet(tuple(validators)),
        organisations=tuple(orgs),
        ca_certificates=tuple(sorted((org, pem.decode("ascii")) for org, pem in cas.items())),
        credit_codes=tuple(sorted(CREDIT_CODES.items())),
        validator_operators=tuple(sorted(VALIDATOR_OPERATORS.items())),
        catalogue=demo_catalogue(),
        suite=suite,
    )
    genesis.save(dir / "genesis.json")
    cfg_metrics: dict[str, str] = {}
    cfg_credentials: dict[str, str] = {}
    for vid in VALIDATOR_IDS:
        home = dir / "nodes" / vid
        home.mkdir(mode=0o700, parents=True, exist_ok=True)  # a node refuses a readable one
        tls_cert, tls_key = identities.cert_paths(dir, VALIDATOR_OPERATORS[vid], vid)
        NodeConfig(
            validator_id=vid,
            home=home.resolve(),
            listen=f"0.0.0.0:{DOCKER_PORT}" if docker else addresses[vid],
            metrics_listen=cfg_metrics.setdefault(
                vid,
                f"0.0.0.0:{DOCKER_METRICS_PORT}"
                if docker
                else f"{hosts[vid]}:{DOCKER_METRICS_PORT}"
                if hosts is not None
                else f"127.0.0.1:{ports[n + 1 + VALIDATOR_IDS.index(vid)]}",
            ),
            credentials_listen=cfg_credentials.setdefault(
                vid,
                f"0.0.0.0:{DOCKER_CREDENTIALS_PORT}"
                if docker
                else f"{hosts[vid]}:{DOCKER_CREDENTIALS_PORT}"
                if hosts is not None
                else f"127.0.0.1:{ports[2 * n + 2 + VALIDATOR_IDS.index(vid)]}",
            ),
            credentials_url=f"https://{vid}:{DOCKER_CREDENTIALS_PORT}" if docker else None,
            peers={p: a for p, a in addresses.items() if p != vid},
            genesis_path=(dir / "genesis.json").resolve(),
            key_path=(dir / "keys" / "validators" / f"{vid}.json").resolve(),
            tls_cert_path=tls_cert.resolve(),
            tls_key_path=tls_key.resolve(),
        ).save(home / "node.json")
    (dir / "wallet").mkdir(mode=0o700, exist_ok=True)  # the wallet refuses a readable one
    window_url = "" if docker or hosts is not None else f"https://127.0.0.1:{ports[2 * n + 1]}"
    if window_url:
        save_clerk(
            dir / "window" / "clerks.json",
            make_clerk(WINDOW_CLERK, WINDOW_CLERK_NAME, WINDOW_CLERK_PASSPHRASE),
        )
    wallet_url = (
        f"https://wallet:{DOCKER_WALLET_PORT}"
        if docker
        else f"https://{hosts['wallet']}:{DOCKER_WALLET_PORT}"
        if hosts is not None
        else f"https://127.0.0.1:{ports[n]}"
    )
    (dir / "devnet.json").write_text(
        json.dumps(
            {
                "chain_id": chain_id,
                "validators": addresses,
                "wallet_url": wallet_url,
                "window_url": window_url,
                "metrics": {vid: f"http://{cfg_metrics[vid]}/metrics" for vid in VALIDATOR_IDS},
                "credentials": {
                    vid: f"https://{vid}:{DOCKER_CREDENTIALS_PORT}"
                    if docker
                    else f"https://{cfg_credentials[vid]}"
                    for vid in VALIDATOR_IDS
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return Devnet.load(dir)


def _pids_path(dir: Path) -> Path:
    return dir / "pids.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(dir: Path) -> dict[str, int]:
    path = _pids_path(dir)
    if not path.exists():
        return {}
    pids: dict[str, int] = json.loads(path.read_text(encoding="utf-8"))
    return {name: pid for name, pid in pids.items() if _alive(pid)}


# Children started by this process, kept so they can be reaped (no zombies, no warnings).
_children: dict[int, subprocess.Popen[bytes]] = {}


def start_process(
    dir: Path, name: str, argv: list[str], env: dict[str, str], *, prefix: Sequence[str] = ()
) -> int:
    """Start `argv` in the background, logging to logs/<name>.log, and record its pid.

    `prefix` goes before `argv`, e.g. `ip netns exec <ns>` to run it in a network
    namespace; it must exec `argv` in place, so that the pid recorded is the process's.
    """
    (dir / "logs").mkdir(exist_ok=True)
    log = open(dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [*prefix, *argv],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        start_new_session=True,
    )
    log.close()
    _children[proc.pid] = proc
    pids = json.loads(_pids_path(dir).read_text()) if _pids_path(dir).exists() else {}
    pids[name] = proc.pid
    _pids_path(dir).write_text(json.dumps(pids, indent=2))
    return proc.pid


def start_validator(net: Devnet, vid: str, *, prefix: Sequence[str] = ()) -> int:
    return start_process(
        net.dir,
        vid,
        [
            sys.executable,
            "-m",
            "node",
            "--config",
            str((net.dir / "nodes" / vid / "node.json").resolve()),
        ],
        {"TRUSTLEDGER_KEY_PASSPHRASE": passphrase()},
        prefix=prefix,
    )


def wallet_tls_env(dir: Path) -> dict[str, str]:
    """The wallet's certificate settings (wallet/settings.py) for a devnet in `dir`: the
    certificate it calls validators with, and the one it serves HTTPS with."""
    cert, key = identities.cert_paths(dir, WALLET_ORG, identities.WALLET)
    https_cert, https_key = identities.cert_paths(dir, WALLET_ORG, identities.WALLET_HTTPS)
    return {
        "TRUSTLEDGER_WALLET_TLS_CERT_PATH": str(cert.resolve()),
        "TRUSTLEDGER_WALLET_TLS_KEY_PATH": str(key.resolve()),
        "TRUSTLEDGER_WALLET_TLS_CA_DIR": str((dir / identities.CAS_DIR).resolve()),
        "TRUSTLEDGER_WALLET_HTTPS_CERT_PATH": str(https_cert.resolve()),
        "TRUSTLEDGER_WALLET_HTTPS_KEY_PATH": str(https_key.resolve()),
    }


def start_wallet(net: Devnet, *, prefix: Sequence[str] = ()) -> int:
    url = urlsplit(net.wallet_url)
    return start_process(
        net.dir,
        "wallet",
        [sys.executable, "-m", "wallet"],
        {
            "TRUSTLEDGER_WALLET_DATA_DIR": str((net.dir / "wallet").resolve()),
            "TRUSTLEDGER_WALLET_NODE_ADDRESS": net.node_address,
            "TRUSTLEDGER_WALLET_GENESIS_PATH": str((net.dir / "genesis.json").resolve()),
            "TRUSTLEDGER_WALLET_HOST": str(url.hostname),
            "TRUSTLEDGER_WALLET_PORT": str(url.port),
            **wallet_tls_env(net.dir),
        },
        prefix=prefix,
    )


def start_window(net: Devnet) -> int:
    """The bank's window service (window/): its operator certificate and key file, the
    clerks file made at init, HTTPS with its CA's certificate."""
    url = urlsplit(net.window_url)
    cert, key = identities.cert_paths(net.dir, WINDOW_ORG, identities.OPERATOR)
    https_cert, https_key = identities.cert_paths(net.dir, WINDOW_ORG, identities.WINDOW_HTTPS)
    org_name = next(name for org_id, name, *_ in ORGANISATIONS if org_id == WINDOW_ORG)
    home = (net.dir / "window").resolve()
    return start_process(
        net.dir,
        "window",
        [sys.executable, "-m", "window", "serve"],
        {
            "TRUSTLEDGER_KEY_PASSPHRASE": passphrase(),
            "TRUSTLEDGER_WINDOW_ORG": WINDOW_ORG,
            "TRUSTLEDGER_WINDOW_ORG_NAME": org_name,
            "TRUSTLEDGER_WINDOW_DATA_DIR": str(home),
            "TRUSTLEDGER_WINDOW_CLERKS_PATH": str(home / "clerks.json"),
            "TRUSTLEDGER_WINDOW_ORG_KEY_PATH": str(net.org_key_path(WINDOW_ORG).resolve()),
            "TRUSTLEDGER_WINDOW_NODE_ADDRESS": net.node_address,
            "TRUSTLEDGER_WINDOW_GENESIS_PATH": str((net.dir / "genesis.json").resolve()),
            "TRUSTLEDGER_WINDOW_TLS_CERT_PATH": str(cert.resolve()),
            "TRUSTLEDGER_WINDOW_TLS_KEY_PATH": str(key.resolve()),
            "TRUSTLEDGER_WINDOW_TLS_CA_DIR": str((net.dir / identities.CAS_DIR).resolve()),
            "TRUSTLEDGER_WINDOW_HTTPS_CERT_PATH": str(https_cert.resolve()),
            "TRUSTLEDGER_WINDOW_HTTPS_KEY_PATH": str(https_key.resolve()),
            "TRUSTLEDGER_WINDOW_HOST": str(url.hostname),
            "TRUSTLEDGER_WINDOW_PORT": str(url.port),
        },
    )


def wait_ready(net: Devnet, timeout_s: float = 60.0, show: bool = True) -> None:
    deadline = time.monotonic() + timeout_s
    names = [*net.addresses, "wallet"]
    with Progress(console=console, transient=True, disable=not show) as progress:
        task = progress.add_task("waiting for validators and wallet", total=len(names))
        for vid, address in net.addresses.items():
            while True:
                try:
                    with net.client(address, OPS_ORG, timeout_s=2.0) as c:
                        c.status()
                    break
                except ClientError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"{vid} did not become ready; see {net.dir}/logs/{vid}.log"
                        ) from None
                    time.sleep(0.2)
            progress.advance(task)
        wait_healthy(net, "wallet", net.wallet_url + "/v1/health", net.wallet_tls, deadline)
        progress.advance(task)
        if net.window_url:
            wait_healthy(net, "window", net.window_url + "/api/health", net.window_tls, deadline)


def wait_healthy(
    net: Devnet, name: str, url: str, tls: Callable[[], ssl.SSLContext], deadline: float
) -> None:
    """Poll the health `url` of the devnet's service `name` (its HTTPS checked with a fresh
    `tls()` each try) until it answers 200, or raise once the monotonic `deadline` passes."""
    while True:
        try:
            health = httpx.get(url, timeout=2.0, verify=tls())
            if health.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not become ready; see {net.dir}/logs/{name}.log")
        time.sleep(0.2)


def up(
    dir: Path, base_port: int = DEFAULT_BASE_PORT, show: bool = True, suite: Suite | None = None
) -> Devnet:
    net = init_devnet(dir, base_port, suite=suite)
    alive = running(dir)
    for vid in net.addresses:  # genesis validators and any added by `add-validator`
        if vid not in alive:
            start_validator(net, vid)
    if "wallet" not in alive:
        start_wallet(net)
    if net.window_url and "window" not in alive:
        start_window(net)
    wait_ready(net, show=show)
    return net


def stop_process(dir: Path, name: str, *, hard: bool = False, timeout_s: float = 10.0) -> None:
    """SIGTERM (or SIGKILL with hard=True), wait, and SIGKILL whatever is still alive."""
    pid = running(dir).get(name)
    if pid is None:
        return
    child = _children.pop(pid, None)
    os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child is not None:
            if child.poll() is not None:
                return
        else:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not _alive(pid):
                return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if child is not None:
        child.wait(timeout=timeout_s)


def down(dir: Path) -> list[str]:
    names = list(running(dir))
    for name in names:
        stop_process(dir, name)
    _pids_path(dir).unlink(missing_ok=True)
    return names


def node_status(net: Devnet) -> list[dict[str, Any]]:
    rows = []
    for vid, address in net.addresses.items():
        try:
            with net.client(address, OPS_ORG, timeout_s=2.0) as c:
                st = c.status()
            rows.append(
                {
                    "validator": vid,
                    "address": address,
                    "up": True,
                    "height": st.height,
                    "view": st.view,
                    "view_changing": st.view_changing,
                    "primary": st.primary,
                    "mempool": st.mempool_size,
                    "last_block": st.last_block_hash.hex()[:16],
                }
            )
        except ClientError as exc:
            rows.append({"validator": vid, "address": address, "up": False, "error": exc.code})
    return rows


DirOpt = Annotated[Path, typer.Option("--dir", help="devnet folder (created if missing)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
BasePortOpt = Annotated[
    int, typer.Option(help="first validator port on 127.0.0.1; 0 picks free ports")
]
SuiteOpt = Annotated[
    str | None,
    typer.Option(
        "--suite",
        help=f"the chain's crypto suite, one of {', '.join(SUITES)} (a new devnet:"
        " ed25519-sha256 when not given; docs/sm-suite.md)",
    ),
]


def suite_of(name: str | None) -> Suite | None:
    """The suite named on the command line (None if not given); an unknown name ends the
    command with one line naming the known ones."""
    if name is None:
        return None
    try:
        return get_suite(name)
    except UnknownSuiteError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@app.command("up")
def up_cmd(
    dir: DirOpt = Path("devnet"),
    base_port: BasePortOpt = DEFAULT_BASE_PORT,
    json_out: JsonOpt = False,
    suite: SuiteOpt = None,
) -> None:
    """Generate keys and genesis (first time), start 4 validators, the wallet and the bank's
    window service."""
    try:
        net = up(dir, base_port, show=not json_out, suite=suite_of(suite))
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "chain_id": net.chain_id,
                    "suite": net.genesis.suite.name,
                    "validators": net.addresses,
                    "wallet_url": net.wallet_url,
                    "wallet_app_url": net.wallet_app_url,
                    "window_url": net.window_page_url,
                }
            )
        )
        return
    console.print(f"[green]devnet {net.chain_id} is up[/] in {dir} ({net.genesis.suite.name})")
    console.print(f"  validators: {', '.join(f'{k}={v}' for k, v in net.addresses.items())}")
    console.print(f"  wallet:     {net.wallet_url}  (OpenAPI at {net.wallet_url}/docs)")
    console.print(f"  page:       {net.wallet_app_url}  (the citizen's page)")
    if net.window_url:
        console.print(f"  window:     {net.window_page_url}  (the bank's window clerk)")
        console.print(f"  clerk:      {WINDOW_CLERK}  passphrase: {WINDOW_CLERK_PASSPHRASE}")


@app.command("init")
def init_cmd(
    dir: DirOpt = Path("devnet"),
    docker: Annotated[
        bool, typer.Option(help="lay out for docker/compose.yaml (hosts val-0..val-3, wallet)")
    ] = False,
    base_port: BasePortOpt = DEFAULT_BASE_PORT,
    suite: SuiteOpt = None,
) -> None:
    """Only generate keys, genesis and configs (for operators and containers); start nothing."""
    try:
        net = init_devnet(dir, base_port, docker=docker, suite=suite_of(suite))
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"devnet {net.chain_id} initialised in {dir}")


@app.command("down")
def down_cmd(dir: DirOpt = Path("devnet"), json_out: JsonOpt = False) -> None:
    """Stop every process of the devnet (data is kept)."""
    stopped = down(dir)
    if json_out:
        typer.echo(json.dumps({"stopped": stopped}))
    else:
        console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


def agreed_view(rows: list[dict[str, Any]]) -> tuple[int, str] | None:
    """The (view, primary) that a quorum (2f+1) of the validators in `rows` work in.

    One replica's word is not enough: a replica that timed out alone (say, while two peers
    were restarting) waits in the next view for its NewView and names the primary it asked
    for, while the others go on in the old view. Returns None while no quorum agrees.
    """
    n = len(rows)
    quorum = n - (n - 1) // 3
    votes: dict[tuple[int, str], int] = {}
    for r in rows:
        if r["up"] and not r["view_changing"]:
            key = (int(r["view"]), str(r["primary"]))
            votes[key] = votes.get(key, 0) + 1
    agreed = [key for key, count in votes.items() if count >= quorum]
    return agreed[0] if agreed else None


@app.command("status")
def status_cmd(dir: DirOpt = Path("devnet"), json_out: JsonOpt = False) -> None:
    """Height, view and primary of each validator."""
    net = open_devnet(dir)
    rows = node_status(net)
    agreed = agreed_view(rows)
    if json_out:
        consensus = {"view": agreed[0], "primary": agreed[1]} if agreed else None
        typer.echo(
            json.dumps({"chain_id": net.chain_id, "consensus": consensus, "validators": rows})
        )
        return
    table = Table(title=f"devnet {net.chain_id}")
    for col in ("validator", "address", "up", "height", "view", "primary", "mempool", "last_block"):
        table.add_column(col)
    for r in rows:
        if r.get("view_changing"):
            # Waiting for this view's NewView: the primary shown is the one it asked for.
            r = {**r, "view": f"{r['view']} (changing)"}
        table.add_row(
            *(
                str(r.get(c, "-"))
                for c in (
                    "validator",
                    "address",
                    "up",
                    "height",
                    "view",
                    "primary",
                    "mempool",
                    "last_block",
                )
            )
        )
    console.print(table)
    if agreed is not None:
        console.print(f"consensus: view {agreed[0]}, primary {agreed[1]}")
    else:
        console.print("consensus: no quorum of validators agrees on a view right now")
