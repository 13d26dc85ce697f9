"""Validator-set changes on a running devnet, made the way the consortium would make them,
through governance, each step printed as it happens. Bad input is refused before anything is
written or submitted.

`trustledger devnet add-validator --id ID --operator ORG`:

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

Running validators learn the new one's endpoint from the committed decision and connect to
it; it signs from the activation height on, once the chain has grown that far.

`trustledger devnet rotate-validator-key --id ID`: a new key is generated and saved, added
to the node's ``next_key_paths`` and the validator restarted with both keys *before* the
proposal, so that it holds the new key whenever the rotation takes effect, whatever the
traffic; then ``rotate_validator_key`` is proposed and approved to quorum. The node signs
with the old key below the activation height and with the new one from it.

`trustledger devnet remove-validator --id ID`: ``remove_validator`` proposed and approved to
quorum. The validator still signs below the activation height, so it keeps running until
then; `trustledger devnet retire-validator --id ID` stops it once the chain has passed that
height (it refuses earlier) and drops it from ``devnet.json``.

Who proposes: the validator's operator, or for a validator named in genesis (which has no
operator) the first member organisation whose key the devnet holds, or ``--org``. Any
member may propose any change; the quorum of members decides.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import identities
from cli.common import DirOpt, JsonOpt, console, emit_json, fail, load_org_key
from cli.devnet import (
    OPS_ORG,
    Devnet,
    free_ports,
    open_devnet,
    passphrase,
    running,
    start_validator,
    stop_process,
)
from contracts.framework import formats, limits
from contracts.membership.organisations import ROLE_VALIDATOR_OPERATOR
from node.chain import pki
from node.chain.crypto import KeyPair, save_key_file
from node.chain.ids import new_id
from node.config import NEXT_KEYS_MAX, NodeConfig
from node.sdk.client import ClientError, LedgerClient, TransactionRejected

CATCH_UP_TIMEOUT_S = 120.0


class ValidatorChangeError(Exception):
    """The validator change cannot be made; the message says why and what was left behind."""


def _tip(net: Devnet) -> int:
    """Highest height any running validator of the devnet reports (0 if none answers)."""
    tip = 0
    for address in net.addresses.values():
        try:
            with net.client(address, OPS_ORG, timeout_s=2.0) as c:
                tip = max(tip, c.status().height)
        except ClientError:
            continue
    return tip


def _check_request(net: Devnet, client: LedgerClient, vid: str, operator: str) -> None:
    if not formats.is_validator_id(vid):
        raise ValidatorChangeError(
            f"validator id must be 1 to {limits.VALIDATOR_ID_LENGTH_MAX} characters of"
            " [A-Za-z0-9._:-]"
        )
    if vid in net.addresses or (net.dir / "nodes" / vid).exists():
        raise ValidatorChangeError(
            f"the devnet already has a validator {vid} ({net.dir / 'nodes'})"
        )
    if (net.dir / "keys" / "validators" / f"{vid}.json").exists():
        raise ValidatorChangeError(f"a key file for {vid} exists already in {net.dir}/keys")
    if not formats.is_org_id(operator):
        raise ValidatorChangeError("operator must be an organisation id ([a-z0-9-], 2 to 32)")
    if not net.org_key_path(operator).exists():
        raise ValidatorChangeError(f"the devnet holds no key of organisation {operator}")
    try:
        org = client.query("membership", "get", org_id=operator)
    except ClientError as exc:
        raise ValidatorChangeError(f"organisation {operator}: {exc.message}") from exc
    if ROLE_VALIDATOR_OPERATOR not in org["roles"]:
        raise ValidatorChangeError(
            f"organisation {operator} does not have the {ROLE_VALIDATOR_OPERATOR} role"
            " (a set_roles proposal can give it)"
        )
    listed = [v["id"] for v in client.query("membership", "validators")["validators"]]
    if vid in listed:
        raise ValidatorChangeError(f"validator {vid} is already in the validator set on-chain")


def _save_key(path: Path, keypair: KeyPair, pw: str, vid: str, say: Callable[[str], None]) -> None:
    save_key_file(path, keypair, pw, label=vid)
    say(f"key of {vid} saved in {path}")


def decide(
    net: Devnet,
    client: LedgerClient,
    proposer: str,
    action: str,
    vid: str,
    params: dict[str, Any] | None = None,
    *,
    say: Callable[[str], None],
    where: str = "",
    on_proposed: Callable[[], None] = lambda: None,
    left_behind: str = "nothing was written",
) -> tuple[str, dict[str, Any]]:
    """`proposer` proposes `action` on validator `vid` with the action's other `params`
    (``membership.propose``, a fresh proposal id, said with `where` the validator will run);
    the devnet's other member organisations approve in id order until the quorum is reached.
    Returns the proposal id and the applied proposal's record; raises ValidatorChangeError
    if it is refused, fails or stays open. `on_proposed` runs once the proposal is on the
    chain (to keep a key it names)."""
    proposal_id = new_id("prop")
    say(f"{proposer} proposes {action} {vid}{where} ({proposal_id})")
    args = {"proposal_id": proposal_id, "action": action, "validator_id": vid, **(params or {})}
    try:
        proposed = client.call(load_org_key(net, proposer, None), "membership", "propose", args)
    except TransactionRejected as exc:
        raise ValidatorChangeError(
            f"the proposal was refused ({exc.code}): {exc.message} — nothing changed"
        ) from exc
    on_proposed()
    say(f"proposed in block {proposed.height}")
    record: dict[str, Any] = client.query("membership", "proposal", proposal_id=proposal_id)
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
        raise ValidatorChangeError(
            f"proposal {proposal_id} is {record['status']}: {reason}; {left_behind}"
        )
    return proposal_id, record


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
        load_org_key(net, operator, None)  # an unreadable key fails here, before anything
        keypair = KeyPair.generate(net.genesis.suite)  # a key of the chain's suite
        grpc_port, metrics_port = free_ports(2)
        endpoint = f"127.0.0.1:{grpc_port}"
        # The decision names this key: keep it from as soon as it is proposed, whatever
        # happens next.
        key_path = net.dir / "keys" / "validators" / f"{vid}.json"
        proposal_id, record = decide(
            net,
            client,
            operator,
            "add_validator",
            vid,
            {"public_key": keypair.public_key.hex(), "operator": operator, "endpoint": endpoint},
            say=say,
            where=f" at {endpoint}",
            on_proposed=lambda: _save_key(key_path, keypair, pw, vid, say),
            left_behind=f"the key stays in {key_path}",
        )
    activation = int(record["effective_height"])
    say(
        f"decided in block {record['decided_height']}: {vid} signs from height {activation}"
        f" ({limits.VALIDATOR_ACTIVATION_DELAY} blocks later)"
    )

    home = net.dir / "nodes" / vid
    home.mkdir(mode=0o700, parents=True, exist_ok=True)  # a node refuses a readable one
    metrics_listen = f"127.0.0.1:{metrics_port}"
    tls_cert, tls_key = identities.issue(
        net.dir,
        operator,
        pki.Role.VALIDATOR,
        vid,
        identities.validator_hosts(vid, ["127.0.0.1", "localhost"]),
        dt.datetime.now(dt.UTC),
    )
    say(f"{operator}'s CA issued {vid}'s certificate {tls_cert}")
    NodeConfig(
        validator_id=vid,
        home=home.resolve(),
        listen=endpoint,
        metrics_listen=metrics_listen,
        peers=dict(net.addresses),
        genesis_path=(net.dir / "genesis.json").resolve(),
        key_path=key_path.resolve(),
        tls_cert_path=tls_cert.resolve(),
        tls_key_path=tls_key.resolve(),
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
            raise ValidatorChangeError(f"{vid} exited; see {net.dir}/logs/{vid}.log")
        try:
            with net.client(net.addresses[vid], OPS_ORG, timeout_s=2.0) as c:
                height = c.status().height
            if height >= target:
                return height
        except ClientError:
            pass  # still starting
        if time.monotonic() > deadline:
            raise ValidatorChangeError(
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
    _run(
        json_out,
        lambda say: add_validator(net, validator_id, operator, say=say),
        lambda done: (
            f"[green]{validator_id} runs[/] at {done['endpoint']}; it signs blocks from height"
            f" {done['activation_height']} on"
        ),
    )


# --- rotating a validator's key, removing a validator ------------------------------------


def _client_besides(net: Devnet, vid: str) -> LedgerClient:
    """A client of a running devnet validator other than `vid` (which may be restarted or
    stopped meanwhile)."""
    for other, address in net.addresses.items():
        if other == vid:
            continue
        client = net.client(address)
        try:
            client.status()
        except ClientError:
            client.close()
            continue
        return client
    raise ValidatorChangeError(f"no validator of the devnet other than {vid} answers")


def _check_in_set(client: LedgerClient, vid: str) -> dict[str, Any]:
    """`vid`'s entry in the latest scheduled set on-chain (its key and operator)."""
    if not formats.is_validator_id(vid):
        raise ValidatorChangeError(
            f"validator id must be 1 to {limits.VALIDATOR_ID_LENGTH_MAX} characters of"
            " [A-Za-z0-9._:-]"
        )
    for entry in client.query("membership", "validators")["validators"]:
        if entry["id"] == vid:
            return dict(entry)
    raise ValidatorChangeError(f"validator {vid} is not in the validator set on-chain")


