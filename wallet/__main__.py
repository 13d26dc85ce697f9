"""`python -m wallet`: serve the wallet with uvicorn (settings from TRUSTLEDGER_WALLET_*)."""

import uvicorn

from wallet.app import create_app
from wallet.settings import WalletSettings


def main() -> None:
    settings = WalletSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
