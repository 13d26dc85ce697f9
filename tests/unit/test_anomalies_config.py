"""The anomaly rules' settings (node/sdk/anomalies/config.py) and the command's refusals of
a bad file: a clear message naming the rule and key, exit code 2, before any node is asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from node.sdk.anomalies.config import (
    CONFIG_BYTES_MAX,
    DEFAULT_CONFIG_TOML,
    SCHEMA,
    WINDOW_MS_MAX,
    AnomalyConfigError,
    load_config,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_defaults_set_every_rule_and_key_and_docs_show_them() -> None:
    config = load_config()
    assert set(config.rules) == set(SCHEMA)
    for name, kinds in SCHEMA.items():
        assert config.rule(name).enabled and set(config.rule(name).values) == set(kinds)
    assert config.rule("refused-accesses").number("refusals_min") == 5
    assert config.rule("revoked-verified").names("statuses") == ("revoked",)
    # docs/anomalies.md quotes the embedded defaults word for word.
    assert DEFAULT_CONFIG_TOML in (ROOT / "docs" / "anomalies.md").read_text(encoding="utf-8")


def test_a_file_overrides_key_by_key() -> None:
    config = load_config(
        "[rules.verification-burst]\norgs_min = 2\n\n[rules.equivocation]\nenabled = false\n"
    )
    burst = config.rule("verification-burst")
    assert burst.number("orgs_min") == 2 and burst.number("window_ms") == 3_600_000
    assert not config.rule("equivocation").enabled
    assert config.rule("refused-accesses").number("refusals_min") == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.nope]\n", "unknown rule 'nope'; the rules are: refused-accesses"),
        (
            "[rules.equivocation]\nconflict_min = 1\n",
            "unknown setting 'conflict_min' of rule equivocation",
        ),
        ("[other]\n", "unknown table or key 'other'"),
        ("rules = 3\n", "`rules` must be a table"),
        ("[rules]\nequivocation = 1\n", "rules.equivocation must be a table"),
        (
            "[rules.equivocation]\nconflicts_min = 0\n",
            "rules.equivocation.conflicts_min must be a whole number from 1 to 1000000, not 0",
        ),
        ("[rules.equivocation]\nconflicts_min = 1000001\n", "from 1 to 1000000, not 1000001"),
        ("[rules.equivocation]\nconflicts_min = true\n", "not True"),
        ("[rules.equivocation]\nconflicts_min = 1.5\n", "not 1.5"),
        ('[rules.equivocation]\nconflicts_min = "1"\n', "not '1'"),
        ("[rules.view-change-burst]\nwindow_ms = 0\n", "window_ms must be a whole number from 1"),
        (
            f"[rules.view-change-burst]\nwindow_ms = {WINDOW_MS_MAX + 1}\n",
            f"to {WINDOW_MS_MAX}, not",
        ),
        ("[rules.access-after-end]\ngrace_ms = -1\n", "grace_ms must be a whole number from 0"),
        ("[rules.refused-accesses]\ncalls = []\n", "must be a list of 1 to 32 names"),
        ('[rules.refused-accesses]\ncalls = "consent.access"\n', "must be a list of 1 to 32 names"),
        ("[rules.refused-accesses]\ncalls = [1]\n", "must be a list of 1 to 32 names"),
        (f'[rules.refused-accesses]\ncalls = ["{"x" * 65}"]\n', "1 to 64 characters"),
        ("[rules.equivocation]\nenabled = 1\n", "enabled must be true or false"),
        ("[rules.equivocation\n", "is not valid TOML"),
    ],
)
def test_bad_settings_are_refused_naming_where(text: str, message: str) -> None:
    with pytest.raises(AnomalyConfigError) as refused:
        load_config(text, "my.toml")
    assert message in str(refused.value) and "my.toml" in str(refused.value)


def test_bounds_are_inclusive() -> None:
    text = f"[rules.view-change-burst]\nwindow_ms = {WINDOW_MS_MAX}\n[rules.access-after-end]\ngrace_ms = 0\n"
    config = load_config(text)
    assert config.rule("view-change-burst").number("window_ms") == WINDOW_MS_MAX
    assert config.rule("access-after-end").number("grace_ms") == 0


def test_an_oversized_file_is_refused_unread() -> None:
    with pytest.raises(AnomalyConfigError) as refused:
        load_config("#" * (CONFIG_BYTES_MAX + 1), "big.toml")
    assert f"larger than {CONFIG_BYTES_MAX} bytes" in str(refused.value)


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    # No devnet in tmp_path: a command that got past its options would fail on that instead.
    result = CliRunner().invoke(
        app, ["audit", "anomalies", "--dir", str(tmp_path / "none"), *args], env={"COLUMNS": "300"}
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[rules.burst]\n", "unknown rule 'burst'"),
        ("[rules.refused-accesses]\nrefusals_min = -3\n", "refusals_min must be a whole number"),
        ("not toml at all\n", "is not valid TOML"),
    ],
)
def test_the_command_refuses_a_bad_config_before_anything_else(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    code, output = _run(tmp_path, "--config", str(path))
    assert code == 2 and message in output and "Invalid value for '--config'" in output


def test_the_command_refuses_a_missing_config_and_a_bad_post_url(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "--config", str(tmp_path / "absent.toml"))
    assert code == 2 and "cannot read" in output
    code, output = _run(tmp_path, "--watch", "--post", "ftp://127.0.0.1/x")
    assert code == 2 and "is no http:// or https:// URL" in output
