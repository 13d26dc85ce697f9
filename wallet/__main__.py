"""`python -m wallet`: serve the wallet with uvicorn (settings from TRUSTLEDGER_WALLET_*)."""

import sys

import uvicorn

from node.sdk.tls import ClientTls, TlsFilesError, find_ca_files
from wallet.app import create_app
from wallet.settings import WalletSettings


def main() -> int:
    settings = WalletSettings()
    try:
        # Read once here so that a missing certificate is one clear line, not a traceback
        # from the app's start-up.
        ClientTls.load(
            settings.tls_cert_path, settings.tls_key_path, find_ca_files(settings.tls_ca_dir)
        )
    except TlsFilesError as exc:
        print(f"wallet: cannot start: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
