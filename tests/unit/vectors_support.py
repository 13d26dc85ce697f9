"""Running the shell scripts that check documented test vectors without our Python
(tests/vectors/*.sh: OpenSSL and coreutils only), on a page or on an altered copy of it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("bash") is None,
    reason="needs the openssl and bash commands (Debian: openssl, bash)",
)


def run_vectors(script: str, doc: Path) -> subprocess.CompletedProcess[str]:
    """Run tests/vectors/``script`` on the page ``doc``."""
    return subprocess.run(
        ["bash", str(ROOT / "tests" / "vectors" / script), str(doc)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_on_altered(
    script: str, doc: Path, tmp_path: Path, old: str, new: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` on a copy of ``doc`` with the first ``old`` replaced by ``new``."""
    text = doc.read_text(encoding="utf-8")
    assert old in text
    altered = tmp_path / doc.name
    altered.write_text(text.replace(old, new, 1), encoding="utf-8")
    return run_vectors(script, altered)
