"""The wallet's private files (issue 16 item 5): its data folder, whose LevelDB holds every
holder's sealed seed and received documents, and its key files (the TLS key it calls
validators with, the key it serves HTTPS with).

A copy of the sealed seeds lets anyone guess passphrases offline at their own pace, so the
wallet, like a validator, creates its folders 0700 and its files 0600 (a process umask of
077), and refuses to start on a data folder or key file that other local users can read,
write or enter. The checks are the node's own (node/files.py), so the two refuse alike:
the path, its mode and the ``chmod`` that fixes it.
"""

from __future__ import annotations

from pathlib import Path

from node.files import check_private, make_private_dir
from wallet.settings import WalletSettings


def get_private_paths(settings: WalletSettings) -> list[Path]:
    """What only the wallet's own user may reach."""
    paths = [settings.data_dir, settings.data_dir / "db", settings.tls_key_path]
    if not settings.insecure_http:
        paths.append(settings.https_key_path)
    return paths


def check_wallet_files(settings: WalletSettings) -> None:
    """Raise `node.files.ExposedPathError` naming every reachable path of
    `get_private_paths`; create a missing data folder 0700."""
    check_private(get_private_paths(settings))
    make_private_dir(settings.data_dir)
