"""What every sub-command shares: its options, its hold on the devnet, its errors and its
output, so that a command body says only what is particular to it."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

from cli.devnet import OPS_ORG, Devnet, open_devnet, passphrase
from cli.devnet import JsonOpt as JsonOpt  # every command's --json, declared once
from cli.identities import ca_paths
from consensus.validators import ValidatorSchedule
from contracts.catalogue.definitions import PURPOSE_CODE_RE
from contracts.catalogue.purposes import PURPOSES
from node.chain.crypto import KeyFileError, KeyPair, load_key_file
from node.chain.tx import ArgValue
from node.sdk.catalogue import fetch_purpose_codes
from node.sdk.client import ClientError, Committed, LedgerClient, TransactionRejected
from node.sdk.finality import FinalityError, ProvenValue
from node.sdk.tls import ClientTls, TlsFilesError

console = Console()
err_console = Console(stderr=True)

DAY_MS = 86_400_000

DirOpt = Annotated[
    Path, typer.Option("--dir", help="devnet folder with devnet.json, genesis and keys")
]
NodeOpt = Annotated[
    str | None,
    typer.Option("--node", help="host:port of a validator (default: the devnet's first)"),
]


def _check_purpose_code(code: str) -> str:
    if code and PURPOSE_CODE_RE.fullmatch(code) is None:
        raise typer.BadParameter(
            f"{code!r} is no purpose code (3 digits); `trustledger catalogue list --kind"
            f" purposes` lists the chain's, e.g. {PURPOSE_CODES_HELP}"
        )
    return code


PURPOSE_CODES_HELP = ", ".join(f"{e.id} {e.name_zh}" for e in PURPOSES.values())
"""The devnet genesis's purpose codes, as help text only: the chain's list may differ
(purposes are registered and retired by governance), and an option's help and its callback
run before the command has a devnet folder or a node to ask."""
PurposeCodeOpt = Annotated[
    str,
    typer.Option(
        "--purpose-code",
        help="purpose of use (申请事由), recorded on the chain: a code of the chain's list"
        f" (`trustledger catalogue list --kind purposes`); the devnet's: {PURPOSE_CODES_HELP}",
        callback=_check_purpose_code,
    ),
]
"""A purpose code: its form (3 digits) is checked before any call; whether the chain's list
holds it (and in force) is the node's check, which refuses a verification record or a
consent request without one, naming the code."""


def check_purpose_on_chain(client: LedgerClient, code: str) -> None:
    """End the command, before any transaction, unless `code` is a purpose in force in the
    chain's list (the node would refuse it: this says so without a rejected transaction)."""
    listed = fetch_purpose_codes(client).get(code)
    if listed is None:
        fail(
            f"purpose code {code} is not in the chain's list"
            " (`trustledger catalogue list --kind purposes`)"
        )
    if listed.get("retired_height"):
        fail(f"purpose code {code} was retired at height {listed['retired_height']}")


OrgOpt = Annotated[
    str,
    typer.Option("--org", help="organisation id whose key signs (its key file in DIR/keys/orgs)"),
]
SigningKeyOpt = Annotated[
    Path | None,
    typer.Option("--signing-key", help="explicit signing key file instead of the devnet's org key"),
]
CertOpt = Annotated[
    Path | None,
    typer.Option(
        "--cert",
        help="TLS client certificate (PEM) to call with, instead of the devnet's"
        " certificate of the organisation (DIR/tls/<org>/operator.pem)",
    ),
]
TlsKeyOpt = Annotated[Path | None, typer.Option("--key", help="private key (PEM) of --cert")]
CaOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--ca",
        help="CA certificate (PEM) a validator's certificate may chain to; repeat for"
        " several (default: every CA in DIR/tls)",
    ),
]


@dataclass(frozen=True)
class Caller:
    """Who a command calls the node as: the devnet's certificate of an organisation, or
    files named by --cert/--key/--ca."""

    org: str
    cert: Path | None = None
    key: Path | None = None
    cas: tuple[Path, ...] = ()

    def tls(self, net: Devnet) -> ClientTls:
        if (self.cert is None) != (self.key is None):
            fail("--cert and --key go together", 2)
        try:
            if self.cert is None or self.key is None:
                if self.cas:
                    return replace(net.tls(self.org), cas=ClientTls.load_cas(self.cas))
                return net.tls(self.org)
            return ClientTls.load(self.cert, self.key, list(self.cas) or ca_paths(net.dir))
        except TlsFilesError as exc:
            fail(f"{exc} (a devnet made before certificates existed needs `devnet init` anew)", 2)


