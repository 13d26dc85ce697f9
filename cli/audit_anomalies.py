"""`trustledger audit anomalies`: the rules of node/sdk/anomalies over a node's blocks and the
validators' consensus evidence; `--watch` follows new blocks. All the I/O of the anomaly
rules is here (blocks over gRPC, counts from the metrics endpoints, POSTs); the judging is
the pure `Scanner` (docs/anomalies.md)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Final

import httpx
import typer
from prometheus_client.parser import text_string_to_metric_families
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import Output, Session, err_console, fail, ledger_command
from cli.devnet import Devnet
from node.chain.headers import results_root
from node.sdk.anomalies.config import AnomalyConfig, AnomalyConfigError, load_config
from node.sdk.anomalies.facts import Actors, ConflictFact, Fact, TxFact, facts_of_block
from node.sdk.anomalies.rules import Alert, Scanner, alerts_from
from node.sdk.client import LedgerClient

EQUIVOCATIONS_METRIC: Final = "trustledger_consensus_equivocations"
"""node/metrics.py's counter (the parser names its family without `_total`)."""
METRICS_TIMEOUT_S: Final = 5.0
POST_ATTEMPTS: Final = 3
POST_TIMEOUT_S: Final = 5.0
POST_BACKOFF_S: Final = 0.5
"""Waited before the second attempt, doubled before each later one."""
WATCH_INTERVAL_S_MAX: Final = 3600.0
MEMBERS_MAX: Final = 1000
"""Organisations read to name the submitters of transactions (the query's own bound)."""


def _config_of(path: Path | None) -> AnomalyConfig:
    if path is None:
        return load_config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnomalyConfigError(f"cannot read {path}: {exc}") from exc
    return load_config(text, str(path))


def _check_config(path: Path | None) -> Path | None:
    """Refuse a bad config before the devnet or a node is touched."""
    try:
        _config_of(path)
    except AnomalyConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return path


def _check_post_url(url: str | None) -> str | None:
    if url is not None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise typer.BadParameter(f"{url!r} is no http:// or https:// URL")
    return url


def read_facts(client: LedgerClient, height: int, actors: Actors) -> list[Fact]:
    """Block `height` and its results as facts; results that do not match the header's
    results root end the command (the node's answer is inconsistent)."""
    resp = client.get_block(height)
    if results_root(list(resp.results.results), client.suite) != resp.block.header.results_root:
        fail(f"block {height}: the node's results do not match the header's results root")
    if len(resp.results.results) != len(resp.block.txs):
        fail(
            f"block {height}: the node gave {len(resp.results.results)} results for"
            f" {len(resp.block.txs)} transactions"
        )
    return facts_of_block(resp.block, resp.results, actors)


def read_conflicts(net: Devnet) -> tuple[list[ConflictFact], list[str]]:
    """Every validator's count of conflicting messages by others, and the validators whose
    metrics could not be read (named, with why)."""
    facts: list[ConflictFact] = []
    unread: list[str] = []
    for reporter, url in sorted(net.metrics.items()):
        try:
            resp = httpx.get(url, timeout=METRICS_TIMEOUT_S)
            resp.raise_for_status()
            families = list(text_string_to_metric_families(resp.text))
        except (httpx.HTTPError, ValueError) as exc:
            unread.append(f"{reporter} ({type(exc).__name__})")
            continue
        for family in families:
            if family.name != EQUIVOCATIONS_METRIC:
                continue
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    facts.append(
                        ConflictFact(
                            validator=sample.labels.get("validator", "?"),
                            kind=sample.labels.get("kind", "?"),
                            count=int(sample.value),
                            reported_by=reporter,
                        )
                    )
    return facts, unread


def _actors(client: LedgerClient) -> Actors:
    return Actors.from_membership(client.query("membership", "list", limit=MEMBERS_MAX))


