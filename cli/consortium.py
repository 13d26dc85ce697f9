"""A devnet client that calls as whichever member the call is made for.

A validator checks that a transaction arrives over the certificate of the organisation
that signed it (node/transport/policy.py, SUBMITTER_IS_CALLER), that only auditors trace
and only verifiers and issuers verify. A devnet folder holds every organisation's
certificate, so the demo and the tests, which act for several organisations in one story,
use this client: one channel per organisation, opened when first needed, and each call
sent over the one the policy expects (a transaction over its signer's, a holder's over
the wallet's). Outside a devnet, each organisation runs its own `LedgerClient` with its
own certificate; nothing here is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from node.sdk.client import DEFAULT_TIMEOUT_S, LedgerClient
from node.sdk.tls import ClientTls
from proto import ledger_pb2, node_pb2
from suites import Suite

TlsFor = Callable[[str, str], ClientTls]
"""(organisation, certificate name) -> the devnet's certificate."""

READER = ("audit", "operator")
"""Reads go as the auditor, who may read everything the policy lets anyone read."""
VERIFIER = ("bank", "operator")


class ConsortiumClient(LedgerClient):
    def __init__(
        self,
        address: str,
        chain_id: str,
        tls_for: TlsFor,
        org_keys: Mapping[bytes, str],
        holders_via: tuple[str, str],
        timeout_s: float = DEFAULT_TIMEOUT_S,
        *,
        suite: Suite,
    ) -> None:
        """`org_keys` maps each organisation's transaction key to its id; a transaction
        signed by another key is a holder's, sent over `holders_via` (the wallet's
        certificate). `suite` is the chain's (its genesis's)."""
        super().__init__(address, chain_id, tls_for(*READER), timeout_s, suite=suite)
        self._tls_for = tls_for
        self._org_keys = dict(org_keys)
        self._holders_via = holders_via
        self._members: dict[tuple[str, str], LedgerClient] = {}
        self.agency = self._member(VERIFIER).agency

    def _member(self, who: tuple[str, str]) -> LedgerClient:
        client = self._members.get(who)
        if client is None:
            client = LedgerClient(
                self.address, self.chain_id, self._tls_for(*who), self.timeout_s, suite=self.suite
            )
            self._members[who] = client
        return client

    def _for(self, tx: ledger_pb2.Transaction) -> LedgerClient:
        org = self._org_keys.get(bytes(tx.body.submitter))
        return self._member((org, "operator") if org is not None else self._holders_via)

    def submit(
        self, tx: ledger_pb2.Transaction, *, wait: bool = True, busy_retry_s: float = 0.0
    ) -> node_pb2.SubmitResponse:
        return self._for(tx).submit(tx, wait=wait, busy_retry_s=busy_retry_s)

    def submit_batch(self, txs: list[ledger_pb2.Transaction]) -> node_pb2.SubmitBatchResponse:
        """A batch goes over its first transaction's signer's channel: one batch, one
        signer (the node refuses a mixed one from anyone but a custodial wallet)."""
        if not txs:
            return super().submit_batch(txs)
        return self._for(txs[0]).submit_batch(txs)

    def close(self) -> None:
        for client in self._members.values():
            client.close()
        self._members.clear()
        super().close()
