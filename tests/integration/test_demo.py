"""`make demo` is what a newcomer runs first: the `trustledger demo` command, as installed,
plays the whole story on a fresh devnet of its own and leaves no process behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli import devnet


def test_the_demo_plays_its_story_and_stops_its_devnet(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    trustledger = Path(sys.executable).with_name("trustledger")
    result = subprocess.run(
        [str(trustledger), "demo", "--dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "demo finished: every step checked against the chain" in out
    # The copy the bank read carries the annotation the holder signed (issue 17).
    assert "仅供 Weihai City Commercial Bank 威海市商业银行 办理 personal loan application" in out
    assert "revoked (reason: degree rescinded after review)" in out
    assert devnet.running(folder) == {}
