"""What the window does with a scanned presentation, in order:

1. read the text (pasted, or decoded from an image by window/decode.py);
2. have the node check it (`Agency/VerifyPresentation`, as this organisation): layout and
   holder signature, time (expired, or dated in the future), verifier binding, the
   certificate's record, the signer, each shown field against its on-chain commitment, and
   last the nonce (a presentation the node accepted before is refused as replayed). An
   accepted answer is checked again here against the validator schedule followed from
   genesis (`LedgerClient.check_presentation_answer`): no node is trusted for 有效;
3. refuse it as replayed here too if this window's archive holds its nonce (the node keeps
   nonces in memory; a validator that restarted forgets them, the archive does not);
4. decide the verdict: a refusal's reason, else the certificate's status on the chain;
5. record the verification on-chain (`certificates.record_verification`, signed with the
   organisation's key, with the purpose code the clerk chose) whenever the certificate is
   on the chain: ``passed`` only for a valid one, ``failed`` otherwise, so the holder's
   使用记录 shows every attempt made with their certificate;
6. archive the scan and the verdict (window/archive.py).

Which wins when a presentation was accepted and its certificate was then revoked: the
nonce. The node uses a nonce up when it accepts a presentation, whatever the certificate's
status, and its check order puts the nonce after the record, so the same QR shown again
is refused as 已被使用 (replayed); the window then reads the certificate's current status
(proven) and shows it beside the verdict (当前状态：已吊销). A new QR of the revoked
certificate says 已吊销.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from consensus.validators import ValidatorSchedule, ValidatorSet
from contracts.catalogue.purposes import OTHER
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.sdk.client import ClientError, LedgerClient
from node.sdk.finality import FinalityError
from node.sdk.presentation import PresentationRefused, Refusal, read_presentation
from proto import node_pb2
from window import limits
from window.archive import Archive

STATUS_NAMES = {
    node_pb2.CERTIFICATE_STATUS_VALID: "valid",
    node_pb2.CERTIFICATE_STATUS_REVOKED: "revoked",
    node_pb2.CERTIFICATE_STATUS_EXPIRED: "expired",
    node_pb2.CERTIFICATE_STATUS_SUSPENDED: "suspended",
    node_pb2.CERTIFICATE_STATUS_SUPERSEDED: "superseded",
}

VERDICT_OF_REFUSAL = {
    Refusal.FORMAT: "unreadable",
    Refusal.SIGNATURE: "bad_signature",
    Refusal.NOT_YET_VALID: "not_yet_valid",
    Refusal.EXPIRED: "presentation_expired",
    Refusal.VERIFIER: "other_verifier",
    Refusal.REPLAYED: "replayed",
    Refusal.UNKNOWN_CERTIFICATE: "unknown_certificate",
    Refusal.HOLDER: "bad_signature",
    Refusal.FIELDS: "fields_mismatch",
}
"""The verdict of each refusal (window.js names them: 无法识别, 签名无效, 时间异常, 已过期,
非本机构, 已被使用, 证照不存在, 签名无效 (not the holder's), 内容不符). An accepted
presentation's verdict is its certificate's status: valid, revoked, expired, suspended,
superseded (有效, 已吊销, 已过期, 已暂停, 已换发)."""


class BadRequest(ValueError):
    """The clerk's input is refused before anything is checked: `code` names the problem
    for the page (window.js words it), the message says it in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NodeUnavailable(Exception):
    """The node could not be asked (or its answer did not hold): nothing was recorded."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The node's answer to a presentation, as the window needs it."""

    accepted: bool
    refusal: str = ""
    message: str = ""
    cert_known: bool = False
    """The certificate the presentation names is on the chain."""
    cert_id: str = ""
    cert_type: str = ""
    issuer: str = ""
    status: str = ""
    height: int = 0
    """The block whose certified header the record was proven against."""
    fields: dict[str, str] = field(default_factory=dict)


class Node(Protocol):
    """What the window asks of the chain (unit tests pass a fake)."""

    def verify_presentation(self, text: str) -> Answer: ...

    def purposes(self) -> list[dict[str, Any]]:
        """The purposes of use (申请事由) as the chain lists them, retired ones included."""
        ...

    def type_names(self) -> dict[str, dict[str, Any]]:
        """Certificate types' names (Chinese and English) by type id, as the chain has them."""
        ...

    def certificate_status(self, cert_id: str) -> str: ...

    def record(
        self, cert_id: str, result: str, purpose: str, purpose_code: str, fields: list[str]
    ) -> tuple[str, int, str]:
        """Record a verification on-chain: (verification id, block height, tx hash hex)."""
        ...


CATALOGUE_KEPT_S = 60.0
"""How long the window keeps the chain's purposes and type names before asking again: the
catalogue changes by governance, rarely; a 1,000-type list is ~900 KB, not for every scan."""


class ChainNode:
    """`Node` over a LedgerClient calling as the organisation, whose key signs records."""

    def __init__(
        self,
        client: LedgerClient,
        keypair: KeyPair,
        genesis: ValidatorSet,
        now_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.keypair, self._genesis, self._now_s = client, keypair, genesis, now_s
        self._schedule: ValidatorSchedule | None = None
        self._lock = threading.Lock()
        self._catalogue: dict[str, tuple[float, Any]] = {}

    def _cached(self, name: str, read: Callable[[], Any]) -> Any:
        kept = self._catalogue.get(name)
        if kept is not None and self._now_s() < kept[0]:
            return kept[1]
        try:
            value = read()
        except ClientError as exc:
            raise NodeUnavailable(f"the node could not be asked ({exc.code})") from None
        self._catalogue[name] = (self._now_s() + CATALOGUE_KEPT_S, value)
        return value

    def purposes(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self._cached(
            "purposes", lambda: self.client.query("certificates", "purposes")
        )
        return listed

    def type_names(self) -> dict[str, dict[str, Any]]:
        def read() -> dict[str, dict[str, Any]]:
            types = self.client.query("certificates", "types")
            return {t["id"]: {"name_zh": t["name_zh"], "name_en": t["name_en"]} for t in types}

        names: dict[str, dict[str, Any]] = self._cached("types", read)
        return names

    def _validators(self, fresh: bool = False) -> ValidatorSchedule:
        with self._lock:
            if self._schedule is None or fresh:
                self._schedule = self.client.get_validator_schedule(self._genesis)
            return self._schedule

    def verify_presentation(self, text: str) -> Answer:
        try:
            resp = self.client.verify_presentation(text)
            if resp.accepted:
                try:
                    self.client.check_presentation_answer(text, resp, self._validators())
                except FinalityError:
                    # A validator set decided since the schedule was read: read it again,
                    # once (the node used the nonce up: the answer is re-checked, not asked).
                    self.client.check_presentation_answer(text, resp, self._validators(fresh=True))
        except FinalityError as exc:
            raise NodeUnavailable(f"the node's answer did not hold: {exc}") from None
        except ClientError as exc:
            raise NodeUnavailable(f"the node could not be asked ({exc.code})") from None
        cert = resp.certificate
        return Answer(
            accepted=resp.accepted,
            refusal=resp.refusal,
            message=resp.message,
            cert_known=cert.status in STATUS_NAMES,
            cert_id=cert.cert_id,
            cert_type=cert.cert_type,
            issuer=cert.issuer,
            status=STATUS_NAMES.get(cert.status, ""),
            height=cert.height,
            fields=dict(resp.fields),
        )

    def certificate_status(self, cert_id: str) -> str:
        try:
            resp = self.client.verify_certificate(cert_id, validators=self._validators())
        except (ClientError, FinalityError):
            return ""
        return STATUS_NAMES.get(resp.status, "")

    def record(
        self, cert_id: str, result: str, purpose: str, purpose_code: str, fields: list[str]
    ) -> tuple[str, int, str]:
        verification_id = new_id("ver")
        args: dict[str, Any] = {
            "cert_id": cert_id,
            "verification_id": verification_id,
            "result": result,
            "purpose": purpose,
            "purpose_code": purpose_code,
        }
        if fields:
            args["fields"] = json.dumps(sorted(fields))
        committed = self.client.call(self.keypair, "certificates", "record_verification", args)
        return verification_id, committed.height, committed.tx_hash.hex()


def check_purpose(purpose_code: str, purpose_text: str, purposes: list[dict[str, Any]]) -> str:
    """The purpose text recorded with the code (the code's Chinese name when none given);
    `purposes` as the chain lists them (a retired one is refused)."""
    entry = next(
        (p for p in purposes if p.get("id") == purpose_code and not p.get("retired_height")),
        None,
    )
    if entry is None:
        raise BadRequest("purpose", "choose a purpose (申请事由) from the list")
    text = " ".join(purpose_text.split())
    if len(text) > limits.PURPOSE_TEXT_CHARS_MAX:
        raise BadRequest(
            "purpose_long", f"the purpose is at most {limits.PURPOSE_TEXT_CHARS_MAX} characters"
        )
    if purpose_code == OTHER and not text:
        raise BadRequest("purpose_other", "purpose 其他 needs a few words saying what for")
    return text or str(entry["name_zh"])


def check_payload(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadRequest("empty", "paste the text of the QR code (TLP1.… or TLP2.…)")
    if len(text) > limits.PAYLOAD_CHARS_MAX:
        raise BadRequest(
            "too_long", f"a presentation is at most {limits.PAYLOAD_CHARS_MAX} characters"
        )
    return text


def decide(answer: Answer, replayed_here: bool) -> str:
    """The verdict: a refusal's reason, else the certificate's status."""
    if replayed_here or (not answer.accepted and answer.refusal == Refusal.REPLAYED):
        return "replayed"
    if not answer.accepted:
        try:
            return VERDICT_OF_REFUSAL[Refusal(answer.refusal)]
        except ValueError:
            return "unreadable"
    return answer.status or "unknown_certificate"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Window:
    """The verification path, shared by the three ways in (camera, upload, paste)."""

    node: Node
    archive: Archive
    org: str
    now_ms: Callable[[], int] = _now_ms
    slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(limits.VERIFICATIONS_CONCURRENT_MAX)
    )

    def verify(
        self, text: str, *, via: str, clerk: str, purpose_code: str, purpose_text: str = ""
    ) -> dict[str, Any]:
        """Check, record and archive one presentation; the archived record (as the page
        shows it). BadRequest for bad input, NodeUnavailable if the chain could not say."""
        text = check_payload(text)
        purpose = check_purpose(purpose_code, purpose_text, self.node.purposes())
        with self.slots:
            return self._verify(text, via, clerk, purpose_code, purpose)

    def _verify(
        self, text: str, via: str, clerk: str, purpose_code: str, purpose: str
    ) -> dict[str, Any]:
        try:
            p = read_presentation(text)
            nonce_key: bytes | None = p.holder_public_key + p.nonce
        except PresentationRefused:
            p, nonce_key = None, None
        answer = self.node.verify_presentation(text)
        replayed_here = (
            answer.accepted
            and nonce_key is not None
            and self.archive.accepted_before(nonce_key) is not None
        )
        verdict = decide(answer, replayed_here)
        accepted = answer.accepted and not replayed_here
        status = answer.status
        if verdict == "replayed" and answer.cert_known:
            status = self.node.certificate_status(answer.cert_id) or status
        record: dict[str, Any] = {
            "id": new_id("scan"),
            "time_ms": self.now_ms(),
            "clerk": clerk,
            "via": via,
            "verdict": verdict,
            "ok": verdict == "valid",
            "message": "" if accepted else answer.message or "already used at this window",
            "cert_id": answer.cert_id or (p.cert_id if p else ""),
            "cert_type": answer.cert_type or (p.cert_type if p else ""),
            "issuer": answer.issuer,
            "status": status,
            "proof_height": answer.height,
            # Shown only for a valid certificate: a clerk has no use for the fields of a
            # revoked or expired one (the presentation's text is archived all the same).
            "fields": answer.fields if verdict == "valid" else {},
            "expires_at_ms": p.expires_at_ms if p else 0,
            "bound_to": p.verifier if p else "",
            "purpose_code": purpose_code,
            "purpose": purpose,
            "verifier": self.org,
            "presentation": text,
        }
        if answer.cert_known:
            try:
                vid, height, tx = self.node.record(
                    answer.cert_id,
                    "passed" if verdict == "valid" else "failed",
                    purpose,
                    purpose_code,
                    list(record["fields"]),
                )
                record["onchain"] = {"verification_id": vid, "height": height, "tx": tx}
            except ClientError as exc:
                record["onchain"] = {"error": f"{exc.code}: {exc}"}
        self.archive.add(record, nonce_key if accepted else None)
        return record
