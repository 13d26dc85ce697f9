"""A verifier's check of a signed presentation (亮证) against the chain, trusting no node.

In the order of :class:`node.sdk.presentation.Refusal`: the layout and the holder's
signature; the time (not issued in the future, not expired, no longer-lived than a wallet
makes); the verifier binding; the certificate's record, proven against a header a quorum of
validators signed; the signer (the certificate's holder, or a holder with a consent
delegation in force from them: a guardian, an enterprise's agent); each disclosed field
against the on-chain commitment; and last the nonce, so that only a presentation that
passed everything uses its nonce up. The certificate's status is returned, not judged: the
window shows 已吊销 for a revoked one; it is not a malformed presentation.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from consensus.validators import ValidatorSchedule, ValidatorSet
from contracts.certificates.commitments import verify_disclosure
from contracts.certificates.records import get_cert_key
from node.sdk.annotation import is_consent_delegate
from node.sdk.finality import certificate_from_proven
from node.sdk.presentation import (
    CLOCK_SKEW_MS,
    TTL_MS_MAX,
    Presentation,
    PresentationRefused,
    Refusal,
    read_presentation,
)
from suites import Suite

if TYPE_CHECKING:  # the client imports this module
    from node.sdk.client import LedgerClient

DelegateCheck = Callable[[str, str], bool]

NONCES_KEPT_MAX: Final = 100_000
"""Nonces one verifier remembers at once: presentations live at most 10 minutes, so this
is 160 accepted presentations a second, sustained, far above a service hall's rate."""


class NonceBook:
    """The nonces of presentations this verifier accepted, each kept until its presentation
    expires (after that the presentation is refused as expired anyway). In memory: a
    verifier that restarts forgets them, and the presentations it accepted in the last
    minutes could be shown to it once more; keep the process running, or persist the book."""

    def __init__(self, capacity: int = NONCES_KEPT_MAX) -> None:
        self._capacity = capacity
        self._expiry: dict[tuple[bytes, bytes], int] = {}
        self._queue: list[tuple[int, bytes, bytes]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def claim(self, p: Presentation, now_ms: int) -> None:
        """Use the presentation's nonce up, or refuse it as replayed."""
        while self._queue and self._queue[0][0] <= now_ms:
            _, key, nonce = heapq.heappop(self._queue)
            self._expiry.pop((key, nonce), None)
        entry = (p.holder_public_key, p.nonce)
        if entry in self._expiry:
            raise PresentationRefused(Refusal.REPLAYED, "this presentation was already used")
        if len(self._expiry) >= self._capacity:
            raise PresentationRefused(
                Refusal.REPLAYED, "too many presentations in the last minutes; try again shortly"
            )
        self._expiry[entry] = p.expires_at_ms
        heapq.heappush(self._queue, (p.expires_at_ms, *entry))


@dataclass(frozen=True, slots=True)
class CheckedPresentation:
    presentation: Presentation
    status: str
    """The certificate's status on the chain: valid, suspended, revoked, expired..."""
    issuer: str
    holder: str
    height: int
    """The block whose certified header the record was proven against."""
    time_ms: int

    @property
    def fields(self) -> dict[str, str]:
        return {f.name: f.value for f in self.presentation.fields}


def check_time(p: Presentation, now_ms: int) -> None:
    if p.expires_at_ms - p.issued_at_ms > TTL_MS_MAX:
        raise PresentationRefused(Refusal.FORMAT, "no wallet makes a presentation that long-lived")
    if p.issued_at_ms > now_ms + CLOCK_SKEW_MS:
        raise PresentationRefused(
            Refusal.NOT_YET_VALID, "the presentation is dated in the future: check the clocks"
        )
    if now_ms >= p.expires_at_ms:
        raise PresentationRefused(Refusal.EXPIRED, "the presentation has expired: show a new one")


def check_offline(text: Any, *, verifier: str, now_ms: int) -> Presentation:
    """Checks 1 to 6, which need no chain: the layout, the signature, the time, the binding."""
    p = read_presentation(text)
    check_time(p, now_ms)
    if p.verifier and p.verifier != verifier:
        raise PresentationRefused(
            Refusal.VERIFIER, f"this presentation is for {p.verifier}, not for {verifier}"
        )
    return p


def check_record(
    p: Presentation, record: dict[str, Any] | None, is_delegate: DelegateCheck, suite: Suite
) -> dict[str, Any]:
    """Checks 7 to 9 against the certificate's record as the chain has it (None: absent):
    its type, the signer, the disclosed fields; the record, once it passed. ``is_delegate(principal, holder)`` says
    whether ``holder`` holds a consent delegation in force from ``principal``. ``suite`` is
    the chain's: a presentation made with another (a ``TLP1`` on an SM chain, an SM
    ``TLP2`` on an Ed25519 chain) carries a key, holder id and field salts this chain never
    made, so it is refused first, saying both suites (docs/presentations.md)."""
    if p.suite.name != suite.name:
        raise PresentationRefused(
            Refusal.FORMAT,
            f"this presentation was made with the {p.suite.name} suite ({p.prefix[:-1]}),"
            f" and this chain's suite is {suite.name}",
        )
    if record is None or record["cert_type"] != p.cert_type:
        raise PresentationRefused(
            Refusal.UNKNOWN_CERTIFICATE, f"certificate {p.cert_id} is not on the chain"
        )
    if p.holder != record["holder"] and not is_delegate(record["holder"], p.holder):
        raise PresentationRefused(
            Refusal.HOLDER, "the presentation is not signed by the certificate's holder"
        )
    field_hashes = record.get("field_hashes") or {}
    if not field_hashes:
        raise PresentationRefused(
            Refusal.FIELDS, "the issuer published no field commitments for this certificate"
        )
    disclosed = {f.name: (f.value, f.salt) for f in p.fields}
    if not verify_disclosure(
        p.cert_type, field_hashes, disclosed, suite=suite, doc_hash=record["doc_hash"]
    ):
        raise PresentationRefused(
            Refusal.FIELDS, "a disclosed field does not match the certificate's commitment"
        )
    return record


def check_presentation(
    client: LedgerClient,
    text: Any,
    validators: ValidatorSet | ValidatorSchedule,
    *,
    verifier: str,
    now_ms: int,
    nonces: NonceBook,
) -> CheckedPresentation:
    """Accept the presentation ``text`` shown to ``verifier`` (an organisation id) at
    ``now_ms``, or raise :class:`PresentationRefused` with the first reason. The record is
    proven against a certified header, so no node is trusted."""
    p = check_offline(text, verifier=verifier, now_ms=now_ms)
    proven = client.get_proven_state(get_cert_key(p.cert_id), validators)
    record = certificate_from_proven(p.cert_id, proven.value, proven.time_ms)
    check_record(
        p,
        record,
        lambda principal, holder: is_consent_delegate(client, principal, holder),
        client.suite,
    )
    assert record is not None  # check_record refused an absent one
    nonces.claim(p, now_ms)
    return CheckedPresentation(
        presentation=p,
        status=record["status"],
        issuer=record["issuer"],
        holder=record["holder"],
        height=proven.height,
        time_ms=proven.time_ms,
    )