def _choose_proposer(net: Devnet, client: LedgerClient, operator: str, org: str | None) -> str:
    """The organisation that proposes: `org` if given, else the validator's operator, else
    (a validator named in genesis has none) the first member, in id order, whose key the
    devnet holds. Any member may propose; the quorum of members decides."""
    members = sorted(client.query("membership", "quorum")["members"])
    if org is not None:
        if not formats.is_org_id(org):
            raise ValidatorChangeError("--org must be an organisation id ([a-z0-9-], 2 to 32)")
        if org not in members:
            raise ValidatorChangeError(f"organisation {org} is not a member")
        if not net.org_key_path(org).exists():
            raise ValidatorChangeError(f"the devnet holds no key of organisation {org}")
        return org
    if operator and operator in members and net.org_key_path(operator).exists():
        return operator
    for member in members:
        if net.org_key_path(member).exists():
            return str(member)
    raise ValidatorChangeError("the devnet holds the key of no member organisation")


def rotate_validator_key(
    net: Devnet,
    vid: str,
    *,
    org: str | None = None,
    say: Callable[[str], None] = lambda _: None,
    catch_up_timeout_s: float = CATCH_UP_TIMEOUT_S,
) -> dict[str, Any]:
    """Give validator `vid` a new key through governance, without a gap in its signing.

    The node learns the new key first: it is saved, added to the node's ``next_key_paths``
    and the validator restarted with both keys, before anything is proposed; whatever the
    traffic, it holds the new key when the rotation takes effect. Then the proposal and the
    approvals; the node signs with the old key below the activation height and with the new
    one from it."""
    pw = passphrase()
    config_path = net.dir / "nodes" / vid / "node.json"
    with _client_besides(net, vid) as client:
        entry = _check_in_set(client, vid)
        if vid not in net.addresses or not config_path.exists():
            raise ValidatorChangeError(f"the devnet does not run validator {vid} ({config_path})")
        config = NodeConfig.load(config_path)
        if len(config.next_key_paths) >= NEXT_KEYS_MAX:
            raise ValidatorChangeError(
                f"{config_path} already lists {NEXT_KEYS_MAX} next keys: once the rotations"
                " are in force, make the newest key_path and drop the others"
            )
        proposer = _choose_proposer(net, client, str(entry["operator"]), org)
        load_org_key(net, proposer, None)  # an unreadable key fails here, before anything
        old_key = str(entry["public_key"])

        keypair = KeyPair.generate(net.genesis.suite)  # a key of the chain's suite
        new_key = keypair.public_key.hex()
        key_path = net.dir / "keys" / "validators" / f"{vid}.{new_key[:12]}.json"
        _save_key(key_path, keypair, pw, vid, say)
        config.next_key_paths.append(key_path.resolve())
        config.save(config_path)
        say(f"{config_path}: next_key_paths = {[str(p) for p in config.next_key_paths]}")
        say(f"restarting {vid} with its current and its next key")
        stop_process(net.dir, vid)
        pid = start_validator(net, vid)
        target = _tip(net)
        height = _wait_caught_up(net, vid, target, catch_up_timeout_s)
        say(f"{vid} runs again (pid {pid}) at height {height}")

        proposal_id, record = decide(
            net,
            client,
            proposer,
            "rotate_validator_key",
            vid,
            {"public_key": new_key},
            say=say,
            left_behind=f"{vid} holds the unused key {key_path} (harmless)",
        )
    activation = int(record["effective_height"])
    say(
        f"decided in block {record['decided_height']}: {vid} signs with the new key from"
        f" height {activation} ({limits.VALIDATOR_ACTIVATION_DELAY} blocks later)"
    )
    return {
        "validator_id": vid,
        "proposer": proposer,
        "proposal_id": proposal_id,
        "old_public_key": old_key,
        "public_key": new_key,
        "key_path": str(key_path),
        "decided_height": int(record["decided_height"]),
        "activation_height": activation,
        "pid": pid,
    }


