"""`python -m window`: the window clerk's service of an agency.

    python -m window add-clerk --clerks FILE --clerk ID [--name NAME]   (passphrase asked)
    python -m window serve                                              (TRUSTLEDGER_WINDOW_*)

`serve` reads its settings from TRUSTLEDGER_WINDOW_* variables (window/settings.py) and the
organisation key's passphrase from TRUSTLEDGER_KEY_PASSPHRASE. It serves HTTPS (TLS 1.3)
with the certificate its organisation's CA issued for the hosts it is reached at; plain
HTTP only with TRUSTLEDGER_WINDOW_INSECURE_HTTP=true on a loopback address.
"""

from __future__ import annotations

import os
import ssl
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from node.chain.crypto import KeyFileError, load_key_file
from node.files import set_private_umask
from node.sdk.https import is_loopback, server_tls_context
from node.sdk.tls import ClientTls, TlsFilesError, find_ca_files
from window.app import create_app
from window.clerks import ClerksFileError, load_clerks, make_clerk, save_clerk
from window.settings import WindowSettings

app = typer.Typer(
    help="The window clerk's page of an agency (/window/): verify presentations (亮证).",
    no_args_is_help=True,
)


@app.command("add-clerk")
def add_clerk(
    clerks: Annotated[Path, typer.Option(help="the clerk accounts file (created 0600)")],
    clerk: Annotated[str, typer.Option(help="the clerk's id: a-z 0-9 . _ -")],
    name: Annotated[str, typer.Option(help="the name the page and receipts show")] = "",
    passphrase: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="TRUSTLEDGER_CLERK_PASSPHRASE",
            help="asked if not given (or from TRUSTLEDGER_CLERK_PASSPHRASE)",
        ),
    ] = "",
) -> None:
    """Add a clerk (or set a clerk's passphrase again): scrypt-hashed, never stored."""
    try:
        save_clerk(clerks, make_clerk(clerk, name, passphrase))
    except (ValueError, ClerksFileError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"clerk {clerk} saved in {clerks}")


@app.command("serve")
def serve() -> None:
    """Serve the page and its API (settings from TRUSTLEDGER_WINDOW_* variables)."""
    set_private_umask()  # the archive's LevelDB: files 0600, folders 0700
    settings = WindowSettings()
    passphrase = os.environ.get("TRUSTLEDGER_KEY_PASSPHRASE", "")
    try:
        if settings.insecure_http and not is_loopback(settings.host):
            raise ValueError("plain HTTP is for development on a loopback address only")
        load_clerks(settings.clerks_path)
        load_key_file(settings.org_key_path, passphrase)
        ClientTls.load(
            settings.tls_cert_path, settings.tls_key_path, find_ca_files(settings.tls_ca_dir)
        )
        kw: dict[str, object] = {}
        if not settings.insecure_http:
            context = server_tls_context(settings.https_cert_path, settings.https_key_path)
            kw["ssl_context_factory"] = lambda _config, _default: context
    except (ValueError, OSError, ssl.SSLError, ClerksFileError, KeyFileError, TlsFilesError) as exc:
        typer.echo(f"window: cannot start: {exc}", err=True)
        raise typer.Exit(2) from None
    config = uvicorn.Config(
        create_app(settings, passphrase),
        host=settings.host,
        port=settings.port,
        server_header=False,
        log_level="info",
        **kw,  # type: ignore[arg-type]
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    sys.exit(app())
