"""What the window service's unit tests share: a fake node, a clock, presentations."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from contracts.catalogue.certificate_types import TYPES
from contracts.catalogue.purposes import ENTRIES
from node.chain.crypto import KeyPair
from node.sdk.client import ClientError
from node.sdk.presentation import make_presentation
from window.verification import Answer

DOC = {
    "cert_id": "cert-diploma-0001",
    "cert_type": "diploma",
    "fields": {"degree": "Master of Science", "university": "北京大学"},
    "salt": "5a" * 32,
}
NOW_MS = 1_767_225_600_000


def presentation_text(keypair: KeyPair | None = None, now_ms: int = NOW_MS) -> str:
    return make_presentation(
        keypair or KeyPair.generate(), DOC, ["degree"], nonce=os.urandom(16), now_ms=now_ms
    )


def accepted(status: str = "valid") -> Answer:
    return Answer(
        accepted=True,
        cert_known=True,
        cert_id=DOC["cert_id"],
        cert_type="diploma",
        issuer="edu",
        status=status,
        height=5,
        fields={"degree": "Master of Science"},
    )


def refused(reason: str, known: bool = True) -> Answer:
    return Answer(
        accepted=False,
        refusal=reason,
        message=f"refused: {reason}",
        cert_known=known,
        cert_id=DOC["cert_id"] if known else "",
        cert_type="diploma" if known else "",
        issuer="edu" if known else "",
        status="valid" if known else "",
        height=5,
    )


@dataclass
class FakeNode:
    """Answers in the order given; records what the window asked to record."""

    answers: list[Answer] = field(default_factory=list)
    status_now: str = "revoked"
    recorded: list[tuple[Any, ...]] = field(default_factory=list)
    record_error: ClientError | None = None
    retired: tuple[str, ...] = ()
    """Purpose codes the fake chain lists as retired."""

    def verify_presentation(self, text: str) -> Answer:
        return self.answers.pop(0)

    def purposes(self) -> list[dict[str, Any]]:
        return [
            {**e.get_names_json(), "retired_height": 9 if e.id in self.retired else 0}
            for e in ENTRIES
        ]

    def type_names(self) -> dict[str, dict[str, Any]]:
        return {t.id: {"name_zh": t.name_zh, "name_en": t.name_en} for t in TYPES}

    def certificate_status(self, cert_id: str) -> str:
        return self.status_now

    def record(
        self, cert_id: str, result: str, purpose: str, purpose_code: str, fields: list[str]
    ) -> tuple[str, int, str]:
        if self.record_error is not None:
            raise self.record_error
        self.recorded.append((cert_id, result, purpose, purpose_code, fields))
        return f"ver-{len(self.recorded)}", 7, "ab" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
