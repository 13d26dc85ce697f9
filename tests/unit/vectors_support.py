"""Running the scripts that check documented test vectors without our Python
(tests/vectors/: shell scripts with OpenSSL and coreutils, Node.js scripts with no package),
on a page or on an altered copy of it, and reading a page's vectors as our Python's tests
compare them with what the code makes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("bash") is None,
    reason="needs the openssl and bash commands (Debian: openssl, bash; `make tools`)",
)
needs_node = pytest.mark.skipif(
    shutil.which("node") is None, reason="needs the node command (Debian: nodejs; `make tools`)"
)


def run_vectors(script: str, doc: Path) -> subprocess.CompletedProcess[str]:
    """Run tests/vectors/``script`` on the page ``doc`` (bash for .sh, node for .mjs)."""
    runner = "node" if script.endswith(".mjs") else "bash"
    return subprocess.run(
        [runner, str(ROOT / "tests" / "vectors" / script), str(doc)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def passes_on(script: str, doc: Path) -> str:
    """Run ``script`` on ``doc``, which it must accept: what it printed (stdout)."""
    result = run_vectors(script, doc)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fails_on_altered(
    script: str, doc: Path, tmp_path: Path, old: str, new: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` on a copy of ``doc`` with the first ``old`` replaced by ``new``, which
    it must refuse (a non-zero exit): the finished run, to check what it said."""
    text = doc.read_text(encoding="utf-8")
    assert old in text
    altered = tmp_path / doc.name
    altered.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run_vectors(script, altered)
    assert result.returncode != 0, result.stdout + result.stderr
    return result


def vector_block(doc: Path, name: str) -> str:
    """The text of the page's ```name block (a documented test vector)."""
    block = re.search(rf"```{name}\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert block is not None, f"{doc.name} has no {name} block"
    return block.group(1)


def vector_fields(doc: Path, name: str) -> dict[str, list[str]]:
    """The ```name block's ``field: value`` lines, each field's values in the page's order (a
    field such as ``vote`` or ``validator`` stands once a member)."""
    fields: dict[str, list[str]] = {}
    for line in vector_block(doc, name).strip().splitlines():
        field, value = line.split(": ", 1)
        fields.setdefault(field, []).append(value)
    return fields


def vector_record(doc: Path, name: str) -> dict[str, str]:
    """The ```name block's ``field: value`` lines, for a block whose fields stand once each."""
    fields = vector_fields(doc, name)
    assert all(len(values) == 1 for values in fields.values()), f"{name} repeats a field"
    return {field: values[0] for field, values in fields.items()}


def line_starting(text: str, prefix: str, *, last: bool = False) -> str:
    """The first (or last) whole line of ``text`` starting with ``prefix``, without its
    newline: what an altered copy replaces or cuts where the page's value is not fixed (an SM2
    vote) or not worth spelling out (a path step)."""
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert lines, f"no line starts with {prefix!r}"
    return lines[-1] if last else lines[0]


def flipped(text: str, at: int) -> str:
    """``text`` with its base64 character at index ``at`` changed (to B, or to C where it was
    B): still base64, so a checker reads it and must find the bytes wrong, not unreadable."""
    at %= len(text)
    return text[:at] + ("B" if text[at] != "B" else "C") + text[at + 1 :]