def fail(message: str, code: int = 1) -> NoReturn:
    # Escaped: a message is plain text (a refusal's "[tx … in block N]" is no markup).
    err_console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def read_input(path: Path) -> bytes:
    """A file the command was given to read; one it cannot read ends it with a one-line
    error, before anything is sent."""
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


def load_org_key(net: Devnet, org: str, key: Path | None) -> KeyPair:
    path = key or net.org_key_path(org)
    try:
        return load_key_file(path, passphrase())
    except KeyFileError as exc:  # before the command does anything: as a refused start
        fail(str(exc), 2)


@contextmanager
def ledger(net: Devnet, node: str | None, caller: Caller | None = None) -> Iterator[LedgerClient]:
    """A client of `node` (the devnet's first validator by default) calling as `caller`
    (the devnet's operator by default); what the node or the contract refuses ends the
    command with a one-line error, exit code 1."""
    tls = (caller or Caller(OPS_ORG)).tls(net)
    client = LedgerClient(node or net.node_address, net.chain_id, tls, suite=net.genesis.suite)
    try:
        yield client
    except TransactionRejected as exc:
        fail(
            f"rejected by the contract ({exc.code}): {exc.message} — nothing changed [tx {exc.tx_hash.hex()[:16]} in block {exc.height}]"
        )
    except FinalityError as exc:
        fail(f"the node's answer does not carry a valid commit certificate: {exc}")
    except ClientError as exc:
        fail(f"{exc.code}: {exc.message}")
    finally:
        client.close()


@dataclass(frozen=True)
class Session:
    """A command's hold on a devnet: the folder's facts and a client of one validator."""

    net: Devnet
    client: LedgerClient

    def chain_time_ms(self) -> int:
        return self.client.chain_time_ms(self.net.genesis.genesis_time_ms)

    def days_from_now_ms(self, days: int) -> int:
        """A time `days` after the chain's (expiries count in block time)."""
        return self.chain_time_ms() + days * DAY_MS

    def validator_schedule(self) -> ValidatorSchedule:
        """The validator sets decided on-chain, followed from the devnet's genesis: what a
        commit certificate in an answer is checked against."""
        return self.client.get_validator_schedule(self.net.genesis.validators)

    def proven_record(self, key: bytes, what: str) -> tuple[bytes, ProvenValue]:
        """The record under state `key`, proven against a certified header (trusting no
        node), with the proof's height and time; a record proven absent ends the command,
        naming `what` ("attestation att-…")."""
        proven = self.client.get_proven_state(key, self.validator_schedule())
        if proven.value is None:
            fail(f"no {what} on the chain (proven absent at height {proven.height})")
        return proven.value, proven


@dataclass(frozen=True)
class OrgSession(Session):
    """A session of a command that signs: the organisation's key besides."""

    keypair: KeyPair

    def call(self, contract: str, method: str, args: Mapping[str, ArgValue]) -> Committed:
        return self.client.call(self.keypair, contract, method, args)


@contextmanager
def session(dir: Path, node: str | None, caller: Caller) -> Iterator[Session]:
    """The devnet in `dir` (exit code 2 if there is none) and a client of `node`."""
    net = open_devnet(dir)
    with ledger(net, node, caller) as client:
        yield Session(net, client)


@contextmanager
def org_session(
    dir: Path, node: str | None, caller: Caller, key: Path | None
) -> Iterator[OrgSession]:
    """`session`, signing as the caller's organisation with its devnet key file or `key`;
    an unreadable key ends the command before anything is sent."""
    net = open_devnet(dir)
    keypair = load_org_key(net, caller.org, key)
    with ledger(net, node, caller) as client:
        yield OrgSession(net, client, keypair)


def emit_json(doc: Any) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False, sort_keys=True))