def remove_validator(
    net: Devnet,
    vid: str,
    *,
    org: str | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Remove validator `vid` from the set through governance. It still signs below the
    activation height, so its process must keep running until the chain is there."""
    with _client_besides(net, vid) as client:
        entry = _check_in_set(client, vid)
        remaining = len(client.query("membership", "validators")["validators"]) - 1
        if remaining < 1:
            raise ValidatorChangeError(f"{vid} is the last validator: a chain needs one")
        proposer = _choose_proposer(net, client, str(entry["operator"]), org)
        load_org_key(net, proposer, None)
        proposal_id, record = decide(net, client, proposer, "remove_validator", vid, say=say)
    activation = int(record["effective_height"])
    f = (remaining - 1) // 3
    say(
        f"decided in block {record['decided_height']}: from height {activation} on, {remaining}"
        f" validators sign without {vid} (f = {f}, quorum {remaining - f})"
    )
    if f == 0:
        say(f"warning: with {remaining} validators, any one of them down stops the chain")
    return {
        "validator_id": vid,
        "proposer": proposer,
        "proposal_id": proposal_id,
        "decided_height": int(record["decided_height"]),
        "activation_height": activation,
        "validators_after": remaining,
    }


def retire_validator(net: Devnet, vid: str, *, say: Callable[[str], None]) -> dict[str, Any]:
    """Stop a removed validator's process and drop it from ``devnet.json`` (its data and
    keys are kept), once the chain no longer needs it: in no set in force or scheduled."""
    if vid not in net.addresses:
        raise ValidatorChangeError(f"the devnet has no validator {vid}")
    with _client_besides(net, vid) as client:
        tip = client.status().height
        in_force = client.query("membership", "validators", height=tip + 1)["validators"]
        latest = client.query("membership", "validators")["validators"]
    if any(v["id"] == vid for v in (*in_force, *latest)):
        raise ValidatorChangeError(
            f"{vid} still signs (the chain is at height {tip}): remove it with `devnet"
            " remove-validator` and retire it once the chain has passed the activation height"
        )
    stop_process(net.dir, vid)
    doc = json.loads((net.dir / "devnet.json").read_text(encoding="utf-8"))
    doc["validators"].pop(vid, None)
    doc.get("metrics", {}).pop(vid, None)
    (net.dir / "devnet.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    say(f"stopped {vid} at height {tip}; its data stays in {net.dir / 'nodes' / vid}")
    return {"validator_id": vid, "height": tip}


Announce = Callable[[dict[str, Any]], str]
"""The line a command prints (without --json) once its change is made, from what it did."""


def _run(
    json_out: bool,
    action: Callable[[Callable[[str], None]], dict[str, Any]],
    announce: Announce | None = None,
) -> None:
    """Make a validator change, its steps said as they happen; then what it did as JSON
    (--json) or the `announce` line. A refused change ends the command with exit code 1."""
    say: Callable[[str], None] = (lambda _: None) if json_out else (lambda m: console.print(m))
    try:
        done = action(say)
    except ValidatorChangeError as exc:
        fail(str(exc))
    except ClientError as exc:
        fail(f"{exc.code}: {exc.message}")
    if json_out:
        emit_json(done)
    elif announce is not None:
        console.print(announce(done))


IdOpt = Annotated[str, typer.Option("--id", help="id of the validator, e.g. val-1")]
ProposerOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="member organisation that proposes (default: the validator's operator; for a"
        " genesis validator, the first member whose key the devnet holds)",
    ),
]


def _governed_change_cmd(
    change: Callable[..., dict[str, Any]],
    announce: Callable[[dict[str, Any], Path], str],
    help_text: str,
) -> Callable[..., None]:
    """The command of a change to an existing validator made through governance (`change`
    proposes it and approves it to quorum): the validator, who proposes, the devnet folder;
    `announce` says the outcome, given what was done and the folder."""

    def command(
        validator_id: IdOpt,
        org: ProposerOpt = None,
        dir: DirOpt = Path("devnet"),
        json_out: JsonOpt = False,
    ) -> None:
        net = open_devnet(dir)
        _run(
            json_out,
            lambda say: change(net, validator_id, org=org, say=say),
            lambda done: announce(done, dir),
        )

    command.__doc__ = help_text  # Typer's help for the command
    return command


rotate_validator_key_cmd = _governed_change_cmd(
    rotate_validator_key,
    lambda done, _: (
        f"[green]{done['validator_id']} signs with key {done['public_key'][:16]}…[/] from"
        f" height {done['activation_height']} on (the old key below it)"
    ),
    """Give a validator a new key through governance: save the key, restart the validator
    with its current and next key, propose rotate_validator_key, approve to quorum.""",
)
remove_validator_cmd = _governed_change_cmd(
    remove_validator,
    lambda done, dir: (
        f"[green]{done['validator_id']} leaves the set at height {done['activation_height']}.[/]"
        f" It still signs the heights below: keep it running until the chain has passed"
        f" height {done['activation_height']}, then `trustledger devnet retire-validator"
        f" --dir {dir} --id {done['validator_id']}` stops it."
    ),
    """Remove a validator through governance (propose, approve to quorum). Keep it running
    until the activation height; then `devnet retire-validator` stops it.""",
)


def retire_validator_cmd(
    validator_id: IdOpt,
    dir: DirOpt = Path("devnet"),
    json_out: JsonOpt = False,
) -> None:
    """Stop a removed validator once the chain has passed its removal, and drop it from
    devnet.json (data and keys are kept)."""
    net = open_devnet(dir)
    _run(json_out, lambda say: retire_validator(net, validator_id, say=say))
