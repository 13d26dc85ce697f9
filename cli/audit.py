"""`trustledger audit`: trace every flow of a subject's data (cli/audit_evidence.py: with
proofs, and as evidence packages); verify the whole chain; graphs and reports
(cli/audit_graph.py, cli/audit_report.py)."""

from __future__ import annotations

import contextlib
import time
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli import audit_evidence, audit_graph, audit_report
from cli.common import Exiting, Output, Session, err_console, ledger_command
from node.sdk.client import ClientError, LedgerClient
from node.sdk.verifychain import ChainReport, ChainVerifier, verify_chain
from proto import ledger_pb2, node_pb2

app = typer.Typer(
    help="Trace the flow of a subject's data with proofs, export and check evidence; verify"
    " the chain.",
    no_args_is_help=True,
)
audit_evidence.register(app)  # trace, export-evidence, check-evidence
audit_graph.register(app)  # graph: where a holder's data went
audit_report.register(app)  # report: one organisation's figures


class NodeBlocks:
    """The blocks of one node (`BlockSource`): a block it does not have is None; any other
    failure of the node ends the command (cli.common.ledger)."""

    def __init__(self, client: LedgerClient) -> None:
        self.client = client
        self.status: node_pb2.StatusResponse | None = None

    def tip_height(self) -> int:
        self.status = self.client.status()  # height and state root of one moment
        return int(self.status.height)

    def tip_state_root(self) -> bytes | None:
        root = b"" if self.status is None else bytes(self.status.state_root)
        return root or None

    def get_block(self, height: int) -> ledger_pb2.Block | None:
        try:
            return self.client.get_block(height).block
        except ClientError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise


def report_doc(report: ChainReport) -> dict[str, Any]:
    fault = report.fault
    return {
        "ok": report.ok,
        "from_height": report.from_height,
        "tip_height": report.tip_height,
        "verified_height": report.verified_height,
        "blocks": report.blocks,
        "txs": report.txs,
        "seconds": round(report.seconds, 3),
        "blocks_per_s": round(report.blocks / report.seconds, 1),
        "txs_per_s": round(report.txs / report.seconds, 1),
        "fault": None
        if fault is None
        else {"height": fault.height, "kind": fault.kind, "detail": fault.detail},
    }


@ledger_command(app, "verify-chain", calls_as="audit")
def verify_chain_cmd(
    s: Session,
    from_height: Annotated[
        int,
        typer.Option(
            min=1,
            help="check from this height on; the blocks below are re-executed from genesis"
            " (links and roots compared) without their certificates and signatures",
        ),
    ] = 1,
    from_all: Annotated[
        bool,
        typer.Option(
            "--from-all",
            help="also fetch every other validator's blocks (with the devnet's audit"
            " certificate) and require the same headers and transactions up to each one's tip",
        ),
    ] = False,
) -> Output:
    """Fetch every block from genesis from one node and check it, trusting no node: hash
    links, commit certificates against the validator sets followed from genesis, every
    transaction's signature, and a re-execution of every transaction recomputing each
    block's results and state roots. Exit code 1 names the first bad height and what failed."""
    g = s.net.genesis
    verifier = ChainVerifier(
        g.chain_id,
        g.hash,
        g.validators,
        g.state_writes(),
        genesis_time_ms=g.genesis_time_ms,
        suite=g.suite,
    )
    source = NodeBlocks(s.client)
    with contextlib.ExitStack() as stack:
        others: dict[str, NodeBlocks] = {}
        unreachable: list[str] = []
        if from_all:
            own = s.client.status().validator
            for vid, address in s.net.addresses.items():
                if vid == own:
                    continue
                client = stack.enter_context(s.net.client(address, org="audit"))
                try:
                    client.status()
                except ClientError:
                    unreachable.append(vid)  # reported, not compared
                    continue
                others[vid] = NodeBlocks(client)
        report = run_walk(verifier, source, from_height, others)
    return verdict_output(g.chain_id, report, sorted(others), unreachable)


def run_walk(
    verifier: ChainVerifier, source: NodeBlocks, from_height: int, others: dict[str, NodeBlocks]
) -> ChainReport:
    columns = (
        TextColumn("verifying blocks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("verify", total=None)

        def advance(height: int, tip: int) -> None:
            progress.update(task, completed=height, total=tip)

        return verify_chain(
            verifier,
            source,
            from_height=from_height,
            clock=time.perf_counter,
            progress=advance,
            others=others,
        )


def verdict_output(
    chain_id: str, report: ChainReport, compared: list[str], unreachable: list[str]
) -> Exiting:
    """The report, then exit code 1 if the chain is not sound."""
    doc = report_doc(report)
    doc["compared_with"] = compared
    doc["unreachable"] = unreachable
    table = Table(title=f"verify-chain of {chain_id}")
    for col in ("blocks", "transactions", "seconds", "blocks/s", "tx/s"):
        table.add_column(col, justify="right")
    table.add_row(
        f"{doc['from_height']}..{report.verified_height} of {report.tip_height}",
        str(report.txs),
        f"{report.seconds:.2f}",
        str(doc["blocks_per_s"]),
        str(doc["txs_per_s"]),
    )
    fault = report.fault
    verdict = (
        f"[green]OK[/]: blocks 1..{report.tip_height} are linked, certified, signed and"
        " re-execute to their state roots"
        if fault is None
        else f"[red]FAILED[/] at height {fault.height}: {fault.kind} ({fault.detail})"
    )
    notes = (
        [f"[yellow]not compared (unreachable)[/]: {', '.join(unreachable)}"] if unreachable else []
    )
    return Exiting(0 if report.ok else 1, doc, table, *notes, verdict)
