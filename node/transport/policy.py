"""Who may call what: the one authorisation table of a node's gRPC servers (issue 11).

Like Fabric's ACL file, the table names every RPC a validator serves (proto/node.proto's
Peer, Ledger and Agency services, gRPC health, and reflection in both its protocols) with
the roles allowed and, where the roles alone cannot decide, a data-level `Rule` the node
evaluates on the request.
A method missing from the table is refused, never allowed, and a test fails when the
proto gains a method without a row here.

The caller is always the identity of its TLS client certificate (node/transport/identity.py),
checked against the CAs in force; the roles are the certificate's OU. Every certificate the
check accepts belongs to a member organisation (only members' CAs are in force), so "member
organisations" needs no rule of its own.

`PolicyInterceptor` enforces the table on a `grpc.aio` server: it wraps each method
handler's behaviour so the check runs first, in the handler's own task, then sets
`current_caller()` for the handler. Refusals are UNAUTHENTICATED (no acceptable identity)
or PERMISSION_DENIED (an identity not allowed this call), each counted through a callback
and logged with the caller's organisation and certificate serial (never request data).
"""

from __future__ import annotations

import contextvars
import enum
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import grpc

from node.chain.pki import Identity, Role
from node.refusal_log import RefusalLog
from node.transport.identity import CallerCheck, CallerRefused
from node.transport.wrapping import Check, WrappingInterceptor, rebuild

log = logging.getLogger("trustledger.policy")


class Rule(enum.StrEnum):
    """A data-level condition on top of the roles. The node evaluates it (see `RuleCheck`)
    because only the node knows the chain state at its height."""

    VALIDATOR_IN_SET = "validator-in-set"
    """The caller's name (CN) is the id of a validator in the set in force or scheduled at
    the node's height (node/validators.py), and the caller's organisation is that
    validator's operator. On `Peer/Deliver`, the envelope's `from_validator` must also be
    the caller's name: a request naming validator X over Y's certificate is refused.
    Scheduled validators are included so that a joining validator can fetch blocks and
    catch up before its first height."""

    SUBMITTER_IS_CALLER = "submitter-is-caller"
    """Every transaction in the request is signed by the on-chain key of the caller's
    organisation; for a `wallet` certificate, by the key of a holder whose wallet the caller
    operates. A request that names organisation X over a certificate of Y is refused; the
    transaction signature is still checked at admission as before."""

    HOLDER_LINKED = "holder-linked"
    """If the query or state key concerns a holder (a holder id among its arguments, or a
    holder's entry), the caller is that holder's wallet, an organisation with a grant from
    the holder in force at the node's height, or an `auditor`. Queries about no holder pass."""


@dataclass(frozen=True, slots=True)
class Access:
    """One row of the table."""

    roles: frozenset[Role]
    """Roles whose certificates may call the method."""
    rule: Rule | None = None
    """A data-level rule the request must also satisfy, if any."""


_ALL: Final = frozenset(Role)
_SUBMITTERS: Final = frozenset({Role.ISSUER, Role.VERIFIER, Role.AUDITOR, Role.WALLET, Role.ADMIN})

POLICY: Final[Mapping[str, Access]] = MappingProxyType(
    {
        # Between validators: consensus messages, forwarded transactions, catch-up.
        "/trustledger.v1.Peer/Deliver": Access(frozenset({Role.VALIDATOR}), Rule.VALIDATOR_IN_SET),
        "/trustledger.v1.Peer/ForwardTxs": Access(
            frozenset({Role.VALIDATOR}), Rule.VALIDATOR_IN_SET
        ),
        "/trustledger.v1.Peer/GetBlocks": Access(
            frozenset({Role.VALIDATOR}), Rule.VALIDATOR_IN_SET
        ),
        # Submission: member organisations' services and operators, for their own org.
        "/trustledger.v1.Ledger/SubmitTransaction": Access(_SUBMITTERS, Rule.SUBMITTER_IS_CALLER),
        "/trustledger.v1.Ledger/SubmitTransactions": Access(_SUBMITTERS, Rule.SUBMITTER_IS_CALLER),
        # Reads every member shares (blocks carry only pseudonymous ids and commitments).
        "/trustledger.v1.Ledger/GetTransaction": Access(_ALL),
        "/trustledger.v1.Ledger/GetBlock": Access(_ALL),
        "/trustledger.v1.Ledger/GetStatus": Access(_ALL),
        # Reads that may concern one holder.
        "/trustledger.v1.Ledger/Query": Access(_ALL, Rule.HOLDER_LINKED),
        "/trustledger.v1.Ledger/GetProvenState": Access(_ALL, Rule.HOLDER_LINKED),
        # Auditors trace anything; a wallet traces only a holder's own data, which it shows
        # the holder (使用知情): the rule refuses a wallet any subject that is no holder.
        "/trustledger.v1.Ledger/AuditTrace": Access(
            frozenset({Role.AUDITOR, Role.WALLET}), Rule.HOLDER_LINKED
        ),
        "/trustledger.v1.Agency/VerifyCertificate": Access(frozenset({Role.VERIFIER, Role.ISSUER})),
        "/trustledger.v1.Agency/VerifyCertificates": Access(
            frozenset({Role.VERIFIER, Role.ISSUER})
        ),
        "/trustledger.v1.Agency/VerifyStream": Access(frozenset({Role.VERIFIER, Role.ISSUER})),
        "/trustledger.v1.Agency/WatchStatus": Access(frozenset({Role.VERIFIER, Role.ISSUER})),
        # The verifier a presentation is bound to is the caller's organisation.
        "/trustledger.v1.Agency/VerifyPresentation": Access(
            frozenset({Role.VERIFIER, Role.ISSUER})
        ),
        # Operations: liveness for any member's monitoring; the schema is public anyway.
        "/grpc.health.v1.Health/Check": Access(_ALL),
        "/grpc.health.v1.Health/List": Access(_ALL),
        "/grpc.health.v1.Health/Watch": Access(_ALL),
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": Access(_ALL),
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": Access(_ALL),
    }
)


