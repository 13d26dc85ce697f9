"""Benchmark: the catalogue on the chain with few and with many certificate types (issue 17).

Provincial catalogues hold 91 to 1,333 certificate types (../shared/SEEDS.md). This measures,
in one process on an in-memory chain state (contracts.framework.memory.MemoryState, the
reference the LevelDB-backed state must match), what the number of registered types could
cost, for each count given (20 and 1,000 by default):

- lookup: the type an issue is checked against (contracts.catalogue.lookup.get_type_for_issue:
  one state read and a definition parsed), for types drawn at random, p50/p99 in µs;
- issue: executing a whole ``certificates.issue`` (national identifier, field commitments)
  through contracts.runtime.execute, p50/p99 in µs (its writes are not applied, so every
  sample runs against the same state);
- types query: ``certificates.types`` (every type with its fields) through
  contracts.runtime.query, p50/p99 in ms, and its answer's size in bytes;
- type query: ``certificates.type`` (one type, every version), p50/p99 in µs.

Each generated type has 8 fields (the seeds' types have 6 to 14), a type code under one of
a few defining bodies (3 digits a body: 1,000 types need more than one). Prints one JSON line
per count, then a table; no assertions (figures, not a test). docs/benchmarks.md records a run.

Usage: python bench/catalogue.py [--types 20,1000] [--samples 2000] [--query-samples 50]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from suites import ED25519_SHA256

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.demo_catalogue import demo_catalogue
from contracts import runtime
from contracts.catalogue import lookup
from contracts.catalogue.definitions import parse_certificate_type
from contracts.catalogue.entries import CertificateType
from contracts.certificates.commitments import (
    compute_document_hash_from_commitments,
    compute_field_commitments,
    encode_field_hashes,
)
from contracts.framework.check_characters import get_gb32100_check
from contracts.framework.identifiers import FIRST_VERSION, CertificateIdentifier, issued_serial
from contracts.framework.interface import CallContext
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair

ISSUER = "bench-issuer"
ISSUER_CODE = "11371000000000001C"
HOLDER = "hd" + "ab" * 20
SALT = bytes(range(32))
FIELDS = ("certificate_number", "holder_name", "id_number", "issue_date", "a", "b", "c", "d")
BODIES_PER_THOUSAND = 2
"""Defining bodies the generated types are spread over (a body has 1,000 codes)."""


def _body_code(n: int) -> str:
    first17 = f"111000000000{9000 + n:05d}"
    return first17 + get_gb32100_check(first17)


def make_types(count: int) -> tuple[CertificateType, ...]:
    """`count` distinct types, each parsed from its definition as the chain would."""
    types = []
    for i in range(count):
        body, number = divmod(i, 1000)
        types.append(
            parse_certificate_type(
                {
                    "id": f"bench_type_{i:04d}",
                    "name_zh": f"测试证照 {i}",
                    "name_en": f"Bench certificate {i}",
                    "holder_kinds": ["person"],
                    "type_code": _body_code(body) + f"{number:03d}",
                    "fields": [
                        {"name": "certificate_number", "disclosure": "public"},
                        {"name": "holder_name"},
                        {"name": "id_number", "kind": "resident_id", "disclosure": "sensitive"},
                        {"name": "issue_date", "kind": "date"},
                        *({"name": name, "length_max": 500} for name in FIELDS[4:]),
                    ],
                }
            )
        )
    return tuple(types)


def make_state(types: tuple[CertificateType, ...], issuer_key: bytes) -> MemoryState:
    """A genesis state: the demo catalogue's categories and purposes, `types`, and one issuer
    of every one of them... as far as an organisation's list goes (it names the first)."""
    catalogue = demo_catalogue()
    organisation = Organisation(
        id=ISSUER,
        name="Bench issuer",
        public_key=issuer_key,
        roles=("issuer",),
        cert_types=(types[len(types) // 2].id,),
    )
    return MemoryState(
        runtime.genesis_writes(
            (organisation,),
            credit_codes={ISSUER: ISSUER_CODE},
            catalogue=lookup.GenesisCatalogue(types, catalogue.categories, catalogue.purposes),
            suite=ED25519_SHA256,
        )
    )


def _percentiles(samples: list[float], scale: float) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return round(statistics.median(ordered) * scale, 2), round(p99 * scale, 2)


def _time(run: Callable[[], object], samples: int) -> list[float]:
    taken = []
    for _ in range(samples):
        started = time.perf_counter()
        run()
        taken.append(time.perf_counter() - started)
    return taken


def measure(count: int, samples: int, query_samples: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    types = make_types(count)
    issuer = KeyPair.generate()
    state = make_state(types, issuer.public_key)
    height = 2
    ids = [rng.choice(types).id for _ in range(samples)]
    lookups = iter(ids)
    lookup_s = _time(lambda: lookup.get_type_for_issue(state, next(lookups), height), samples)

    entry = types[len(types) // 2]
    values = {
        **{name: f"value {name}" for name in entry.fields},
        "id_number": "110105199001011232",
        "issue_date": "2026-12-01",
    }
    commitments = compute_field_commitments(entry, values, SALT, suite=ED25519_SHA256)
    base_args = {
        "cert_type": entry.id,
        "holder": HOLDER,
        "doc_hash": compute_document_hash_from_commitments(
            entry.id, commitments, suite=ED25519_SHA256
        ),
        "valid_until_ms": 0,
        "field_hashes": encode_field_hashes(commitments),
    }
    serials = iter(range(samples))

    def issue() -> object:
        serial = issued_serial(next(serials))
        cert_id = CertificateIdentifier(entry.type_code, ISSUER_CODE, serial, FIRST_VERSION).text
        ctx = CallContext(
            "bench",
            issuer.public_key,
            height,
            1_800_000_000_000,
            hashlib.sha256(b"t").digest(),
            suite=ED25519_SHA256,
        )
        return runtime.execute(
            state, ctx, "certificates", "issue", {**base_args, "cert_id": cert_id}
        )

    issue()  # the first call fills the decoders' caches, as a running node's are
    serials = iter(range(1, samples + 1))
    issue_s = _time(issue, samples)

    def types_query() -> object:
        return runtime.query(state, "certificates", "types", {}, now_ms=0)

    answer_bytes = len(json.dumps(types_query(), ensure_ascii=False).encode("utf-8"))
    types_s = _time(types_query, query_samples)
    one = iter([rng.choice(types).id for _ in range(samples)])
    type_s = _time(
        lambda: runtime.query(state, "certificates", "type", {"type_id": next(one)}, now_ms=0),
        samples,
    )
    lookup_p50, lookup_p99 = _percentiles(lookup_s, 1e6)
    issue_p50, issue_p99 = _percentiles(issue_s, 1e6)
    types_p50, types_p99 = _percentiles(types_s, 1e3)
    type_p50, type_p99 = _percentiles(type_s, 1e6)
    return {
        "types": count,
        "lookup_us_p50": lookup_p50,
        "lookup_us_p99": lookup_p99,
        "issue_us_p50": issue_p50,
        "issue_us_p99": issue_p99,
        "types_query_ms_p50": types_p50,
        "types_query_ms_p99": types_p99,
        "types_query_bytes": answer_bytes,
        "type_query_us_p50": type_p50,
        "type_query_us_p99": type_p99,
        "samples": samples,
        "query_samples": query_samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--types", default="20,1000", help="comma-separated type counts")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--query-samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rows = [
        measure(int(n), args.samples, args.query_samples, args.seed) for n in args.types.split(",")
    ]
    for row in rows:
        print(json.dumps({"bench": "catalogue", **row}, sort_keys=True))
    print(
        f"{'types':>6} {'lookup µs p50/p99':>18} {'issue µs p50/p99':>18}"
        f" {'types query ms p50/p99':>23} {'bytes':>9} {'type query µs p50/p99':>22}"
    )
    for r in rows:
        print(
            f"{r['types']:>6} {r['lookup_us_p50']:>8} / {r['lookup_us_p99']:<7}"
            f" {r['issue_us_p50']:>8} / {r['issue_us_p99']:<7}"
            f" {r['types_query_ms_p50']:>11} / {r['types_query_ms_p99']:<9}"
            f" {r['types_query_bytes']:>9} {r['type_query_us_p50']:>10} / {r['type_query_us_p99']:<9}"
        )


if __name__ == "__main__":
    main()
