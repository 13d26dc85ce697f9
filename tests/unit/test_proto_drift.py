"""The committed generated code must equal a fresh generation from the .proto files."""

from __future__ import annotations

from pathlib import Path

from proto.generate import ROOT, generate


def test_generated_code_matches_sources(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh = sorted((tmp_path / "proto").glob("*_pb2*.py*"))
    assert fresh, "protoc produced nothing"
    committed = sorted((ROOT / "proto").glob("*_pb2*.py*"))
    assert [p.name for p in fresh] == [p.name for p in committed]
    for path in fresh:
        assert path.read_bytes() == (ROOT / "proto" / path.name).read_bytes(), (
            f"proto/{path.name} is stale: run `make proto` and commit the result"
        )
