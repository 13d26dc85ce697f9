"""A validator's private files on disk: its data folder (LevelDB, WAL) and its key files
(the sealed consensus key, the TLS key). Folders it creates are 0700 and files 0600, and
it refuses to start on a data folder or key file that other local users can read, write
or enter: a copy of a sealed key can be attacked offline, and the data folder holds the
consensus WAL whose loss or change makes a validator equivocate. The refusal names the
path and the command that fixes it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077
"""The node process's umask: what LevelDB and the WAL create is private without asking."""


class ExposedPathError(ValueError):
    """A data folder or key file that other users can reach: the node does not start."""


def make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) with mode 0700; an existing folder is left as
    it is (`check_private` judges it)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)


def write_private_json(path: Path, doc: object, tmp: Path) -> None:
    """Write `doc` as indented JSON to `path`, mode 0600, all or nothing: to `tmp` first
    (created 0600), synced, then renamed over `path`. The folder must exist."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    """Make a file's creation or renaming in `path` durable (the entry is in the folder):
    the WAL's segments and the wallet store's sweep both rely on it before their next step."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_exposure(path: Path) -> str | None:
    """Why other users can reach `path`, or None if only its owner can (or it does not
    exist yet: whoever creates it decides, and a missing key is reported by its loader)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if not mode & 0o077:
        return None
    private = PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE
    return (
        f"{path} can be reached by other users (mode {mode:o}); restrict it to its owner:"
        f" chmod {private:o} {path}"
    )


def check_private(paths: Iterable[Path]) -> None:
    """Raise ExposedPathError naming every path of `paths` that others can reach."""
    problems = [reason for path in paths if (reason := get_exposure(path)) is not None]
    if problems:
        raise ExposedPathError("; ".join(problems))


def set_private_umask() -> int:
    """Make everything this process creates private from now on; returns the old umask."""
    return os.umask(PRIVATE_UMASK)
