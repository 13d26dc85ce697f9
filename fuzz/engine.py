"""Running a target: the stats every run reports (inputs, inputs/s, outcomes by type,
coverage), the crash file of a finding, and the seeded-mutator engine (`run_mutator`)."""

from __future__ import annotations

import hashlib
import json
import random
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fuzz import mutate
from fuzz.target import Target

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus"
CRASHES = ROOT / "fuzz" / "crashes"


@dataclass
class Stats:
    target: str
    engine: str
    inputs: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    coverage: str = ""
    """"cov: N ft: M" (atheris: edges and features) or "lines: 87.5% of <files>"."""
    finding: str | None = None
    """The crash file of the first finding, if any."""
    reproduce: str | None = None

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> str:
        doc = asdict(self)
        doc["outcomes"] = dict(self.outcomes)
        return json.dumps(doc)

    @classmethod
    def from_json(cls, text: str) -> Stats:
        doc = json.loads(text)
        doc["outcomes"] = Counter(doc["outcomes"])
        return cls(**doc)


def load_seeds(target: Target) -> list[bytes]:
    """The committed corpus of `target` (fuzz/corpus/<name>/), in name order; the freshly
    built seeds if there is none (`python -m fuzz.seeds` writes it)."""
    folder = CORPUS / target.name
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return [f.read_bytes() for f in files] if files else target.seeds()


def reproduce_command(target: str, path: Path) -> str:
    return f".venv/bin/python -m fuzz.run --reproduce {target} {path.relative_to(ROOT)}"


def save_crash(target: str, data: bytes) -> Path:
    CRASHES.mkdir(exist_ok=True)
    path = CRASHES / f"{target}-{hashlib.sha256(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    return path


def run_mutator(target: Target, count: int, seed: int, *, measure_coverage: bool = False) -> Stats:
    """`count` inputs of the seeded mutator through `target`; stops at the first finding
    (saved to fuzz/crashes/), whose traceback is printed."""
    stats = Stats(target.name, "mutator")
    cov = None
    if measure_coverage:
        import coverage  # a dev dependency, imported only when lines are measured

        cov = coverage.Coverage(include=[str(ROOT / m) for m in target.modules], data_file=None)
        cov.start()
    try:
        one = target.make()
        rng = random.Random(seed)
        started = time.perf_counter()
        for data in mutate.inputs(load_seeds(target), rng, count, target.max_len):
            stats.inputs += 1
            try:
                stats.outcomes[one(data)] += 1
            except Exception:
                traceback.print_exc()
                path = save_crash(target.name, data)
                stats.finding = str(path)
                stats.reproduce = reproduce_command(target.name, path)
                break
        stats.seconds = time.perf_counter() - started
    finally:
        if cov is not None:
            cov.stop()
            stats.coverage = _line_coverage(cov, target)
    return stats


def _line_coverage(cov: object, target: Target) -> str:
    """Share of the statements of the target's modules that ran (coverage.py)."""
    analysed = [cov.analysis2(str(ROOT / m)) for m in target.modules]  # type: ignore[attr-defined]
    statements = sum(len(a[1]) for a in analysed)
    missing = sum(len(a[3]) for a in analysed)
    share = 100.0 * (statements - missing) / statements if statements else 0.0
    return f"lines: {share:.1f}% of {len(target.modules)} files"
