"""`trustledger archive`: the record's content is given the same way to `append` and to
`resolve` (one pair of options, read by `content_hash_of`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.archive import app, content_hash_of


@pytest.mark.parametrize("command", ["append", "resolve"])
def test_both_commands_take_the_content_as_a_file_or_a_hash(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--content-file" in result.output and "--content-hash" in result.output
    assert "its SHA-256 is recorded" in result.output


def test_the_file_wins_over_the_hash_and_a_bad_hash_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "record.pdf"
    content.write_bytes(b"%PDF record")
    assert content_hash_of(content, "ab" * 32) == hashlib.sha256(b"%PDF record").hexdigest()
    assert content_hash_of(None, "AB" * 32) == "ab" * 32
    with pytest.raises(typer.Exit):
        content_hash_of(None, "abc")
    with pytest.raises(typer.Exit):
        content_hash_of(tmp_path / "missing", "")
