"""Benchmark: the wallet store's one-time sweep (wallet/store_sweep.py, docs/erasure.md).

Builds a store the way older wallets left it (documents of about 2 KiB sealed to their own
keys, each with its wrapped key, a share for every tenth one, and every fiftieth document
erased with the old sequence: deleted, then one compaction), then times `sweep_once` on it
and, separately, a later start's check of the marker. Prints one JSON line per store size:
rows, MB on disk before and after, the sweep's wall and CPU seconds, and the later start's
CPU milliseconds. CPU time is the figure to quote on a shared machine.
No assertions (figures, not a test).

Usage: python bench/wallet_sweep.py [--documents 1000,10000,50000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plyvel

from wallet.store_sweep import sweep_once


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


def old_store(folder: Path, documents: int) -> None:
    db = plyvel.DB(str(folder), create_if_missing=True, compression=None)
    try:
        for i in range(documents):
            row = f"hd-{i % 97:04d}/cert-{i:08d}".encode()
            db.put(b"k/d/" + row, os.urandom(120))
            db.put(b"d/" + row, os.urandom(2048))
            if i % 10 == 0:
                db.put(b"s/req-%08d" % i, b'{"sealed": "%s"}' % os.urandom(1024).hex().encode())
            if i % 50 == 0:
                with db.write_batch() as batch:
                    batch.delete(b"k/d/" + row)
                    batch.delete(b"d/" + row)
                db.compact_range(start=b"\x00", stop=b"\xff\xff")
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", default="1000,10000,50000")
    args = parser.parse_args()
    for documents in (int(n) for n in args.documents.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "db"
            old_store(folder, documents)
            mb_before = folder_mb(folder)
            wall_s, cpu_s = time.monotonic(), time.process_time()
            sweep_once(folder)
            wall_s, cpu_s = time.monotonic() - wall_s, time.process_time() - cpu_s
            mb_after = folder_mb(folder)
            later_cpu_s = time.process_time()
            sweep_once(folder)
            later_cpu_s = time.process_time() - later_cpu_s
            print(
                json.dumps(
                    {
                        "documents": documents,
                        "mb_before": round(mb_before, 1),
                        "mb_after": round(mb_after, 1),
                        "sweep_wall_s": round(wall_s, 2),
                        "sweep_cpu_s": round(cpu_s, 2),
                        "later_start_cpu_ms": round(later_cpu_s * 1000, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
