"""Options and helpers shared by the CLI's sub-commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from cli.devnet import Devnet, passphrase
from node.chain.crypto import KeyFileError, KeyPair, load_key_file
from node.sdk.client import ClientError, LedgerClient, TransactionRejected
from node.sdk.finality import FinalityError

console = Console()
err_console = Console(stderr=True)

DirOpt = Annotated[
    Path, typer.Option("--dir", help="devnet folder with devnet.json, genesis and keys")
]
NodeOpt = Annotated[
    str | None,
    typer.Option("--node", help="host:port of a validator (default: the devnet's first)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]
OrgOpt = Annotated[
    str,
    typer.Option("--org", help="organisation id whose key signs (its key file in DIR/keys/orgs)"),
]
KeyOpt = Annotated[
    Path | None, typer.Option("--key", help="explicit key file instead of the devnet's org key")
]


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def load_org_key(net: Devnet, org: str, key: Path | None) -> KeyPair:
    path = key or net.org_key_path(org)
    try:
        return load_key_file(path, passphrase())
    except KeyFileError as exc:
        fail(str(exc))


@contextmanager
def ledger(net: Devnet, node: str | None) -> Iterator[LedgerClient]:
    client = net.client(node)
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


def emit_json(doc: Any) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False, sort_keys=True))
