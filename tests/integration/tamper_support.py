"""A validator whose LevelDB is tampered with while it is stopped, for the tests that show
an auditor's tools catching it (test_verify_chain.py, test_evidence.py).

The database is kept as it was before the change and put back afterwards, so one devnet
serves every case: the validator is serving again on its honest data when the case ends.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import plyvel

from cli.devnet import Devnet, start_validator, stop_process
from node.ledger.store import P_BLOCK, u64
from node.sdk.client import ClientError
from proto import ledger_pb2


def serving(net: Devnet, address: str, timeout_s: float = 30.0) -> int:
    """Wait until the validator at `address` answers; its height."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with net.client(address) as c:
                return int(c.status().height)
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def edit_block(db: plyvel.DB, height: int, change: Callable[[ledger_pb2.Block], None]) -> None:
    """The stored block at `height` read, changed by `change` and written back."""
    block = ledger_pb2.Block.FromString(db.get(P_BLOCK + u64(height)))
    change(block)
    db.put(P_BLOCK + u64(height), block.SerializeToString())


def forge_votes(block: ledger_pb2.Block) -> None:
    """Every vote of the block's commit certificate with a zeroed signature."""
    for vote in block.commit.votes:
        vote.signature = bytes(64)


@contextmanager
def tampered(
    net: Devnet, victim: str, kept: Path, tamper: Callable[[plyvel.DB], None]
) -> Iterator[int]:
    """`victim` stopped, its database copied to `kept`, changed by `tamper` and served again:
    its height once it answers. On the way out it is stopped, its database put back from
    `kept`, and restarted until it answers."""
    db_path = net.dir / "nodes" / victim / "db"
    stop_process(net.dir, victim)
    shutil.copytree(db_path, kept)
    try:
        db = plyvel.DB(str(db_path))
        try:
            tamper(db)
        finally:
            db.close()
        start_validator(net, victim)
        yield serving(net, net.addresses[victim])
    finally:
        stop_process(net.dir, victim)
        shutil.rmtree(db_path)
        shutil.copytree(kept, db_path)
        start_validator(net, victim)
        serving(net, net.addresses[victim])
