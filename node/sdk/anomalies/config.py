"""The anomaly rules' settings: thresholds in TOML, the defaults embedded here, a file given
with `--config` laid over them. docs/anomalies.md explains each rule and key.

A setting that is unknown, of the wrong type or out of its bounds is refused with a message
naming the rule and the key, before anything is read from a node: a typo must not silently
leave a rule at its default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

DEFAULT_CONFIG_TOML: Final = """\
# trustledger audit anomalies: the rules and their thresholds (docs/anomalies.md).
# Times are block times in milliseconds; a rule is off with `enabled = false`.

[rules.refused-accesses]
# One organisation's refused calls of these kinds, this many within the window.
refusals_min = 5
window_ms = 3_600_000
calls = ["consent.access"]

[rules.access-after-end]
# Access attempts under a grant after it was revoked, or after its expiry plus grace_ms;
# raised on every attempts_min-th attempt by one organisation.
attempts_min = 1
grace_ms = 0

[rules.out-of-scope]
# Accesses the contract refused as outside the granted scope (certificates, fields or
# records), and verifications whose purpose is none of the verifier's grants for that
# certificate; raised on every attempts_min-th attempt by one organisation.
attempts_min = 1

[rules.verification-burst]
# This many distinct organisations recording verifications of one holder's certificates
# within the window.
orgs_min = 5
window_ms = 3_600_000

[rules.revoked-verified]
# Verifications recorded while the certificate's status was one of these; raised on every
# verifications_min-th one by one organisation.
verifications_min = 1
statuses = ["revoked"]

[rules.equivocation]
# Conflicting consensus messages signed by one validator, as a validator counted them.
conflicts_min = 1

[rules.view-change-burst]
# This many view changes within the window (read from the views of the blocks' commit
# certificates).
view_changes_min = 5
window_ms = 600_000
"""

COUNT_MAX: Final = 1_000_000
"""Bound of every `*_min` threshold."""
WINDOW_MS_MAX: Final = 366 * 86_400_000
"""Bound of every window and grace time: a year of block time."""
NAMES_MAX: Final = 32
NAME_CHARS_MAX: Final = 64
CONFIG_BYTES_MAX: Final = 64 * 1024
"""A config file larger than this is refused unread."""

Kind = Literal["count", "ms", "grace_ms", "names", "flag"]
"""`ms`: a window, at least 1 ms; `grace_ms`: may be 0."""

SCHEMA: Final[Mapping[str, Mapping[str, Kind]]] = {
    "refused-accesses": {"refusals_min": "count", "window_ms": "ms", "calls": "names"},
    "access-after-end": {"attempts_min": "count", "grace_ms": "grace_ms"},
    "out-of-scope": {"attempts_min": "count"},
    "verification-burst": {"orgs_min": "count", "window_ms": "ms"},
    "revoked-verified": {"verifications_min": "count", "statuses": "names"},
    "equivocation": {"conflicts_min": "count"},
    "view-change-burst": {"view_changes_min": "count", "window_ms": "ms"},
}
"""Every rule and the kind of each of its settings (besides `enabled`, a flag)."""


class AnomalyConfigError(ValueError):
    """A config file that cannot be used; the message says where and why."""


Value = int | bool | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule's settings, each checked against its kind."""

    enabled: bool
    values: Mapping[str, Value]

    def number(self, key: str) -> int:
        value = self.values[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise KeyError(key)  # a rule asked for a setting the schema types otherwise
        return value

    def names(self, key: str) -> tuple[str, ...]:
        value = self.values[key]
        if not isinstance(value, tuple):
            raise KeyError(key)
        return value


@dataclass(frozen=True, slots=True)
class AnomalyConfig:
    rules: Mapping[str, RuleSettings]

    def rule(self, name: str) -> RuleSettings:
        return self.rules[name]


def _check_value(where: str, kind: Kind, value: object) -> Value:
    if kind == "flag":
        if not isinstance(value, bool):
            raise AnomalyConfigError(f"{where} must be true or false, not {value!r}")
        return value
    if kind == "names":
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= NAMES_MAX
            or not all(isinstance(v, str) and 1 <= len(v) <= NAME_CHARS_MAX for v in value)
        ):
            raise AnomalyConfigError(
                f"{where} must be a list of 1 to {NAMES_MAX} names"
                f" (1 to {NAME_CHARS_MAX} characters each), not {value!r}"
            )
        return tuple(value)
    low = 0 if kind == "grace_ms" else 1
    high = COUNT_MAX if kind == "count" else WINDOW_MS_MAX
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AnomalyConfigError(
            f"{where} must be a whole number from {low} to {high}, not {value!r}"
        )
    return value


def _parse(text: str, source: str) -> dict[str, dict[str, object]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AnomalyConfigError(f"{source} is not valid TOML: {exc}") from exc
    extra = sorted(set(doc) - {"rules"})
    if extra:
        raise AnomalyConfigError(f"{source}: unknown table or key {extra[0]!r} (only [rules.NAME])")
    rules = doc.get("rules", {})
    if not isinstance(rules, dict):
        raise AnomalyConfigError(f"{source}: `rules` must be a table of [rules.NAME] tables")
    out: dict[str, dict[str, object]] = {}
    for name, table in rules.items():
        if name not in SCHEMA:
            raise AnomalyConfigError(
                f"{source}: unknown rule {name!r}; the rules are: {', '.join(SCHEMA)}"
            )
        if not isinstance(table, dict):
            raise AnomalyConfigError(f"{source}: rules.{name} must be a table")
        for key in table:
            if key != "enabled" and key not in SCHEMA[name]:
                known = ", ".join(["enabled", *SCHEMA[name]])
                raise AnomalyConfigError(
                    f"{source}: unknown setting {key!r} of rule {name}; its settings are: {known}"
                )
        out[name] = dict(table)
    return out


def load_config(text: str | None = None, source: str = "the config file") -> AnomalyConfig:
    """The defaults, with `text` (a TOML document) laid over them key by key."""
    tables = _parse(DEFAULT_CONFIG_TOML, "the default config")
    if text is not None:
        if len(text.encode("utf-8")) > CONFIG_BYTES_MAX:
            raise AnomalyConfigError(f"{source} is larger than {CONFIG_BYTES_MAX} bytes")
        for name, table in _parse(text, source).items():
            tables[name] = {**tables[name], **table}
    rules: dict[str, RuleSettings] = {}
    for name, kinds in SCHEMA.items():
        table = tables[name]
        enabled = _check_value(
            f"{source}: rules.{name}.enabled", "flag", table.get("enabled", True)
        )
        values = {
            key: _check_value(f"{source}: rules.{name}.{key}", kind, table[key])
            for key, kind in kinds.items()
        }
        rules[name] = RuleSettings(bool(enabled), values)
    return AnomalyConfig(rules)
