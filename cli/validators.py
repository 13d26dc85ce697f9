"""`trustledger devnet add-validator`: add a validator to a running devnet the way the
consortium would, through governance, then start it.

The steps an operator would take, in order, each printed as it happens:

1. check the request: a well-formed new validator id, an operator organisation that is a
   member with the ``validator_operator`` role and whose key the devnet holds;
2. generate the validator's key;
3. the operator proposes ``add_validator`` with the key and the validator's endpoint
   (``127.0.0.1:<free port>``); the other member organisations of the devnet approve it,
   in id order, until the quorum is reached and the change is scheduled
   (``VALIDATOR_ACTIVATION_DELAY`` blocks later);
4. the key file, the node config (``nodes/<id>/node.json``, with the current validators as
   configured peers) and ``devnet.json`` are written;
5. the process starts and the command waits until it has caught up with the chain.

Bad input is refused before anything is written or submitted. Running validators learn the
new one's endpoint from the committed decision and connect to it; it signs from the
activation height on, once the chain has grown that far.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import DirOpt, JsonOpt, console, emit_json, fail, load_org_key
from cli.devnet import (
    Devnet,
    free_ports,
    open_devnet,
    passphrase,
    running,
    start_validator,
)
from contracts import formats, limits
from contracts.membership import ROLE_VALIDATOR_OPERATOR
from node.client import ClientError, LedgerClient, TransactionRejected
from node.config import NodeConfig
from node.crypto import KeyPair, save_key_file
from node.ids import new_id

CATCH_UP_TIMEOUT_S = 120.0


class AddValidatorError(Exception):
    """The validator cannot be added; the message says why and what was left behind."""


def _tip(net: Devnet) -> int:
    """Highest height any running validator of the devnet reports (0 if none answers)."""
    tip = 0
    for address in net.addresses.values():
        try:
            with LedgerClient(address, net.chain_id, timeout_s=2.0) as c:
                tip = max(tip, c.status().height)
        except ClientError:
            continue
    return tip


def _check_request(net: Devnet, client: LedgerClient, vid: str, operator: str) -> None:
    if not formats.is_validator_id(vid):
        raise AddValidatorError(
            f"validator id must be 1 to {limits.VALIDATOR_ID_LENGTH_MAX} characters of"
            " [A-Za-z0-9._:-]"
        )
    if vid in net.addresses or (net.dir / "nodes" / vid).exists():
        raise AddValidatorError(f"the devnet already has a validator {vid} ({net.dir / 'nodes'})")
    if (net.dir / "keys" / "validators" / f"{vid}.json").exists():
        raise AddValidatorError(f"a key file for {vid} exists already in {net.dir}/keys")
    if not formats.is_org_id(operator):
        raise AddValidatorError("operator must be an organisation id ([a-z0-9-], 2 to 32)")
    if not net.org_key_path(operator).exists():
        raise AddValidatorError(f"the devnet holds no key of organisation {operator}")
    try:
        org = client.query("membership", "get", org_id=operator)
    except ClientError as exc:
        raise AddValidatorError(f"organisation {operator}: {exc.message}") from exc
    if ROLE_VALIDATOR_OPERATOR not in org["roles"]:
        raise AddValidatorError(
            f"organisation {operator} does not have the {ROLE_VALIDATOR_OPERATOR} role"
            " (a set_roles proposal can give it)"
        )
    listed = [v["id"] for v in client.query("membership", "validators")["validators"]]
    if vid in listed:
        raise AddValidatorError(f"validator {vid} is already in the validator set on-chain")


def add_validator(
    net: Devnet,
    vid: str,
    operator: str,
    *,
    say: Callable[[str], None] = lambda _: None,
    catch_up_timeout_s: float = CATCH_UP_TIMEOUT_S,
) -> dict[str, Any]:
    """Propose, approve, configure and start validator `vid`; return what was done."""
    pw = passphrase()
    with net.client() as client:
        _check_request(net, client, vid, operator)
        operator_key = load_org_key(net, operator, None)
        keypair = KeyPair.generate()
        grpc_port, metrics_port = free_ports(2)
        endpoint = f"127.0.0.1:{grpc_port}"
        proposal_id = new_id("prop")
        say(f"{operator} proposes add_validator {vid} at {endpoint} ({proposal_id})")
        try:
            proposed = client.call(
                operator_key,
                "membership",
                "propose",
                {
                    "proposal_id": proposal_id,
                    "action": "add_validator",
                    "validator_id": vid,
                    "public_key": keypair.public_key.hex(),
                    "operator": operator,
                    "endpoint": endpoint,
                },
            )
        except TransactionRejected as exc:
            raise AddValidatorError(
                f"the proposal was refused ({exc.code}): {exc.message} — nothing changed"
            ) from exc
        # The decision names this key: keep it from now on, whatever happens next.
        key_path = net.dir / "keys" / "validators" / f"{vid}.json"
        save_key_file(key_path, keypair, pw, label=vid)
        say(f"proposed in block {proposed.height}; key saved in {key_path}")
        record = client.query("membership", "proposal", proposal_id=proposal_id)
        members = client.query("membership", "quorum")["members"]
        for org_id in sorted(members):
            if record["status"] != "open":
                break
            if org_id in record["approvals"] or not net.org_key_path(org_id).exists():
                continue
            try:
                approved = client.call(
                    load_org_key(net, org_id, None),
                    "membership",
                    "approve",
                    {"proposal_id": proposal_id},
                )
            except TransactionRejected as exc:
                say(f"{org_id} could not approve ({exc.code}): {exc.message}")
                continue
            record = client.query("membership", "proposal", proposal_id=proposal_id)
            say(
                f"{org_id} approved in block {approved.height}"
                f" ({record['approvals_counted']} of {record['approvals_needed']})"
            )
        if record["status"] != "applied":
            reason = record.get("failure") or "not enough approvals from the devnet's organisations"
            raise AddValidatorError(
                f"proposal {proposal_id} is {record['status']}: {reason}; the key stays in"
                f" {key_path}"
            )
    activation = int(record["effective_height"])
    say(
        f"decided in block {record['decided_height']}: {vid} signs from height {activation}"
        f" ({limits.VALIDATOR_ACTIVATION_DELAY} blocks later)"
    )

    home = net.dir / "nodes" / vid
    home.mkdir(parents=True, exist_ok=True)
    metrics_listen = f"127.0.0.1:{metrics_port}"
    NodeConfig(
        validator_id=vid,
        home=home.resolve(),
        listen=endpoint,
        metrics_listen=metrics_listen,
        peers=dict(net.addresses),
        genesis_path=(net.dir / "genesis.json").resolve(),
        key_path=key_path.resolve(),
    ).save(home / "node.json")
    doc = json.loads((net.dir / "devnet.json").read_text(encoding="utf-8"))
    doc["validators"][vid] = endpoint
    doc.setdefault("metrics", {})[vid] = f"http://{metrics_listen}/metrics"
    (net.dir / "devnet.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    net = Devnet.load(net.dir)
    say(f"wrote {home / 'node.json'} and {net.dir / 'devnet.json'}")

    pid = start_validator(net, vid)
    target = _tip(net)
    say(f"started {vid} (pid {pid}); catching up to height {target}")
    height = _wait_caught_up(net, vid, target, catch_up_timeout_s)
    say(f"{vid} is at height {height}")
    return {
        "validator_id": vid,
        "operator": operator,
        "endpoint": endpoint,
        "public_key": keypair.public_key.hex(),
        "proposal_id": proposal_id,
        "decided_height": int(record["decided_height"]),
        "activation_height": activation,
        "height": height,
        "pid": pid,
    }


def _wait_caught_up(net: Devnet, vid: str, target: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        if vid not in running(net.dir):
            raise AddValidatorError(f"{vid} exited; see {net.dir}/logs/{vid}.log")
        try:
            with LedgerClient(net.addresses[vid], net.chain_id, timeout_s=2.0) as c:
                height = c.status().height
            if height >= target:
                return height
        except ClientError:
            pass  # still starting
        if time.monotonic() > deadline:
            raise AddValidatorError(
                f"{vid} did not catch up to height {target} in {timeout_s:.0f} s;"
                f" it keeps running: see {net.dir}/logs/{vid}.log"
            )
        time.sleep(0.2)


def add_validator_cmd(
    validator_id: Annotated[str, typer.Option("--id", help="id of the new validator, e.g. val-4")],
    operator: Annotated[
        str,
        typer.Option(
            help="member organisation (validator_operator role) that runs it and proposes"
        ),
    ],
    dir: DirOpt = Path("devnet"),
    json_out: JsonOpt = False,
) -> None:
    """Add a validator through governance (propose, approve to quorum), start it, wait until
    it has caught up."""
    net = open_devnet(dir)
    say: Callable[[str], None] = (lambda _: None) if json_out else (lambda m: console.print(m))
    try:
        done = add_validator(net, validator_id, operator, say=say)
    except AddValidatorError as exc:
        fail(str(exc))
    except ClientError as exc:
        fail(f"{exc.code}: {exc.message}")
    if json_out:
        emit_json(done)
    else:
        console.print(
            f"[green]{validator_id} runs[/] at {done['endpoint']}; it signs blocks from height"
            f" {done['activation_height']} on"
        )
