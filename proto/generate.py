"""Regenerate the committed protobuf / gRPC code beside the .proto sources.

One script, one include path (the repository root), so imports in the generated
code read ``from proto import ledger_pb2``. ``tests/unit/test_proto_drift.py`` runs
this into a temporary folder and fails when the committed files differ.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("proto/ledger.proto", "proto/consensus.proto", "proto/node.proto")


def get_service_sources() -> list[str]:
    """The sources that declare a service: only they get a `_pb2_grpc.py` (protoc would
    write an empty module for the others)."""
    return [s for s in SOURCES if re.search(r"^service ", (ROOT / s).read_text(), re.M)]


def generate(out_dir: Path) -> None:
    """Run protoc for every source (messages) and for each service source (stubs); raise
    if it fails."""
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = [
        [f"--python_out={out_dir}", f"--pyi_out={out_dir}", *SOURCES],
        [f"--grpc_python_out={out_dir}", *get_service_sources()],
    ]
    for outputs in runs:
        args = [
            "grpc_tools.protoc",
            f"-I{ROOT}",
            *(str(ROOT / a) if a.startswith("proto/") else a for a in outputs),
        ]
        if protoc.main(args) != 0:
            raise RuntimeError("protoc failed: " + " ".join(args))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT, help="output root (default: repo root)")
    ns = parser.parse_args()
    generate(ns.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
