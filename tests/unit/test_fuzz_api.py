"""The wallet's REST API fuzzed from its own OpenAPI schema (schemathesis; fuzz/api.py), a
short run inside `make test`: every operation, a few generated cases each, half of them as
a signed-in holder; no 5xx, every documented response matches its schema. `make fuzz` runs
200 cases per operation."""

from __future__ import annotations

from pathlib import Path

from fuzz.api import fuzz_operations, wallet_app

EXAMPLES = 4


def test_no_operation_answers_5xx_or_off_schema(tmp_path: Path) -> None:
    with wallet_app(tmp_path) as (app, holder):
        statuses = fuzz_operations(app, holder, EXAMPLES, seed_=16)
    operations = {" ".join(k.split()[:2]) for k in statuses}
    assert len(operations) == sum(len(methods) for methods in app.openapi()["paths"].values())
    assert not [k for k in statuses if k.split()[2].startswith("5")]
    # Past sign-in: the signed-in holder's cases reached the handlers.
    assert any(k.startswith("GET /v1/holders/{holder_id}/activity 200") for k in statuses)
