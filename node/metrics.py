"""Prometheus metrics of a validator, served on their own HTTP port (`metrics_listen`).

One registry per process (not the global default), so tests that build several nodes in
one interpreter do not collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from consensus.ready import Rejected


class NodeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.height = Gauge("trustledger_height", "Last committed block height", registry=r)
        self.view = Gauge("trustledger_view", "Current consensus view", registry=r)
        self.mempool = Gauge("trustledger_mempool_txs", "Transactions waiting", registry=r)
        self.blocks = Counter("trustledger_blocks_committed", "Blocks committed", registry=r)
        self.txs = Counter(
            "trustledger_txs_committed", "Transactions committed", ["outcome"], registry=r
        )
        self.admission_rejected = Counter(
            "trustledger_txs_refused", "Transactions refused at admission", ["reason"], registry=r
        )
        self.consensus_rejected = Counter(
            "trustledger_consensus_messages_rejected",
            "Peer consensus messages rejected",
            ["kind"],
            registry=r,
        )
        self.equivocations = Counter(
            # prometheus_client appends _total: read by `trustledger audit anomalies`
            "trustledger_consensus_equivocations",
            "Validly signed consensus messages from a validator that conflict with an earlier"
            " one of its own (same kind, view and height, or checkpoint height; another digest)",
            ["validator", "kind"],
            registry=r,
        )
        self.forwarded_refused = Counter(
            "trustledger_forwarded_txs_refused",
            "Transactions forwarded by a peer and refused (its lane or a submitter is full,"
            " or the transaction is invalid)",
            ["peer", "code"],
            registry=r,
        )
        self.proposals_refused = Counter(
            "trustledger_proposals_refused",
            "Proposals this replica refused to vote for",
            registry=r,
        )
        self.block_txs = Histogram(
            "trustledger_block_txs",
            "Transactions per committed block",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000),
            registry=r,
        )
        self.execute_seconds = Histogram(
            "trustledger_block_execute_seconds",
            "Time to execute a block (proposal or validation)",
            buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2),
            registry=r,
        )
        self.rpc_refused = Counter(
            # prometheus_client appends _total: trustledger_rpc_refused_total{method,code}
            "trustledger_rpc_refused",
            "Calls refused by the access policy (node/transport/policy.py)",
            ["method", "code"],
            registry=r,
        )
        self.catchup_blocks = Counter(
            "trustledger_catchup_blocks", "Certified blocks applied from peers", registry=r
        )

    def count_rejected(self, rejected: Rejected) -> None:
        """A peer message the replica did not use; one that contradicts an earlier message
        of the same sender is also evidence of equivocation, counted per validator for
        auditors (`audit anomalies`)."""
        kind = type(rejected.message).__name__
        self.consensus_rejected.labels(kind).inc()
        if rejected.conflicts_with is not None:
            self.equivocations.labels(rejected.message.sender, kind).inc()

    def serve(self, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