RuleCheck = Callable[[Rule, Identity, Any], Awaitable[str | None]]
"""The node's evaluation of a data-level rule for one call: (rule, caller, request) ->
None to allow, or the reason to refuse with PERMISSION_DENIED. It runs on the event loop
before the handler, so it reads the node's state at its current height and must not block.
Without one, every call under a rule is refused (fail closed)."""

RefusalCounter = Callable[[str, grpc.StatusCode, Identity | None], None]
"""Called once per refused call with (method, status code, identity if one was found):
the hook for the node's metrics."""

_caller: contextvars.ContextVar[Identity] = contextvars.ContextVar("trustledger_caller")


def current_caller() -> Identity:
    """The checked identity of the call being handled (set by `PolicyInterceptor`)."""
    return _caller.get()


def get_refusal(method: str, identity: Identity) -> str | None:
    """Why the table refuses this caller this method by role, or None if its role may."""
    access = POLICY.get(method)
    if access is None:
        return f"{method} is in no row of the access policy"
    if identity.role not in access.roles:
        allowed = ", ".join(sorted(access.roles))
        return (
            f"role {identity.role} of {identity.org} (serial {identity.serial:x}) may not "
            f"call {method}; allowed: {allowed}"
        )
    return None


class Guard:
    """The check before every handler: identity, table, rule."""

    def __init__(
        self,
        callers: CallerCheck,
        rules: RuleCheck | None = None,
        on_refusal: RefusalCounter | None = None,
    ) -> None:
        self._callers = callers
        self._rules = rules
        self._on_refusal = on_refusal
        self._refusals = RefusalLog(log, "call refused")

    async def admit(
        self, method: str, request: object, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Identity:
        """The caller's identity, or the call aborted with the refusal."""
        identity: Identity | None = None
        try:
            identity = self._callers.identify(context.auth_context())
            reason = get_refusal(method, identity)
            access = POLICY.get(method)
            if reason is None and access is not None and access.rule is not None:
                if self._rules is None:
                    reason = f"rule {access.rule} of {method} is not evaluated on this node"
                else:
                    reason = await self._rules(access.rule, identity, request)
            if reason is not None:
                raise CallerRefused(grpc.StatusCode.PERMISSION_DENIED, reason, identity)
        except CallerRefused as refused:
            identity = refused.identity or identity
            who = (
                f"org={identity.org} serial={identity.serial:x} role={identity.role}"
                if identity is not None
                else "no identity"
            )
            self._refusals.note(who, method, refused.message)
            if self._on_refusal is not None:
                self._on_refusal(method, refused.code, identity)
            await context.abort(refused.code, refused.message)
            raise  # abort raises; this only satisfies the type checker
        return identity


def _guard_check(method: str, guard: Guard) -> Check:
    """Streamed requests carry no rule (checked by the table's tests): the check needs no
    request, so it runs before the first one is read."""

    async def check(
        request: object, context: grpc.aio.ServicerContext[Any, Any], request_streaming: bool
    ) -> object:
        _caller.set(await guard.admit(method, None if request_streaming else request, context))
        return request

    return check


def wrap_handler(
    handler: grpc.RpcMethodHandler[Any, Any], method: str, guard: Guard
) -> grpc.RpcMethodHandler[Any, Any]:
    """The same handler with `guard` checked before its behaviour runs."""
    return rebuild(handler, method, _guard_check(method, guard))


class PolicyInterceptor(WrappingInterceptor):
    """`grpc.aio.server(interceptors=[PolicyInterceptor(guard)])`: every method of the
    server passes the guard first."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self._guard = guard

    def wrap(
        self, handler: grpc.RpcMethodHandler[Any, Any], method: str
    ) -> grpc.RpcMethodHandler[Any, Any]:
        return wrap_handler(handler, method, self._guard)