class Output:
    """What a command prints: `doc` as one JSON line with --json, otherwise `human`, one
    item (text with rich markup, or a table) after the other."""

    def __init__(self, doc: Mapping[str, Any], *human: RenderableType) -> None:
        self.doc = doc
        self.human = human

    def print(self, json_out: bool) -> None:
        if json_out:
            emit_json(self.doc)
            return
        for item in self.human:
            console.print(item)


class Exiting(Output):
    """An output that is a verdict (the chain is not sound, a trace entry did not prove):
    printed whatever it says, then the command ends with `code` when that is not 0."""

    def __init__(self, code: int, doc: Mapping[str, Any], *human: RenderableType) -> None:
        super().__init__(doc, *human)
        self.code = code

    def print(self, json_out: bool) -> None:
        super().print(json_out)
        if self.code:
            raise typer.Exit(self.code)


Body = Callable[..., Output]


def _shared(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default
    )


_DIR = _shared("dir", DirOpt, Path("devnet"))
_NODE = _shared("node", NodeOpt, None)
_SIGNING_KEY = _shared("signing_key", SigningKeyOpt, None)
_CERT = _shared("cert", CertOpt, None)
_TLS_KEY = _shared("tls_key", TlsKeyOpt, None)
_CA = _shared("ca", CaOpt, None)
_JSON = _shared("json_out", JsonOpt, False)


def _as_option(default: str) -> inspect.Parameter:
    return _shared(
        "as_org",
        Annotated[
            str,
            typer.Option(
                "--as",
                help="organisation whose devnet certificate (DIR/tls/<org>/operator.pem)"
                " this read is made with",
            ),
        ],
        default,
    )


def ledger_command(
    app: typer.Typer, name: str, *, signs: bool = False, calls_as: str = OPS_ORG
) -> Callable[[Body], Body]:
    """Register `body` as command `name` of `app`, with the skeleton every command that talks
    to the devnet shares.

    After the body's own options come --dir, --node, --signing-key (a command that signs),
    --as (one that does not: whose certificate it reads with, `calls_as` by default),
    --cert/--key/--ca and --json. The command opens the devnet and a client (`session`;
    with `signs`, `org_session` signing as the body's own `org` option and calling with that
    organisation's certificate), calls the body with the session first and its own options
    by name, and prints the `Output` it returns. A refusal by the node or the contract ends
    it as `ledger` says."""

    def register(body: Body) -> Body:
        own = list(inspect.signature(body, eval_str=True).parameters.values())[1:]
        if signs and "org" not in {p.name for p in own}:
            raise TypeError(f"{body.__qualname__} signs, so it takes an `org` option")
        who = [_SIGNING_KEY] if signs else [_as_option(calls_as)]
        shared = [_DIR, _NODE, *who, _CERT, _TLS_KEY, _CA, _JSON]

        def run(
            dir: Path,
            node: str | None,
            json_out: bool,
            cert: Path | None,
            tls_key: Path | None,
            ca: list[Path] | None,
            **options: Any,
        ) -> None:
            org = options["org"] if signs else options.pop("as_org")
            caller = Caller(org, cert, tls_key, tuple(ca or ()))
            opened = (
                org_session(dir, node, caller, options.pop("signing_key"))
                if signs
                else session(dir, node, caller)
            )
            with opened as s:
                output = body(s, **options)
            output.print(json_out)

        # Typer reads the options from the signature: the body's, then the shared ones.
        run.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
        run.__doc__ = body.__doc__
        app.command(name)(run)
        return body

    return register


def tx_view(committed: Committed) -> dict[str, Any]:
    """Where a transaction landed, as commands report it."""
    return {"tx_hash": committed.tx_hash.hex(), "height": committed.height}


def records_table(
    title: str, columns: Mapping[str, str], records: Iterable[Mapping[str, Any]]
) -> Table:
    """A table of contract records: `columns` maps each heading to a record key; a missing
    key shows empty, a list as its items joined by commas."""
    table = Table(title=title)
    for heading in columns:
        table.add_column(heading)
    for record in records:
        table.add_row(*(_cell(record.get(key, "")) for key in columns.values()))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_lines(fields: Mapping[str, str]) -> list[str]:
    """A document's fields, one indented line each, as commands print them."""
    return [f"  {k}: {v}" for k, v in fields.items()]
