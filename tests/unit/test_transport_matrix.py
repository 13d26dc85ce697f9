"""The access matrix, generated from the policy table: every served RPC × every kind of
caller, against a real mTLS server on 127.0.0.1 (tests/unit/transport_support.py).

Refusals at the TLS layer (no TLS, no client certificate, an unknown CA, an expired
certificate) end the handshake, so the caller sees UNAVAILABLE; refusals that need the
chain (revoked serial, wrong organisation, wrong role) are calls refused with
UNAUTHENTICATED or PERMISSION_DENIED (node/transport/tls.py says why).

The data-level rules are the node's own (node/transport/rules.py `ChainRules`) over a chain
built with the real contracts (tests/unit/rules_support.py): v1 is org-a's validator, org-a
holds a consent grant from the holder the Query and GetProvenState rows ask about, and the
submission rows carry a transaction signed by org-a. So org-a's callers (named v1) satisfy
every rule and org-b's caller ("wrong organisation") satisfies none.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest

from node.chain import pki
from node.chain.pki import Role
from node.transport.policy import POLICY, Rule
from node.transport.rules import ChainRules
from tests.unit.rules_support import RulesChain, rule_request
from tests.unit.transport_support import (
    NOW,
    Refusals,
    TrustBox,
    call,
    make_org,
    secure_channel,
    served_methods,
    serving,
)

StatusCode = grpc.StatusCode

NOT_IMPLEMENTED_BY_GRPC = {"/grpc.health.v1.Health/List"}
"""Described by grpcio-health-checking's proto but not implemented by its aio servicer: an
allowed call gets through the guard and is answered UNIMPLEMENTED by the servicer."""


def test_every_served_rpc_has_exactly_one_row() -> None:
    served = set(served_methods())
    assert sorted(served - POLICY.keys()) == [], "RPCs without a row in node/transport/policy.py"
    assert sorted(POLICY.keys() - served) == [], "rows for RPCs no server serves"


def test_every_row_allows_someone_and_rules_need_a_single_request() -> None:
    methods = served_methods()
    for path, access in POLICY.items():
        assert access.roles, path
        if access.rule is not None:
            assert not methods[path].client_streaming, f"{path}: a rule needs the request"


RULE_READS_NO_REQUEST = {"/trustledger.v1.Peer/ForwardTxs", "/trustledger.v1.Peer/GetBlocks"}
"""Rule rows whose rule judges the caller only (VALIDATOR_IN_SET without an envelope)."""


def test_every_rule_row_is_sent_a_request_its_rule_reads() -> None:
    for path, access in POLICY.items():
        if access.rule is not None and path not in RULE_READS_NO_REQUEST:
            assert rule_request(path) is not None, path


def test_the_rows_the_issue_names() -> None:
    assert POLICY["/trustledger.v1.Ledger/AuditTrace"].roles == {Role.AUDITOR, Role.WALLET}
    assert POLICY["/trustledger.v1.Agency/VerifyCertificate"].roles == {
        Role.VERIFIER,
        Role.ISSUER,
    }
    assert POLICY["/trustledger.v1.Ledger/Query"].rule is Rule.HOLDER_LINKED
    for path, access in POLICY.items():
        if path.startswith("/trustledger.v1.Peer/"):
            assert access == POLICY["/trustledger.v1.Peer/Deliver"]
            assert access.roles == {Role.VALIDATOR} and access.rule is Rule.VALIDATOR_IN_SET
        if "/Submit" in path:
            assert access.rule is Rule.SUBMITTER_IS_CALLER


CALLER_KINDS = (
    "no TLS",
    "TLS without client cert",
    "unknown CA",
    "expired",
    "revoked",
    "wrong organisation",
    *(f"role {role}" for role in Role),
)


def expected(kind: str, path: str) -> StatusCode:
    access = POLICY[path]
    if kind in ("no TLS", "TLS without client cert", "unknown CA", "expired"):
        return StatusCode.UNAVAILABLE
    if kind == "revoked":
        return StatusCode.UNAUTHENTICATED
    if kind == "wrong organisation":
        # org-b's admin: refused by role where admins are not allowed, else by the rule.
        if Role.ADMIN not in access.roles or access.rule is not None:
            return StatusCode.PERMISSION_DENIED
    elif Role(kind.removeprefix("role ")) not in access.roles:
        return StatusCode.PERMISSION_DENIED
    return StatusCode.UNIMPLEMENTED if path in NOT_IMPLEMENTED_BY_GRPC else StatusCode.OK


async def _matrix(path: str) -> dict[str, tuple[StatusCode, StatusCode]]:
    a, b, stranger = make_org("org-a"), make_org("org-b"), make_org("org-x")
    revoked_cert = a.issue(Role.ADMIN, "ops")
    revoked = {"org-a": {pki.get_identity(revoked_cert[0]).serial}}
    box = TrustBox(pki.Trust(cas={"org-a": a.ca, "org-b": b.ca}, revoked=revoked))
    credentials: dict[str, tuple[bytes, bytes] | None] = {
        "TLS without client cert": None,
        "unknown CA": stranger.issue(Role.ADMIN, "ops"),
        "expired": a.issue(Role.ADMIN, "ops", now=NOW - dt.timedelta(days=3), days=1),
        "revoked": revoked_cert,
        "wrong organisation": b.issue(Role.ADMIN, "v1"),
        **{f"role {role}": a.issue(role, "v1") for role in Role},
    }
    results: dict[str, tuple[StatusCode, StatusCode]] = {}
    refusals = Refusals()
    request = rule_request(path)
    async with serving(a, box, refusals, rules=ChainRules(RulesChain())) as port:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as plain:
            results["no TLS"] = (await call(plain, path, 2.0, request), expected("no TLS", path))
        for kind, cert_key in credentials.items():
            async with secure_channel(port, {"org-a": a.ca}, cert_key) as channel:
                results[kind] = (await call(channel, path, 2.0, request), expected(kind, path))
    refused = sum(1 for got, _ in results.values() if got in _CALL_REFUSALS)
    assert len(refusals.seen) == refused, "every refused call is counted once"
    return results


_CALL_REFUSALS = (StatusCode.UNAUTHENTICATED, StatusCode.PERMISSION_DENIED)


@pytest.mark.parametrize("path", sorted(POLICY))
def test_matrix_row(path: str) -> None:
    results = asyncio.run(_matrix(path))
    assert set(results) == set(CALLER_KINDS)
    wrong = {kind: got.name for kind, (got, want) in results.items() if got != want}
    assert wrong == {}, f"{path}: unexpected statuses {wrong}"
