"""README's "Identities and access" table is the access policy itself: generated here from
node/transport/policy.py, so a row changed in the code and not in the README (or the other
way round) fails, with the table to paste printed."""

from __future__ import annotations

from pathlib import Path

from node.chain.pki import Role
from node.transport.policy import POLICY, Access, Rule

README = Path(__file__).resolve().parents[2] / "README.md"

RULE_TEXT = {
    None: "",
    Rule.VALIDATOR_IN_SET: "the certificate names a validator of the set in force or"
    " scheduled, run by the certificate's organisation",
    Rule.SUBMITTER_IS_CALLER: "each transaction is signed by the caller's organisation (a"
    " wallet's: by holders)",
    Rule.HOLDER_LINKED: "naming a holder: only a wallet, an auditor, or an organisation with"
    " the holder's grant in force",
}


def _roles(access: Access) -> str:
    if access.roles == frozenset(Role):
        return "any member"
    return ", ".join(role.value for role in Role if role in access.roles)


def _method(path: str) -> str:
    """`Service/Method`; with the package's version where one method is served in two
    versions (server reflection: `v1.ServerReflection/...` and `v1alpha....`)."""
    service, method = path.rsplit("/", 2)[1:]
    package, name = service.rsplit(".", 1)
    twins = [p for p in POLICY if p.endswith(f".{name}/{method}")]
    if len(twins) > 1:
        name = f"{package.rsplit('.', 1)[-1]}.{name}"
    return f"`{name}/{method}`"


def policy_table() -> list[str]:
    """One row per (roles, rule), methods in the table's order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for path, access in POLICY.items():
        groups.setdefault((_roles(access), RULE_TEXT[access.rule]), []).append(_method(path))
    lines = ["| RPCs | who (certificate role) | and the node checks |", "|---|---|---|"]
    lines += [
        f"| {', '.join(methods)} | {roles} | {rule or '—'} |"
        for (roles, rule), methods in groups.items()
    ]
    return lines


def test_readme_carries_the_policy_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = "\n".join(policy_table())
    assert table in text, "README's policy table differs from the code; paste:\n" + table


def test_every_rule_is_explained() -> None:
    assert set(RULE_TEXT) == {None, *Rule}