def _scan(s: Session, scanner: Scanner, actors: Actors, first: int, tip: int) -> list[Alert]:
    alerts: list[Alert] = []
    columns = (TextColumn("reading blocks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("read", total=tip - first + 1)
        for height in range(first, tip + 1):
            alerts.extend(scanner.feed(read_facts(s.client, height, actors)))
            progress.advance(task)
    return alerts


def _table(alerts: list[Alert], title: str) -> Table:
    table = Table(title=title)
    for col in ("rule", "block", "subject", "what"):
        table.add_column(col)
    for a in alerts:
        table.add_row(a.rule, str(a.height), a.subject, a.summary, style="yellow")
    return table


def post_alert(url: str, alert: Alert, wait: Callable[[float], None] = time.sleep) -> None:
    """POST one alert as JSON; up to `POST_ATTEMPTS` tries, any 2xx answer is taken.
    Ends the command (exit 1) naming the URL and the last failure if none succeeds."""
    problem = ""
    for attempt in range(POST_ATTEMPTS):
        if attempt:
            wait(POST_BACKOFF_S * 2 ** (attempt - 1))
        try:
            resp = httpx.post(url, json=alert.to_json(), timeout=POST_TIMEOUT_S)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            continue
        if resp.is_success:
            return
        problem = f"HTTP {resp.status_code}"
    fail(f"could not POST an alert to {url} after {POST_ATTEMPTS} attempts ({problem}); stopped")


def _emit(alert: Alert, post: str | None) -> None:
    typer.echo(json.dumps(alert.to_json(), ensure_ascii=False, sort_keys=True))
    sys.stdout.flush()
    if post is not None:
        post_alert(post, alert)


def _watch(
    s: Session, scanner: Scanner, actors: Actors, start: int, interval_s: float
) -> Iterator[Alert]:
    """Alerts of blocks after `start`, and of new consensus evidence, as they come."""
    height = start
    missing: list[str] = []
    while True:
        tip = int(s.client.status().height)
        while height < tip:
            height += 1
            facts = read_facts(s.client, height, actors)
            if any(
                e.name.startswith("membership.")
                for f in facts
                if isinstance(f, TxFact)
                for e in f.events
            ):
                actors = _actors(s.client)  # a new organisation may sign from now on
            yield from scanner.feed(facts)
        conflicts, unread = read_conflicts(s.net)
        if unread != missing:
            missing = unread
            err_console.print(f"consensus evidence not read from: {', '.join(unread) or 'none'}")
        yield from scanner.feed(conflicts)
        time.sleep(interval_s)


class Watched(Output):
    """After --watch: the alerts were printed as they came; nothing more to print."""

    def print(self, json_out: bool) -> None:
        return


def anomalies(
    s: Session,
    config: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of rule settings laid over the defaults (docs/anomalies.md)",
            callback=_check_config,
        ),
    ] = None,
    from_height: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="report alerts raised from this height on (the blocks before are still"
            " read, for the grants and revocations later ones are judged by); default: 1,"
            " with --watch: the blocks after the tip",
        ),
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="follow new blocks: one JSON line per alert on stdout, until Ctrl-C",
        ),
    ] = False,
    post: Annotated[
        str | None,
        typer.Option(
            help="with --watch, POST each alert as JSON to this URL (3 attempts; the command"
            " stops with an error if all fail)",
            callback=_check_post_url,
        ),
    ] = None,
    interval_s: Annotated[
        float,
        typer.Option(
            min=0.05, max=WATCH_INTERVAL_S_MAX, help="with --watch, seconds between polls"
        ),
    ] = 1.0,
) -> Output:
    """Find what looks wrong: repeated refused accesses, access after a grant ended, use
    outside a grant's scope or purpose, bursts of verifications of one holder, verifications
    of revoked certificates, validators' equivocation, bursts of view changes."""
    if post is not None and not watch:
        fail("--post goes with --watch", 2)
    cfg = _config_of(config)
    scanner = Scanner(cfg)
    actors = _actors(s.client)
    tip = int(s.client.status().height)
    if watch:
        first = from_height if from_height is not None else tip + 1
        seen = alerts_from(_scan(s, scanner, actors, 1, tip), first)
        seen += alerts_from(scanner.feed(read_conflicts(s.net)[0]), first)
        for alert in seen:
            _emit(alert, post)
        err_console.print(f"watching for alerts after block {tip} (Ctrl-C ends)")
        stopped = tip
        try:
            for alert in _watch(s, scanner, actors, tip, interval_s):
                stopped = alert.height
                _emit(alert, post)
        except KeyboardInterrupt:
            err_console.print(f"stopped (last alert at block {stopped})")
        return Watched({})
    first = from_height or 1
    alerts = alerts_from(_scan(s, scanner, actors, 1, tip), first)
    conflicts, unread = read_conflicts(s.net)
    alerts += alerts_from(scanner.feed(conflicts), first)
    doc: dict[str, Any] = {
        "from_height": first,
        "tip_height": tip,
        "alerts": [a.to_json() for a in alerts],
        "evidence_unread": unread,
    }
    notes = [f"[yellow]consensus evidence not read from[/]: {', '.join(unread)}"] if unread else []
    verdict = (
        f"{len(alerts)} alert(s) in blocks {first}..{tip}"
        if alerts
        else f"[green]no anomalies[/] in blocks {first}..{tip}"
    )
    return Output(doc, *([_table(alerts, "audit anomalies")] if alerts else []), *notes, verdict)


def register(app: typer.Typer) -> None:
    """Add `anomalies` to the `audit` group (kept apart from cli/audit.py's commands)."""
    ledger_command(app, "anomalies", calls_as="audit")(anomalies)
