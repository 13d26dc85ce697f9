"""Write the seed corpus: `python -m fuzz.seeds` puts each target's valid examples in
fuzz/corpus/<target>/seed-N (committed; small); the `regression-*` inputs of past findings
are kept. Deterministic but for `wallet_request`, whose CA and certificate are made afresh."""

from __future__ import annotations

from fuzz.engine import CORPUS
from fuzz.registry import TARGETS


def main() -> None:
    for target in TARGETS.values():
        folder = CORPUS / target.name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seed-*"):
            old.unlink()
        for i, data in enumerate(target.seeds()):
            (folder / f"seed-{i}").write_bytes(data)
        print(f"{target.name}: {len(list(folder.iterdir()))} files")


if __name__ == "__main__":
    main()
