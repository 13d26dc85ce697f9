"""Benchmark: agencies verifying certificates (issue 14), on a 4-validator devnet here.

Issues `--certs` certificates, then, for `--duration` seconds each, client processes ask one
validator with the SDK, every answer checked client-side against the genesis validator set
(as an agency that trusts no node does):

    verify_rps_single    certificates per second, one VerifyCertificate call each
    verify_rps_batched   certificates per second through VerifyCertificates (`--batch` ids)
    proof_bytes_single   bytes per certificate of a VerifyCertificate answer
    proof_bytes_batched  bytes per certificate of a VerifyCertificates answer
    presentation_verify_rps  presentations per second through Agency/VerifyPresentation, as
                         the bank: each one fresh (nonces are single-use), made and signed
                         in the client process from a diploma issued to a holder key the
                         bench holds (about 0.15 ms each, inside the window), every accepted
                         answer checked client-side against the genesis set

Prints one JSON line. Not a test: it asserts nothing about speed. The node's and the
clients' costs share this machine's cores, so the figures bound a node from below.
Usage: python bench/verify.py [--certs 5000] [--duration 20] [--clients 2] [--batch 1000]
       [--modes single,batched,presentation] [--suite ed25519-sha256|sm2-sm3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.txs import issue_txs
from cli import devnet
from cli.devnet import Devnet, passphrase
from consensus.validators import ValidatorSet
from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair, load_key_file
from node.sdk import presentation as fmt
from node.sdk.client import LedgerClient
from node.sdk.tls import ClientTls
from suites import DEFAULT_SUITE_NAME, get_suite
from tests.integration.helpers import DIPLOMA

TAG = "v"


def issue(net: Devnet, count: int) -> list[str]:
    issuer = load_key_file(net.org_key_path("psb"), passphrase())
    txs = issue_txs(net.chain_id, issuer, TAG, count, random.Random(7))
    with net.client(org="psb") as client:
        for start in range(0, count, 500):
            client.submit_batch(txs[start : start + 500])
        ids = [f"cert-{TAG}-{i:08d}" for i in range(count)]
        deadline = time.monotonic() + 120
        while client.verify_certificate(ids[-1]).status != 1:  # VALID: all are in
            if time.monotonic() > deadline:
                raise SystemExit("the certificates were not committed within 120 s")
            time.sleep(0.2)
    return ids


def issue_diploma(net: Devnet) -> tuple[bytes, dict[str, Any]]:
    """A diploma issued by `edu` to a holder whose key the bench holds: (its seed, the
    salted document, as a wallet keeps it). The holder's key is of the chain's suite, as a
    wallet's is: on an SM chain its presentations are `TLP2` (SM2, SM3)."""
    from cli.cert import issue_certificate

    suite = net.genesis.suite
    seed = KeyPair.generate(suite).seed
    holder = holder_id_for(KeyPair(seed, suite).public_key, suite=suite)
    issuer = load_key_file(net.org_key_path("edu"), passphrase())
    with net.client(org="edu") as client:
        doc, _ = issue_certificate(client, issuer, "diploma", holder, DIPLOMA, org_id="edu")
    return seed, doc


def client_main(
    mode: str,
    address: str,
    chain_id: str,
    tls: ClientTls,
    validators: ValidatorSet,
    ids: list[str],
    batch: int,
    stop_at: float,
    seed: int,
    out: Any,
    presented: tuple[bytes, dict[str, Any]] | None = None,
    suite_name: str = DEFAULT_SUITE_NAME,
) -> None:
    rnd = random.Random(seed)
    done = size = 0
    with LedgerClient(address, chain_id, tls, suite=get_suite(suite_name)) as client:
        while time.time() < stop_at:
            if mode == "presentation":
                seed, doc = presented
                text = fmt.make_presentation(
                    KeyPair(seed, get_suite(suite_name)),
                    doc,
                    ["degree"],
                    nonce=rnd.randbytes(fmt.NONCE_BYTES),
                    now_ms=time.time_ns() // 1_000_000,
                    verifier="bank",
                )
                answer = client.verify_presentation(text, validators)
                if not answer.accepted:
                    raise SystemExit(f"a fresh presentation was refused: {answer}")
                done, size = done + 1, size + answer.ByteSize()
            elif mode == "single":
                resp = client.verify_certificate(rnd.choice(ids), validators=validators)
                done, size = done + 1, size + resp.ByteSize()
            else:
                asked = rnd.sample(ids, batch)
                batch_resp = client.verify_certificates(asked, validators)
                done, size = done + len(asked), size + batch_resp.ByteSize()
    out.put((done, size))


def measure(
    net: Devnet,
    mode: str,
    ids: list[str],
    ns: argparse.Namespace,
    presented: tuple[bytes, dict[str, Any]] | None = None,
) -> tuple[float, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 3  # the processes start and connect before the window
    stop_at = start + ns.duration
    procs = [
        ctx.Process(
            target=client_main,
            args=(
                mode,
                net.node_address,
                net.chain_id,
                net.tls("bank"),
                net.genesis.validators,
                ids,
                ns.batch,
                stop_at,
                n,
                out,
                presented,
                net.genesis.suite.name,
            ),
        )
        for n in range(ns.clients)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=ns.duration + 120) for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    size = sum(r[1] for r in results)
    # the window includes the clients' start-up (3 s are given to it): a lower bound
    return done / (ns.duration + 3), size / max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certs", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--modes",
        default="single,batched,presentation",
        help="comma-separated: single, batched, presentation",
    )
    parser.add_argument(
        "--suite",
        default=DEFAULT_SUITE_NAME,
        help="the devnet's crypto suite: ed25519-sha256 or sm2-sm3 (docs/sm-suite.md)",
    )
    ns = parser.parse_args()
    modes = set(ns.modes.split(","))
    os.environ.setdefault("TRUSTLEDGER_LOG_LEVEL", "warning")
    workdir = Path(tempfile.mkdtemp(prefix="trustledger-bench-verify-"))
    net = devnet.up(workdir, base_port=0, show=False, suite=get_suite(ns.suite))
    figures: dict[str, Any] = {
        "suite": ns.suite,
        "certs": ns.certs,
        "clients": ns.clients,
        "batch": ns.batch,
        "duration_s": ns.duration,
        "cpus": os.cpu_count(),
    }
    try:
        ids = issue(net, ns.certs) if modes & {"single", "batched"} else []
        if "single" in modes:
            rps, size = measure(net, "single", ids, ns)
            figures.update(verify_rps_single=round(rps, 1), proof_bytes_single=round(size))
        if "batched" in modes:
            rps, size = measure(net, "batched", ids, ns)
            figures.update(verify_rps_batched=round(rps, 1), proof_bytes_batched=round(size))
        if "presentation" in modes:
            rps, size = measure(net, "presentation", ids, ns, issue_diploma(net))
            figures.update(
                presentation_verify_rps=round(rps, 1), presentation_answer_bytes=round(size)
            )
    finally:
        devnet.down(workdir)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
