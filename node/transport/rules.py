"""The node's evaluation of the policy table's data-level rules (node/transport/policy.py
`Rule`), against the chain state at the node's height.

`ChainRules` is the `RuleCheck` a validator's server passes to its `Guard`. It runs on the
event loop before the handler, reads the committed state the handlers read, and returns
None to allow or the reason to refuse with PERMISSION_DENIED. Reasons name organisations,
roles, serials, validator ids and methods, never a holder id or other request data.

What each rule can and cannot know:

- VALIDATOR_IN_SET: the caller's certificate names a validator (CN) of the set in force at
  the next height or of a set scheduled after it, and its organisation is the one the chain
  names as that validator's operator. A validator whose operator is "" (a genesis without
  operators) is never accepted: nothing ties a certificate to it.
- SUBMITTER_IS_CALLER: a transaction carries its signer's public key (`TxBody.submitter`),
  and the chain maps an organisation's key to the organisation. Every transaction must be
  signed by the caller's organisation's key. A `wallet` certificate may also submit
  transactions signed by keys that are no organisation's: the wallet is custodial and signs
  for its holders. The chain keeps no registry of which holders a wallet serves, so the
  node cannot check that the holder is that wallet's (the limit of this rule); it does
  refuse a wallet submitting another organisation's transaction.
- HOLDER_LINKED: a request "about a holder" is one whose Query arguments, proven-state
  key or AuditTrace subject contain a holder id (`hd` + 40 hex digits, contracts/framework/identity.py). Only a
  `wallet` (again: any wallet, for lack of a registry), an `auditor`, or an organisation
  holding a consent grant from every holder named, in force at the chain's time, may ask.
  A query that names no holder id but returns holder data (a certificate by its id) is not
  recognised as holder-linked: the table cannot see answers. On AuditTrace (auditors and
  wallets only), a wallet may trace a holder's subject and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final, Protocol

from contracts.framework import limits as contract_limits
from contracts.framework.errors import ContractError
from contracts.membership.organisations import principal_of
from contracts.runtime import StateReader
from contracts.runtime import query as contract_query
from node.chain.pki import Identity, Role
from node.transport.policy import Rule
from node.validators import read_operators
from proto import ledger_pb2, node_pb2

HOLDER_ID_IN_TEXT: Final = re.compile(r"hd[0-9a-f]{40}")
"""A holder id anywhere in a text (contracts.framework.identity's shape, unanchored)."""

HOLDER_READERS: Final = frozenset({Role.WALLET, Role.AUDITOR})
"""Roles that may read any holder's data (the custodial wallet; auditors)."""

SUBMITTER_CACHE_MAX: Final = 4096
"""Submitter keys whose organisation is remembered for one height."""


class ChainView(Protocol):
    """What the rules read of the node (node/ledger/world.py `World` is one)."""

    @property
    def state(self) -> StateReader:
        """The committed state at the tip."""
        ...

    def tip_height(self) -> int: ...

    def tip_time_ms(self) -> int:
        """The chain's time at the tip: what grants expire by."""
        ...


def find_holder_ids(texts: Iterable[str]) -> list[str]:
    """The holder ids found in `texts`, each once, in order of appearance."""
    found: list[str] = []
    for text in texts:
        for match in HOLDER_ID_IN_TEXT.findall(text):
            if match not in found:
                found.append(match)
    return found


def get_request_holders(request: object) -> list[str]:
    """The holder ids a Query or GetProvenState request mentions."""
    if isinstance(request, node_pb2.QueryRequest):
        texts = [arg.text for arg in request.args if arg.WhichOneof("value") == "text"]
        return find_holder_ids(texts)
    if isinstance(request, node_pb2.ProvenStateRequest):
        return find_holder_ids([bytes(request.key).decode("latin-1")])
    if isinstance(request, node_pb2.AuditTraceRequest):
        return find_holder_ids([request.subject])
    return []


def get_request_txs(request: object) -> list[ledger_pb2.Transaction]:
    """The transactions a submission carries."""
    if isinstance(request, node_pb2.SubmitRequest):
        return [request.tx] if request.HasField("tx") else []
    if isinstance(request, node_pb2.SubmitBatchRequest):
        return list(request.txs)
    return []


class ChainRules:
    """The node's `RuleCheck` (see the module's docstring). What it derives from the state
    (the validators' operators, which organisation a key is) is remembered for one height."""

    def __init__(self, chain: ChainView) -> None:
        self._chain = chain
        self._height = -1
        self._operators: dict[str, str] = {}
        self._orgs_by_key: dict[bytes, str | None] = {}

    async def __call__(self, rule: Rule, identity: Identity, request: Any) -> str | None:
        return self.check(rule, identity, request)

    def check(self, rule: Rule, identity: Identity, request: object) -> str | None:
        """None to allow, else why not (synchronous: for tests and the async wrapper)."""
        self._follow_tip()
        if rule is Rule.VALIDATOR_IN_SET:
            return self._validator_in_set(identity, request)
        if rule is Rule.SUBMITTER_IS_CALLER:
            return self._submitter_is_caller(identity, request)
        return self._holder_linked(identity, request)

    def _follow_tip(self) -> None:
        height = self._chain.tip_height()
        if height != self._height:
            self._height = height
            self._operators = read_operators(self._chain.state, height + 1)
            self._orgs_by_key = {}

    # ---- the rules ------------------------------------------------------------------------

    def _validator_in_set(self, identity: Identity, request: object) -> str | None:
        who = f"{identity.name} of {identity.org} (serial {identity.serial:x})"
        operator = self._operators.get(identity.name)
        if operator is None:
            return f"{who} is no validator of the set in force or scheduled"
        if not operator:
            return f"validator {identity.name} has no operator on the chain: no certificate is its"
        if operator != identity.org:
            return f"{who}: validator {identity.name} is operated by {operator}"
        if isinstance(request, node_pb2.PeerEnvelope) and request.from_validator != identity.name:
            return f"{who} may not deliver messages as another validator"
        return None

    def _org_of_key(self, public_key: bytes) -> str | None:
        if public_key not in self._orgs_by_key:
            if len(self._orgs_by_key) >= SUBMITTER_CACHE_MAX:
                self._orgs_by_key.clear()
            org = principal_of(self._chain.state, public_key)
            self._orgs_by_key[public_key] = None if org is None else org.id
        return self._orgs_by_key[public_key]

    def _submitter_is_caller(self, identity: Identity, request: object) -> str | None:
        who = f"role {identity.role} of {identity.org} (serial {identity.serial:x})"
        for index, tx in enumerate(get_request_txs(request)):
            signer = self._org_of_key(bytes(tx.body.submitter))
            if signer == identity.org:
                continue
            if signer is None:
                if identity.role is Role.WALLET:
                    continue  # a holder's transaction, signed by the custodial wallet
                return f"{who}: transaction {index} is not signed by {identity.org}'s key"
            return f"{who} may not submit transaction {index}, signed by {signer}"
        return None

    def _holder_linked(self, identity: Identity, request: object) -> str | None:
        holders = get_request_holders(request)
        if isinstance(request, node_pb2.AuditTraceRequest) and identity.role is Role.WALLET:
            if holders != [request.subject]:
                return (
                    f"role wallet of {identity.org} (serial {identity.serial:x}) traces only"
                    " a holder's own data"
                )
            return None
        if not holders or identity.role in HOLDER_READERS:
            return None
        for holder in holders:
            if not self._has_grant(holder, identity.org):
                return (
                    f"role {identity.role} of {identity.org} (serial {identity.serial:x}) holds"
                    " no consent grant in force from the holder this request names"
                )
        return None

    def _has_grant(self, holder: str, org_id: str) -> bool:
        """Whether `org_id` holds a grant from `holder` in force at the chain's time (the
        consent contract's `in_force`: granted, unexpired, uses left)."""
        try:
            grants = contract_query(
                self._chain.state,
                "consent",
                "list_by_holder",
                {"holder": holder, "in_force": True, "limit": contract_limits.LIST_LIMIT_MAX},
                now_ms=self._chain.tip_time_ms(),
            )
        except ContractError:
            return False
        return isinstance(grants, list) and any(
            isinstance(grant, dict) and grant.get("agency") == org_id for grant in grants
        )
