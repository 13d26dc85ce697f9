"""`python -m wallet`: serve the wallet with uvicorn (settings from TRUSTLEDGER_WALLET_*).

Before the port opens: the transport allowed (wallet/https.py), files private
(wallet/files.py), the certificate it calls validators with and the one it serves HTTPS
with readable. Each failure is one line on stderr and exit code 2.
"""

import logging
import sys

import uvicorn

from node.files import ExposedPathError, set_private_umask
from node.sdk.tls import ClientTls, TlsFilesError, find_ca_files
from wallet.app import create_app
from wallet.files import check_wallet_files
from wallet.https import ListenRefused, check_plain_http, server_config
from wallet.settings import WalletSettings


def main() -> int:
    set_private_umask()  # LevelDB's files: 0600, in folders of 0700
    settings = WalletSettings()
    # The wallet's own notices (the store's one-time sweep at start: wallet/store_sweep.py)
    # on stderr beside uvicorn's; uvicorn configures only its own loggers.
    logging.basicConfig(format="%(levelname)s:     %(name)s: %(message)s")
    logging.getLogger("wallet").setLevel(logging.INFO)
    try:
        check_plain_http(settings)
        check_wallet_files(settings)
        # Read once here so that a missing certificate is one clear line, not a traceback
        # from the app's start-up.
        ClientTls.load(
            settings.tls_cert_path, settings.tls_key_path, find_ca_files(settings.tls_ca_dir)
        )
        config = server_config(create_app(settings), settings, log_level="info")
    except (ExposedPathError, TlsFilesError, ListenRefused) as exc:
        print(f"wallet: cannot start: {exc}", file=sys.stderr)
        return 2
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
